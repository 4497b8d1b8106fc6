/* fuzz_docker_network: docker_parse_network (GET /networks/{name}) on any text; the
 * snapshot JSON made from the result is valid. */
#include <stdlib.h>

#include "core/docker.h"
#include "core/util.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_has_secret(data, size))
		return 0;
	char *json = fuzz_str(data, size);
	struct snapshot *s = xcalloc(1, sizeof(*s));
	s->docker.networks = xcalloc(1, sizeof(*s->docker.networks));
	s->docker.n_networks = 1;
	char *err = NULL;
	if (docker_parse_network(json, &s->docker.networks[0], &err) != 0 && !err)
		fuzz_fail("docker_parse_network failed without an error", NULL);
	fuzz_assert_snapshot(s);
	free(err);
	snapshot_free(s);
	free(json);
	return 0;
}
