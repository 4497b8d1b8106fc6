/* fuzz_docker_list: docker_parse_list (GET /containers/json) on any text, filtered by the
 * project or not (first byte); the snapshot JSON made from the result is valid. */
#include <stdlib.h>

#include "core/docker.h"
#include "core/util.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_has_secret(data, size))
		return 0;
	struct fuzz_in in = {data, size};
	const char *project = fuzz_byte(&in) & 1 ? "mailcowdockerized" : NULL;
	char *json = fuzz_str(in.p, in.n);
	struct snapshot *s = xcalloc(1, sizeof(*s));
	char *err = NULL;
	if (docker_parse_list(json, project, &s->docker.containers, &s->docker.n_containers, &err) != 0 && !err)
		fuzz_fail("docker_parse_list failed without an error", NULL);
	fuzz_assert_snapshot(s);
	free(err);
	snapshot_free(s);
	free(json);
	return 0;
}
