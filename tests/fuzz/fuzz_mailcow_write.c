/* fuzz_mailcow_write: mailcow_parse_write on any status (first two bytes) and body; the
 * message is valid UTF-8 and holds no planted secret (a password field of the answer). */
#include <stdlib.h>
#include <string.h>

#include "core/mailcow.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_has_secret(data, size))
		return 0;
	struct fuzz_in in = {data, size};
	long status = (long)(fuzz_byte(&in) << 8 | fuzz_byte(&in)) % 600;
	static const char *const keys[] = {"password", "password2", "privkey", NULL};
	char *planted = fuzz_plant_secret(in.p, in.n, keys);
	struct mc_result res = {0};
	if (planted)
		mailcow_parse_write(status, planted, strlen(planted), &res);
	else
		mailcow_parse_write(status, (const char *)in.p, in.n, &res);
	fuzz_assert_utf8("mailcow_parse_write message", res.message);
	fuzz_assert_no_secret("mailcow_parse_write message", res.message);
	fuzz_assert_no_secret("mailcow_parse_write id", res.id);
	fuzz_assert_utf8("mailcow_parse_write warnings", res.warnings);
	fuzz_assert_no_secret("mailcow_parse_write warnings", res.warnings);
	mc_result_free(&res);
	free(planted);
	return 0;
}
