/* fuzz_mailcow_relayhosts: mailcow_parse_relayhosts on any body, with a password planted in every password field;
 * the error says no secret and the snapshot JSON made from the result is valid. */
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
	static const char *const keys[] = {"password", "password_short", NULL};
	char *planted = fuzz_plant_secret(data, size, keys);
	const char *body = planted ? planted : (const char *)data;
	size_t len = planted ? strlen(planted) : size;
	struct snapshot *s = xcalloc(1, sizeof(*s));
	char *err = NULL;
	if (mailcow_parse_relayhosts(body, len, &s->mailcow, &err) != 0 && !err)
		fuzz_fail("mailcow_parse_relayhosts failed without an error", NULL);
	fuzz_assert_no_secret("mailcow_parse_relayhosts error", err);
	fuzz_assert_snapshot(s);
	free(err);
	snapshot_free(s);
	free(planted);
	return 0;
}
