/* check_out: the argument parsing and the output step of `mcon check`, apart from the
 * collection so that tests drive them on hand-built runs. */
#include "cli/check_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check_report.h"

#define NAGIOS_UNKNOWN 3

static bool glob_names_a_check(const char *glob)
{
	const char *colon = strchr(glob, ':');
	char *idpart = colon ? xstrndup(glob, (size_t)(colon - glob)) : xstrdup(glob);
	bool any = false;
	for (size_t i = 0; i < check_table_len && !any; i++)
		any = str_glob(idpart, check_table[i].id);
	free(idpart);
	return any;
}

int check_parse_args(int argc, char **argv, struct check_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--json") == 0) {
			a->json = true;
		} else if (strcmp(s, "--prom") == 0 && i + 1 < argc) {
			a->prom = argv[++i];
		} else if (str_starts_with(s, "--prom=")) {
			a->prom = s + 7;
		} else if (strcmp(s, "--only") == 0 && i + 1 < argc) {
			strv_push(&a->only, argv[++i]);
		} else if (str_starts_with(s, "--only=")) {
			strv_push(&a->only, s + 7);
		} else {
			cli_error(NAGIOS_UNKNOWN, "check: unknown argument '%s' (see mcon check --help)", s);
			return -1;
		}
	}
	if (a->prom && !*a->prom) {
		cli_error(NAGIOS_UNKNOWN, "check: --prom needs a file name");
		return -1;
	}
	for (size_t i = 0; i < a->only.n; i++)
		if (!glob_names_a_check(a->only.v[i])) {
			cli_error(NAGIOS_UNKNOWN, "check: --only '%s' matches no check id (mcon check --help lists "
						  "them)", a->only.v[i]);
			return -1;
		}
	return 0;
}

void check_args_free(struct check_args *a)
{
	strv_free(&a->only);
}

int check_output(const struct check_args *a, struct check_run *run, const char *site, FILE *out)
{
	if (a->only.n && check_run_filter(run, &a->only) == 0) {
		char *g = strv_join(&a->only, " ");
		cli_error(NAGIOS_UNKNOWN, "check: --only %s matches no result of this run", g);
		free(g);
		return NAGIOS_UNKNOWN;
	}
	int rc = check_report_exit(run);
	struct buf b = {0};
	if (a->prom) {
		check_report_prom(run, site, &b);
		if (file_write_atomic(a->prom, b.data, b.len, 0644) < 0) {
			cli_error(NAGIOS_UNKNOWN, "check: cannot write %s: %s (check the directory exists and is "
						  "writable)", a->prom,
				  strerror(errno));
			rc = NAGIOS_UNKNOWN;
		}
		buf_reset(&b);
	}
	if (a->json)
		check_report_json(run, site, &b);
	else
		check_report_nagios(run, &b);
	fwrite(b.data, 1, b.len, out);
	fflush(out);
	buf_free(&b);
	return rc;
}

