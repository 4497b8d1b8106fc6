/* collect: builds one snapshot per refresh, every source concurrently on one fetcher
 * (curl multi + c-ares), and carries each part's error "since" over from the previous
 * snapshot. Blocking: the console runs it on a worker thread, the CLI directly. */
#ifndef MCON_COLLECT_H
#define MCON_COLLECT_H

#include "core/config.h"
#include "core/snapshot.h"

struct collect_opts {
	const struct snapshot *prev;    /* previous snapshot, for error "since" times; may be NULL */
	long long deadline_ms;          /* fetch_now_ms() bound on the whole refresh; 0 = from timeouts */
	int cancel_fd;                  /* readable = stop early (the console quitting); -1 none */
};

/* Collects everything the configuration names. Never NULL: parts that failed carry
 * their error. The caller frees with snapshot_free(). */
struct snapshot *collect_run(const struct config *cfg, const struct collect_opts *opts);

#endif
