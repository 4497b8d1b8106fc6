/* The outputs of `mcon check` on hand-built runs: the Nagios first line and perfdata syntax,
 * the JSON shape of contract section 5, the Prometheus file (validated by promtool and
 * written atomically), the exit codes by worst status and --only. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/check_cmd.h"
#include "core/check_report.h"
#include "tests/support/tsnap.h"

static void run_site(void (*mutate)(struct snapshot *), struct check_run *run)
{
	struct config cfg;
	tsnap_config(&cfg, NULL);
	struct snapshot *s = tsnap_healthy();
	if (mutate)
		mutate(s);
	checks_run(s, &cfg, NULL, run);
	tsnap_free(s);
	config_free(&cfg);
}

static void overlay_fault(struct snapshot *s) { tsnap_attach(tsnap_container(s, "postfix-mailcow"), "netgrimoire"); }
static void dmarc_none(struct snapshot *s) { tsnap_answer(&tsnap_domain(s, "example.net")->dns.dmarc, DNS_OK, "v=DMARC1; p=none", NULL); }
static void docker_down(struct snapshot *s) { tsnap_fail(&s->docker.err, "connect: No such file | or directory"); }
static void dns_down_and_none(struct snapshot *s) { dmarc_none(s); tsnap_fail(&s->dns_err, "timeout"); }
static void warn_and_unknown(struct snapshot *s) { tsnap_container(s, "clamd-mailcow")->health = HEALTH_STARTING; docker_down(s); }
static void crit_and_unknown(struct snapshot *s) { overlay_fault(s); tsnap_fail(&s->limits.err, "unreadable"); }
static void warn_only(struct snapshot *s) { dmarc_none(s); }

static char *output(struct check_args *a, struct check_run *run, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	*rc = check_output(a, run, "hermes", f);
	fclose(f);
	char *copy = xstrdup(text ? text : "");
	free(text);
	return copy;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* One perfdata item per the Nagios plugin guidelines: 'label'=value[UOM];[warn];[crit];[min];[max] */
static void expect_valid_perfdata(const char *perf)
{
	regex_t re;
	const char *range = "(@?(-?[0-9.]+|~)?:?(-?[0-9.]+)?)?";
	char *pat = xasprintf("^('[^'=]+'|[^' =;]+)=(U|-?[0-9]+(\\.[0-9]+)?)(s|ms|us|%%|B|KB|MB|TB|c)?"
			      "(;%s(;%s(;(-?[0-9.]+)?(;(-?[0-9.]+)?)?)?)?)?$", range, range);
	cr_assert_eq(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB), 0);
	char *copy = xstrdup(perf), *save = NULL;
	size_t n = 0;
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save), n++)
		cr_expect_eq(regexec(&re, tok, 0, NULL, 0), 0, "bad perfdata item '%s'", tok);
	cr_expect_gt(n, 5);
	regfree(&re);
	free(pat);
	free(copy);
}

Test(check_output, nagios_ok)
{
	struct check_run run;
	run_site(NULL, &run);
	struct check_args a = {0};
	int rc;
	char *text = output(&a, &run, &rc);
	cr_expect_eq(rc, 0);
	cr_expect_eq(count_lines(text), 1, "%s", text);
	char *want = xasprintf("MCON OK: all %zu checks ok | ", run.n);
	cr_expect(str_starts_with(text, want), "%s", text);
	free(want);
	char *bar = strstr(text, " | ");
	cr_assert(bar);
	bar[strcspn(bar, "\n")] = '\0';
	expect_valid_perfdata(bar + 3);
	cr_expect(strstr(bar, " containers_running=6;;;0;6 ") != NULL, "%s", bar);
	cr_expect(strstr(bar, " domains_failing=0;;;0;2 ") != NULL, "%s", bar);
	cr_expect(strstr(bar, " dkim_min_bits=2048;2048:;1024:;0 ") != NULL, "%s", bar);
	cr_expect(strstr(bar, " spf_max_lookups=4;;10;0 ") != NULL, "%s", bar);
	cr_expect(strstr(bar, " mail_deferred=1;9;29;0 ") != NULL, "%s", bar);
	free(text);
	check_run_free(&run);
}

Test(check_output, nagios_critical_lines)
{
	struct check_run run;
	run_site(overlay_fault, &run);
	struct check_args a = {0};
	int rc;
	char *text = output(&a, &run, &rc);
	cr_expect_eq(rc, 2);
	cr_expect_eq(count_lines(text), 2, "%s", text);
	cr_expect(str_starts_with(text, "MCON CRITICAL: 1 critical, 0 warning, 0 unknown, "), "%s", text);
	cr_expect(strstr(text, "overlay.attachment postfix-mailcow: postfix-mailcow is attached to overlay network netgrimoire | ") != NULL, "%s", text);
	cr_expect(strstr(text, "\nCRITICAL overlay.attachment postfix-mailcow: postfix-mailcow is attached to overlay network netgrimoire"
			       " -- Only nginx-mailcow may join netgrimoire") != NULL, "%s", text);
	free(text);
	check_run_free(&run);
}

Test(check_output, nagios_text_has_no_extra_pipe)
{
	struct check_run run;
	run_site(docker_down, &run);
	struct check_args a = {0};
	int rc;
	char *text = output(&a, &run, &rc);
	cr_expect_eq(rc, 3);
	/* the only '|' is the perfdata separator of the first line */
	const char *first = strchr(text, '|');
	cr_assert(first);
	cr_expect_null(strchr(first + 1, '|'), "%s", text);
	cr_expect(strstr(text, "containers_running=U") != NULL);
	cr_expect(strstr(text, "No such file / or directory") != NULL);
	free(text);
	check_run_free(&run);
}

Test(check_output, exit_codes_by_worst)
{
	static const struct { void (*m)(struct snapshot *); int rc; const char *word; } cases[] = {
		{NULL, 0, "OK"}, {warn_only, 1, "WARNING"}, {overlay_fault, 2, "CRITICAL"}, {docker_down, 3, "UNKNOWN"},
		{warn_and_unknown, 3, "UNKNOWN"}, {crit_and_unknown, 2, "CRITICAL"}, {dns_down_and_none, 3, "UNKNOWN"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct check_run run;
		run_site(cases[i].m, &run);
		struct check_args a = {0};
		int rc;
		char *text = output(&a, &run, &rc);
		cr_expect_eq(rc, cases[i].rc, "case %zu: %d", i, rc);
		char *want = xasprintf("MCON %s: ", cases[i].word);
		cr_expect(str_starts_with(text, want), "case %zu: %s", i, text);
		free(want);
		free(text);
		check_run_free(&run);
	}
}

Test(check_output, json_shape)
{
	struct check_run run;
	run_site(overlay_fault, &run);
	struct check_args a = {.json = true};
	int rc;
	char *text = output(&a, &run, &rc);
	cr_expect_eq(rc, 2);
	json_error_t e;
	json_t *root = json_loads(text, 0, &e);
	cr_assert(root, "%s: %s", e.text, text);
	static const char *keys[] = {"version", "site", "generated_at", "status", "counts", "results"};
	cr_expect_eq(json_object_size(root), ARRAY_SIZE(keys));
	size_t k = 0;
	const char *key;
	json_t *val;
	json_object_foreach(root, key, val) {
		if (k < ARRAY_SIZE(keys))
			cr_expect_str_eq(key, keys[k]);
		k++;
	}
	cr_expect_eq(json_integer_value(json_object_get(root, "version")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(root, "site")), "hermes");
	cr_expect_str_eq(json_string_value(json_object_get(root, "generated_at")), "2025-11-29T12:00:00Z");
	cr_expect_str_eq(json_string_value(json_object_get(root, "status")), "critical");
	json_t *counts = json_object_get(root, "counts");
	cr_expect_eq(json_object_size(counts), 4);
	cr_expect_eq(json_integer_value(json_object_get(counts, "critical")), 1);
	cr_expect_eq(json_integer_value(json_object_get(counts, "warning")), 0);
	cr_expect_eq(json_integer_value(json_object_get(counts, "unknown")), 0);
	cr_expect_eq((size_t)json_integer_value(json_object_get(counts, "ok")), run.n - 1);
	json_t *results = json_object_get(root, "results");
	cr_expect_eq(json_array_size(results), run.n);
	size_t i;
	json_t *r;
	bool found = false;
	json_array_foreach(results, i, r) {
		static const char *rk[] = {"check", "target", "status", "summary", "hint"};
		cr_expect_eq(json_object_size(r), 5);
		for (size_t j = 0; j < 5; j++)
			cr_expect(json_object_get(r, rk[j]) != NULL, "result %zu lacks %s", i, rk[j]);
		const char *st = json_string_value(json_object_get(r, "status"));
		cr_expect(st && status_parse(st) != STATUS_NONE);
		if (strcmp(st, "ok") == 0)
			cr_expect(json_is_null(json_object_get(r, "hint")));
		if (strcmp(json_string_value(json_object_get(r, "check")), "overlay.attachment") == 0 &&
		    strcmp(json_string_value(json_object_get(r, "target")), "postfix-mailcow") == 0) {
			found = true;
			cr_expect_str_eq(st, "critical");
			cr_expect_str_eq(json_string_value(json_object_get(r, "summary")), "postfix-mailcow is attached to overlay network netgrimoire");
			cr_expect_str_eq(json_string_value(json_object_get(r, "hint")),
					 "Only nginx-mailcow may join netgrimoire: remove the network from postfix-mailcow in "
					 "/opt/mailcow-dockerized/docker-compose.override.yml and run docker compose up -d");
		}
	}
	cr_expect(found);
	json_decref(root);
	free(text);
	check_run_free(&run);
}

static char *tmpdir(const char *name)
{
	const char *base = getenv("MCON_TEST_TMP");
	char *d = xasprintf("%s/%s.%d", base && *base ? base : "/tmp", name, (int)getpid());
	mkdir_p(d, 0700);
	return d;
}

Test(check_output, prometheus_valid_and_atomic)
{
	struct check_run run;
	run_site(overlay_fault, &run);
	char *dir = tmpdir("prom");
	char *path = xasprintf("%s/mcon.prom", dir);
	cr_assert_eq(file_write_atomic(path, "old\n", 4, 0644), 0);
	struct check_args a = {.prom = path};
	int rc;
	char *text = output(&a, &run, &rc);
	cr_expect_eq(rc, 2);
	cr_expect(str_starts_with(text, "MCON CRITICAL"));
	free(text);
	size_t len;
	char *prom = file_read(path, 1 << 22, &len);
	cr_assert(prom);
	cr_expect(strstr(prom, "mcon_check_status{check=\"overlay.attachment\",target=\"postfix-mailcow\"} 2\n") != NULL);
	cr_expect(strstr(prom, "mcon_check_ok{check=\"overlay.attachment\",target=\"postfix-mailcow\"} 0\n") != NULL);
	cr_expect(strstr(prom, "mcon_checks{status=\"critical\"} 1\n") != NULL);
	cr_expect(strstr(prom, "mcon_status 2\n") != NULL);
	cr_expect(strstr(prom, "# TYPE mcon_check_status gauge\n") != NULL);
	/* no timestamps: every sample is "name{labels} value" */
	char *copy = xstrdup(prom), *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		const char *close = strrchr(line, '}');
		const char *rest = close ? close + 1 : strchr(line, ' ');
		cr_expect(rest && rest[0] == ' ' && !strchr(rest + 1, ' '), "sample with extra fields: %s", line);
	}
	free(copy);
	/* promtool (Debian package prometheus) validates the exposition format */
	char *cmd = xasprintf("promtool check metrics < '%s' > '%s/promtool.out' 2>&1", path, dir);
	int st = system(cmd);
	char *pout = xasprintf("%s/promtool.out", dir);
	char *msg = file_read(pout, 1 << 16, NULL);
	cr_expect_eq(st, 0, "promtool check metrics failed: %s", msg ? msg : "");
	free(msg);
	free(pout);
	free(cmd);
	/* no temporary file left behind */
	DIR *dh = opendir(dir);
	struct dirent *de;
	while ((de = readdir(dh)))
		cr_expect_null(strstr(de->d_name, ".tmp"), "left %s", de->d_name);
	closedir(dh);
	free(prom);
	/* an unwritable place: UNKNOWN, the old file untouched elsewhere */
	char *bad = xasprintf("%s/missing/dir/mcon.prom", dir);
	struct check_args b = {.prom = bad};
	text = output(&b, &run, &rc);
	cr_expect_eq(rc, 3);
	free(text);
	free(bad);
	free(path);
	free(dir);
	check_run_free(&run);
}

Test(check_output, only_glob)
{
	char *argv1[] = {(char *)"check", (char *)"--only", (char *)"dkim.*", (char *)"--json", NULL};
	struct check_args a;
	cr_assert_eq(check_parse_args(4, argv1, &a), 0);
	cr_expect(a.json);
	struct check_run run;
	run_site(NULL, &run);
	int rc;
	char *text = output(&a, &run, &rc);
	cr_expect_eq(rc, 0);
	json_t *root = json_loads(text, 0, NULL);
	cr_assert(root);
	cr_expect_eq(json_array_size(json_object_get(root, "results")), 6);
	json_decref(root);
	free(text);
	check_run_free(&run);
	check_args_free(&a);

	char *argv2[] = {(char *)"check", (char *)"--only=nothing.*", NULL};
	cr_expect_eq(check_parse_args(2, argv2, &a), -1);
	check_args_free(&a);
	char *argv3[] = {(char *)"check", (char *)"--bogus", NULL};
	cr_expect_eq(check_parse_args(2, argv3, &a), -1);
	check_args_free(&a);

	/* the id part names a check, but no target matches: UNKNOWN too */
	char *argv4[] = {(char *)"check", (char *)"--only", (char *)"spf.record:nosuch.*", NULL};
	cr_assert_eq(check_parse_args(3, argv4, &a), 0);
	run_site(NULL, &run);
	text = output(&a, &run, &rc);
	cr_expect_eq(rc, 3);
	cr_expect_str_eq(text, "");
	free(text);
	check_run_free(&run);
	check_args_free(&a);

	/* --only keeps the worst of what is left */
	char *argv5[] = {(char *)"check", (char *)"--only", (char *)"containers.*", (char *)"--only", (char *)"overlay.attachment:post*", NULL};
	cr_assert_eq(check_parse_args(5, argv5, &a), 0);
	run_site(overlay_fault, &run);
	text = output(&a, &run, &rc);
	cr_expect_eq(rc, 2);
	free(text);
	check_run_free(&run);
	check_args_free(&a);
	char *argv6[] = {(char *)"check", (char *)"--only", (char *)"containers.*", NULL};
	cr_assert_eq(check_parse_args(3, argv6, &a), 0);
	run_site(overlay_fault, &run);
	text = output(&a, &run, &rc);
	cr_expect_eq(rc, 0, "%s", text);
	free(text);
	check_run_free(&run);
	check_args_free(&a);
}
