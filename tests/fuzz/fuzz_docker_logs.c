/* fuzz_docker_logs: docker_logs_parse on any body, raw (TTY) or multiplexed, with or
 * without timestamps (first byte). Lines hold no NUL and a known stream. */
#include <stdlib.h>
#include <string.h>

#include "core/docker.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	unsigned mode = fuzz_byte(&in);
	struct docker_logs l = {0};
	if (docker_logs_parse((const char *)in.p, in.n, mode & 1, mode & 2, &l) != 0 && !l.error)
		fuzz_fail("docker_logs_parse failed without an error", NULL);
	for (size_t i = 0; i < l.n; i++) {
		if (!l.lines[i].text || l.lines[i].stream < 0 || l.lines[i].stream > 2)
			fuzz_fail("docker_logs_parse: a line without text or with an unknown stream", NULL);
		if (strlen(l.lines[i].text) > in.n)
			fuzz_fail("docker_logs_parse: a line longer than the body", l.lines[i].text);
	}
	docker_logs_free(&l);
	return 0;
}
