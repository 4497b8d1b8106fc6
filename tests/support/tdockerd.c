/* tdockerd: the dockerd fixture helpers for check tests (see tests/support/tdockerd.h). */
#include "tests/support/tdockerd.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#include "core/docker.h"
#include "core/fetch.h"
#include "core/snapshot.h"
#include "core/util.h"

const char *tdockerd_host(void)
{
	const char *h = getenv("MCON_TEST_DOCKER_HOST");
	cr_assert(h && *h, "$MCON_TEST_DOCKER_HOST is not set: the dockerd fixture did not start");
	return h;
}

int tdockerd_run(const char *args)
{
	char *cmd = xasprintf("docker -H '%s' %s >/dev/null 2>&1", tdockerd_host(), args);
	int st = system(cmd);
	free(cmd);
	return st;
}

void tdockerd_check(const struct config *cfg, const char *check, struct check_run *run)
{
	struct snapshot s = {0};
	struct fetcher *f = fetcher_new();
	docker_collect(f, cfg, &s.docker);
	fetcher_run(f, 0);
	fetcher_free(f);
	cr_assert_not(s.docker.err.failed, "docker: %s", s.docker.err.why);
	checks_run(&s, cfg, NULL, run);
	struct strv only = {0};
	strv_push(&only, check);
	check_run_filter(run, &only);
	strv_free(&only);
	docker_state_free(&s.docker);
}

size_t tdockerd_not_ok(const struct check_run *run)
{
	size_t n = 0;
	for (size_t i = 0; i < run->n; i++)
		n += run->results[i].status != STATUS_OK;
	return n;
}
