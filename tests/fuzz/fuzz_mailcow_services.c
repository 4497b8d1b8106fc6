/* fuzz_mailcow_services: mailcow_parse_services on any body;
 * the error says no secret and the snapshot JSON made from the result is valid. */
#include <stdlib.h>

#include "core/mailcow.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_has_secret(data, size))
		return 0;
	const char *body = (const char *)data;
	size_t len = size;
	struct snapshot *s = xcalloc(1, sizeof(*s));
	char *err = NULL;
	if (mailcow_parse_services(body, len, &s->mailcow, &err) != 0 && !err)
		fuzz_fail("mailcow_parse_services failed without an error", NULL);
	fuzz_assert_no_secret("mailcow_parse_services error", err);
	fuzz_assert_snapshot(s);
	free(err);
	snapshot_free(s);
	return 0;
}
