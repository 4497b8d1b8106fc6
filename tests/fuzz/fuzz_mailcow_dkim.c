/* fuzz_mailcow_dkim: mailcow_parse_dkim on any body, with a private key planted in every
 * privkey field: neither the error nor the parsed key nor the snapshot JSON holds it. */
#include <stdlib.h>
#include <string.h>

#include "core/mailcow.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_has_secret(data, size))
		return 0;
	static const char *const keys[] = {"privkey", NULL};
	char *planted = fuzz_plant_secret(data, size, keys);
	const char *body = planted ? planted : (const char *)data;
	size_t len = planted ? strlen(planted) : size;
	struct snapshot *s = xcalloc(1, sizeof(*s));
	s->domains = xcalloc(1, sizeof(*s->domains));
	s->n_domains = 1;
	s->domains[0].name = xstrdup("example.org");
	struct mc_dkim *d = &s->domains[0].dkim;
	d->domain = xstrdup("example.org");
	char *err = NULL;
	if (mailcow_parse_dkim(body, len, d, &err) != 0 && !err)
		fuzz_fail("mailcow_parse_dkim failed without an error", NULL);
	fuzz_assert_no_secret("mailcow_parse_dkim error", err);
	fuzz_assert_no_secret("dkim selector", d->selector);
	fuzz_assert_no_secret("dkim pubkey", d->pubkey);
	fuzz_assert_no_secret("dkim txt", d->txt);
	fuzz_assert_snapshot(s);
	free(err);
	snapshot_free(s);
	free(planted);
	return 0;
}
