/* fuzz_mailcow_classify: mailcow_classify on any status (first two bytes) and body; the
 * reason is one printable line of valid UTF-8 that holds no planted secret. */
#include <stdlib.h>

#include "core/mailcow.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_has_secret(data, size))
		return 0;
	struct fuzz_in in = {data, size};
	long status = (long)(fuzz_byte(&in) << 8 | fuzz_byte(&in)) % 600;
	char *why = NULL;
	enum key_problem k = mailcow_classify(status, (const char *)in.p, in.n, &why);
	if (k != KEY_OK && !why)
		fuzz_fail("mailcow_classify: a problem without a reason", NULL);
	fuzz_assert_utf8("mailcow_classify reason", why);
	fuzz_assert_no_secret("mailcow_classify reason", why);
	free(why);
	return 0;
}
