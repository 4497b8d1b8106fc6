/* fuzz_docker_event: docker_event_parse on one object of any text. */
#include <stdlib.h>
#include <string.h>

#include "core/docker.h"
#include "tests/fuzz/fuzz.h"

static void on_event(const struct docker_event *ev, void *ud)
{
	size_t *sum = ud;
	*sum += strlen(ev->type ? ev->type : "") + strlen(ev->action ? ev->action : "") +
		strlen(ev->name ? ev->name : "") + strlen(ev->container ? ev->container : "");
	for (size_t i = 0; i < ev->n_attrs; i++)
		*sum += strlen(ev->attr_keys[i]) + strlen(ev->attr_values[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;
	docker_event_parse((const char *)data, size, on_event, &sum);
	return 0;
}
