/* containers.network against a real dockerd (tests/fixtures/dockerd.sh: a fake mailcow
 * project on mailcowdockerized_mailcow-network): the fixture's services pass; a service
 * started on the default bridge is critical, alone; one with host networking (as
 * netfilter-mailcow runs) passes. The Docker part of the snapshot comes from the real client. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checks.h"
#include "core/util.h"
#include "tests/support/tdockerd.h"

static const struct check_result *result_of(const struct check_run *r, const char *service)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->results[i].target, service) == 0)
			return &r->results[i];
	return NULL;
}

Test(check_network_dockerd, bridge_host_and_default_network)
{
	char *text = xasprintf("[docker]\nhost = %s\nproject = mailcowdockerized\n", tdockerd_host());
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load_string(&cfg, text, "dockerd.conf", &err), 0, "%s", err);
	free(text);

	struct check_run run;
	tdockerd_check(&cfg, "containers.network", &run);
	const struct check_result *r = result_of(&run, "postfix-mailcow");
	cr_assert(r, "no containers.network result for postfix-mailcow");
	cr_expect_eq(r->status, STATUS_OK, "%s", r->summary);
	cr_expect_str_eq(r->summary, "postfix-mailcow is attached to mailcowdockerized_mailcow-network");
	cr_expect_eq(tdockerd_not_ok(&run), 0);
	size_t before = run.n;
	check_run_free(&run);

	int pid = (int)getpid();
	char *off = xasprintf("mailcowdockerized-sogo-mailcow-%d", pid);
	char *host = xasprintf("mailcowdockerized-netfilter-mailcow-%d", pid);
	char *c1 = xasprintf("run -d --name %s --label com.docker.compose.project=mailcowdockerized "
			     "--label com.docker.compose.service=sogo-mailcow --network bridge mcbusybox:test sleep 600", off);
	char *c2 = xasprintf("run -d --name %s --label com.docker.compose.project=mailcowdockerized "
			     "--label com.docker.compose.service=netfilter-mailcow --network host mcbusybox:test sleep 600",
			     host);
	int st1 = tdockerd_run(c1), st2 = tdockerd_run(c2);
	if (st1 == 0 && st2 == 0)
		tdockerd_check(&cfg, "containers.network", &run);
	free(c1);
	free(c2);
	c1 = xasprintf("rm -f %s %s", off, host);
	tdockerd_run(c1);
	free(c1);
	cr_assert_eq(st1, 0, "docker run on the default bridge failed");
	cr_assert_eq(st2, 0, "docker run with host networking failed");

	cr_expect_eq(run.n, before + 2);
	r = result_of(&run, "sogo-mailcow");
	cr_assert(r, "no result for sogo-mailcow");
	cr_expect_eq(r->status, STATUS_CRITICAL);
	cr_expect_str_eq(r->summary, "sogo-mailcow is not attached to mailcowdockerized_mailcow-network (on bridge)");
	r = result_of(&run, "netfilter-mailcow");
	cr_assert(r, "no result for netfilter-mailcow");
	cr_expect_eq(r->status, STATUS_OK, "%s", r->summary);
	cr_expect_str_eq(r->summary, "netfilter-mailcow uses host networking (network_mode: host)");
	cr_expect_eq(tdockerd_not_ok(&run), 1, "only sogo-mailcow is not ok");
	check_run_free(&run);
	free(off);
	free(host);
	config_free(&cfg);
}
