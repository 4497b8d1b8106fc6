/* fuzz_docker_demux: docker_demux_feed on a multiplexed stream fed in chunks of pseudo-random
 * sizes (the first byte seeds them); when docker_frames_demux accepts the whole body, the
 * chunked feed emits exactly its stdout and stderr. */
#include <stdlib.h>
#include <string.h>

#include "core/docker.h"
#include "core/util.h"
#include "tests/fuzz/fuzz.h"

struct outs {
	struct buf out, err;
};

static void emit(int stream, const char *p, size_t n, void *ud)
{
	struct outs *o = ud;
	if (stream == 1)
		buf_append(&o->out, p, n);
	else if (stream == 2)
		buf_append(&o->err, p, n);
}

static bool same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	unsigned seed = fuzz_byte(&in) | 1u;
	struct docker_demux d = {0};
	struct outs o = {0};
	const char *p = (const char *)in.p;
	size_t n = in.n;
	int rc = 0;
	while (n && rc == 0) {
		size_t k = 1 + (seed >> 16) % 32;
		seed = seed * 1103515245u + 12345u;
		if (k > n)
			k = n;
		rc = docker_demux_feed(&d, p, k, emit, &o);
		p += k;
		n -= k;
	}
	struct buf wout = {0}, werr = {0};
	if (docker_frames_demux((const char *)in.p, in.n, &wout, &werr) == 0) {
		if (rc != 0 || !docker_demux_complete(&d))
			fuzz_fail("docker_demux_feed refused a stream docker_frames_demux accepts", NULL);
		if (!same(&o.out, &wout) || !same(&o.err, &werr))
			fuzz_fail("docker_demux_feed and docker_frames_demux disagree", NULL);
	}
	buf_free(&wout);
	buf_free(&werr);
	buf_free(&o.out);
	buf_free(&o.err);
	return 0;
}
