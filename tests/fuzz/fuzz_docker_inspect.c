/* fuzz_docker_inspect: docker_parse_inspect (GET /containers/{id}/json) on any text, over a
 * container the list already filled; the snapshot JSON made from the result is valid. */
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
	s->docker.containers = xcalloc(1, sizeof(*s->docker.containers));
	s->docker.n_containers = 1;
	struct container *c = &s->docker.containers[0];
	c->id = xstrdup("0123456789ab");
	c->name = xstrdup("mailcowdockerized-postfix-mailcow-1");
	c->status_text = xstrdup("Up 3 hours (healthy)");
	char *err = NULL;
	if (docker_parse_inspect(json, c, &err) != 0 && !err)
		fuzz_fail("docker_parse_inspect failed without an error", NULL);
	fuzz_assert_snapshot(s);
	free(err);
	snapshot_free(s);
	free(json);
	return 0;
}
