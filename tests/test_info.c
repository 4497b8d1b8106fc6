/* test_info: `mcon info` against the simulator: every part answers, a refused key and a
 * dead Docker are named, --offline asks nothing, and no key reaches the output. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"

static struct trun run_info(struct simproc *sp, const char *extra)
{
	struct trun r = {0};
	const char *argv[] = {trun_bin(), "--config", sp->conf, "info", extra, NULL};
	trun(&r, NULL, argv);
	return r;
}

Test(info, every_part_answers)
{
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp);
	struct trun r = run_info(sp, NULL);
	cr_expect_eq(r.code, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "18 containers in project mailcowdockerized"), "%s", r.out);
	cr_expect(strstr(r.out, "version 2026-07a, 8 domains"), "%s", r.out);
	cr_expect(strstr(r.out, "resolver:  127.0.0.1:"), "%s", r.out);
	cr_expect(strstr(r.out, "(answers)"), "%s", r.out);
	cr_expect(strstr(r.out, "size limits read"), "%s", r.out);
	cr_expect_null(strstr(r.out, "FAILED"), "%s", r.out);
	cr_expect_null(strstr(r.out, sp->api_key), "the API key was printed");
	trun_free(&r);
	cr_expect_eq(simproc_stop(sp), 0);
}

Test(info, failed_parts_are_named_and_exit_1)
{
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp);
	cr_assert(simproc_ctl_ok(sp, "fault mailcow status 401"));
	cr_assert(simproc_ctl_ok(sp, "fault docker down"));
	struct trun r = run_info(sp, NULL);
	cr_expect_eq(r.code, 1, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "mailcow:   https://127.0.0.1:"), "%s", r.out);
	cr_expect(strstr(r.out, "FAILED: HTTP 401"), "%s", r.out);
	char *docker = strstr(r.out, "docker:");
	cr_assert(docker, "%s", r.out);
	cr_expect(strncmp(strchr(docker, '(') ? strchr(docker, '(') : "", "(FAILED", 7) == 0, "%s", r.out);
	/* without MailCow's domain list there is nothing to resolve, and info says so */
	cr_expect(strstr(r.out, "resolver:  127.0.0.1:") && strstr(r.out, "(not asked: no domain to resolve)"), "%s", r.out);
	trun_free(&r);

	/* --offline asks nothing: the same faults do not show */
	r = run_info(sp, "--offline");
	cr_expect_eq(r.code, 0, "%s%s", r.out, r.err);
	cr_expect_null(strstr(r.out, "FAILED"), "%s", r.out);
	cr_expect(strstr(r.out, "docker:    unix://"), "%s", r.out);
	trun_free(&r);
	cr_expect_eq(simproc_stop(sp), 0);
}

Test(info, without_configuration_says_what_to_set)
{
	char *home = tdir_make("info-home", 0700);
	char *env_home = xasprintf("HOME=%s", home);
	const char *env[] = {env_home, "XDG_CONFIG_HOME", "MCON_CONFIG", "DOCKER_HOST=unix:///nonexistent/docker.sock", NULL};
	const char *argv[] = {trun_bin(), "--db", "/nonexistent/mcon.db", "info", NULL};
	struct trun r = {0};
	struct trun_opts o = {.env = env};
	trun(&r, &o, argv);
	cr_expect_eq(r.code, 1, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "(none found; defaults in force)"), "%s", r.out);
	cr_expect(strstr(r.out, "mailcow.url is not set"), "%s", r.out);
	cr_expect(strstr(r.out, "is Docker running? set docker.host"), "%s", r.out);
	cr_expect(strstr(r.out, "not asked: no domain to resolve"), "%s", r.out);
	trun_free(&r);
	free(env_home);
	tdir_remove(home);
	free(home);
}
