/* fuzz_docker_exec_inspect: docker_parse_exec_inspect (GET /exec/{id}/json) on any text. */
#include <stdlib.h>

#include "core/docker.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = fuzz_str(data, size);
	bool running = false;
	int code = 0;
	char *err = NULL;
	if (docker_parse_exec_inspect(json, &running, &code, &err) != 0 && !err)
		fuzz_fail("docker_parse_exec_inspect failed without an error", NULL);
	free(err);
	free(json);
	return 0;
}
