/* docker_pending: TEMPORARY stand-ins, until the docker branch (core/docker.c and
 * core/stackfiles.c) is merged; delete this file then. The definitions are weak, so the
 * real ones win as soon as they are linked in. They collect nothing and say so. */
#include "core/docker.h"
#include "core/stackfiles.h"

#include <stdlib.h>
#include <string.h>

__attribute__((weak)) void docker_collect(struct fetcher *f, const struct config *cfg, struct docker_state *out)
{
	(void)f;
	out->endpoint = xstrdup(cfg->docker_host);
	out->postfix_size_live = -1;
	part_error_set(&out->err, "Docker API", "the Docker client is not built in yet");
}

__attribute__((weak)) void docker_state_free(struct docker_state *d)
{
	part_error_clear(&d->err);
	part_error_clear(&d->postfix_exec_err);
	free(d->endpoint);
	free(d->api_version);
	free(d->server_version);
	memset(d, 0, sizeof(*d));
}

__attribute__((weak)) void stackfiles_collect(const struct config *cfg, struct size_limits *lim,
					      struct roundcube_info *rc)
{
	(void)cfg;
	lim->postfix_main = lim->postfix_extra = lim->postfix = -1;
	lim->rspamd_max_message = 52428800;
	lim->av_max_size = lim->clamav_stream_max = lim->clamav_max_file = lim->clamav_max_scan = -1;
	part_error_set(&lim->err, "stack files", "the stack file reader is not built in yet");
	(void)rc;
}

__attribute__((weak)) void size_limits_free(struct size_limits *l)
{
	part_error_clear(&l->err);
	strv_free(&l->sources);
	memset(l, 0, sizeof(*l));
}

__attribute__((weak)) void roundcube_info_free(struct roundcube_info *r)
{
	part_error_clear(&r->err);
	free(r->path);
	free(r->imap_host);
	memset(r, 0, sizeof(*r));
}
