/* fuzz_docker_error_text: docker_error_text on any status (first two bytes) and body: one
 * line of valid UTF-8 with no control character. */
#include <stdlib.h>

#include "core/docker.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	long status = (long)(fuzz_byte(&in) << 8 | fuzz_byte(&in)) % 600;
	char *body = fuzz_str(in.p, in.n);
	char *t = docker_error_text(status, body);
	if (!t)
		fuzz_fail("docker_error_text returned NULL", body);
	fuzz_assert_utf8("docker_error_text", t);
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fuzz_fail("docker_error_text holds a control character", t);
	free(t);
	free(body);
	return 0;
}
