/* overlay.attachment against a real dockerd (tests/fixtures/dockerd.sh: a single-node swarm
 * with the overlay network netgrimoire and a fake mailcow project whose nginx-mailcow alone is
 * on it): a second service that joins the overlay goes critical, alone, and leaving it puts
 * everything back. The Docker part of the snapshot comes from the real client. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checks.h"
#include "core/util.h"
#include "tests/support/tdockerd.h"

static enum status status_of(const struct check_run *r, const char *service)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->results[i].target, service) == 0)
			return r->results[i].status;
	cr_assert_fail("no overlay.attachment result for %s", service);
	return STATUS_UNKNOWN;
}

Test(check_dockerd, second_service_on_the_overlay_is_critical_alone)
{
	char *text = xasprintf("[docker]\nhost = %s\nproject = mailcowdockerized\n"
			       "[overlay]\nnetwork = netgrimoire\nallowed = nginx-mailcow\n", tdockerd_host());
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load_string(&cfg, text, "dockerd.conf", &err), 0, "%s", err);
	free(text);

	struct check_run run;
	tdockerd_check(&cfg, "overlay.attachment", &run);
	cr_expect_eq(status_of(&run, "nginx-mailcow"), STATUS_OK);
	cr_expect_eq(status_of(&run, "postfix-mailcow"), STATUS_OK);
	cr_expect_eq(tdockerd_not_ok(&run), 0);
	size_t before = run.n;
	check_run_free(&run);

	char *name = xasprintf("mailcowdockerized-rspamd-mailcow-%d", (int)getpid());
	char *cmd = xasprintf("run -d --name %s --label com.docker.compose.project=mailcowdockerized "
			      "--label com.docker.compose.service=rspamd-mailcow --network mailcowdockerized_mailcow-network "
			      "mcbusybox:test", name);
	cr_assert_eq(tdockerd_run(cmd), 0, "docker %s", cmd);
	free(cmd);
	cmd = xasprintf("network connect netgrimoire %s", name);
	int st = tdockerd_run(cmd);
	free(cmd);
	if (st == 0)
		tdockerd_check(&cfg, "overlay.attachment", &run);
	cmd = xasprintf("network disconnect -f netgrimoire %s", name);
	tdockerd_run(cmd);
	free(cmd);
	cmd = xasprintf("rm -f %s", name);
	tdockerd_run(cmd);
	free(cmd);
	cr_assert_eq(st, 0, "docker network connect netgrimoire %s failed", name);

	cr_expect_eq(run.n, before + 1);
	const struct check_result *r = NULL;
	for (size_t i = 0; i < run.n; i++)
		if (strcmp(run.results[i].target, "rspamd-mailcow") == 0)
			r = &run.results[i];
	cr_assert(r);
	cr_expect_eq(r->status, STATUS_CRITICAL);
	cr_expect_str_eq(r->summary, "rspamd-mailcow is attached to overlay network netgrimoire");
	cr_expect(strstr(r->hint, "Only nginx-mailcow may join netgrimoire: remove the network from rspamd-mailcow") != NULL, "%s", r->hint);
	cr_expect_eq(status_of(&run, "nginx-mailcow"), STATUS_OK);
	cr_expect_eq(tdockerd_not_ok(&run), 1, "only rspamd-mailcow is not ok");
	check_run_free(&run);

	/* gone from the overlay and removed: all ok again */
	tdockerd_check(&cfg, "overlay.attachment", &run);
	cr_expect_eq(tdockerd_not_ok(&run), 0);
	cr_expect_eq(run.n, before);
	check_run_free(&run);
	free(name);
	config_free(&cfg);
}
