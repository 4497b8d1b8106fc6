/* fuzz_docker_events: the /events stream parser (docker_events_feed) fed the input in chunks
 * of pseudo-random sizes (the first byte seeds them): it keeps state across reads. Every
 * event's strings are read; the same input fed whole gives the same events. */
#include <stdlib.h>
#include <string.h>

#include "core/docker.h"
#include "tests/fuzz/fuzz.h"

struct tally {
	int events;
	unsigned long sum;      /* a digest of what the events said */
};

static unsigned long digest(const char *s)
{
	unsigned long h = 5381;
	for (; s && *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static void on_event(const struct docker_event *ev, void *ud)
{
	struct tally *t = ud;
	t->events++;
	t->sum += digest(ev->type) + digest(ev->action) + digest(ev->actor_id) + digest(ev->project) +
		  digest(ev->service) + digest(ev->name) + digest(ev->container) + (unsigned long)ev->health;
	for (size_t i = 0; i < ev->n_attrs; i++)
		t->sum += digest(ev->attr_keys[i]) ^ digest(ev->attr_values[i]);
	t->sum += digest(docker_event_attr(ev, "image"));
	/* Not checked yet: raw may hold a NUL byte the daemon sent (a 60 s run found one; open). */
}

static struct tally feed(const uint8_t *p, size_t n, unsigned seed)
{
	struct tally t = {0};
	struct docker_events e;
	docker_events_init(&e, on_event, &t);
	int emitted = 0;
	while (n) {
		size_t k = seed ? 1 + (seed >> 16) % 64 : n;
		seed = seed * 1103515245u + 12345u;
		if (k > n)
			k = n;
		emitted += docker_events_feed(&e, (const char *)p, k);
		p += k;
		n -= k;
	}
	docker_events_free(&e);
	if (emitted != t.events)
		fuzz_fail("docker_events_feed: returned count differs from the callbacks", NULL);
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	unsigned seed = fuzz_byte(&in) | 1u;
	struct tally chunked = feed(in.p, in.n, seed);
	struct tally whole = feed(in.p, in.n, 0);
	if (chunked.events != whole.events || chunked.sum != whole.sum)
		fuzz_fail("docker_events_feed: chunked and whole input give different events", NULL);
	return 0;
}
