/* cmd_history: `mcon history [--since DURATION] [--json]`: what `record` stored as changed,
 * newest first; text for people, the contract's JSON array for scripts. */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checks.h"
#include "core/sanitize.h"
#include "db/db.h"

#define HISTORY_DEFAULT_SINCE "24h"

static json_t *json_text(const char *s)
{
	if (!s)
		return json_null();
	char *c = sanitize_json(s);
	json_t *j = json_string(c);
	free(c);
	return j;
}

static void put_clean(FILE *f, const char *s, size_t max)
{
	char *c = text_clean(s ? s : "-", max);
	fputs(c, f);
	free(c);
}

int cmd_history(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *since_s = HISTORY_DEFAULT_SINCE;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			since_s = argv[++i];
		else if (str_starts_with(argv[i], "--since="))
			since_s = argv[i] + 8;
		else
			return cli_error(EXIT_USAGE, "history: unknown argument '%s' (see mcon history --help)",
					 argv[i]);
	}
	long secs = duration_parse(since_s);
	if (secs < 0)
		return cli_error(EXIT_USAGE, "history: --since '%s' is not a duration like 90m, 24h or 7d", since_s);
	const char *path = cli_db_path(ctx);
	if (access(path, F_OK) != 0) {
		/* nothing recorded yet is not an error: an empty history */
		if (json)
			puts("[]");
		else
			fprintf(stderr, "mcon: history: no database at %s yet; run mcon record (or enable "
					"mcon-record.timer)\n", path);
		return EXIT_OK;
	}
	struct db_error derr;
	struct db *db = db_open(path, DB_OPEN_READONLY, &derr);
	if (!db)
		return cli_error(EXIT_FAIL, "history: %s", derr.msg);
	struct db_history_list l;
	time_t since = mcon_now() - (time_t)secs;
	if (db_history_list(db, since, 0, &l) != DB_OK) {
		int rc = cli_error(EXIT_FAIL, "history: %s", db_errmsg(db));
		db_close(db);
		return rc;
	}
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l.n; i++) {
			const struct db_history *h = &l.v[i];
			char at[32];
			time_rfc3339(h->at, at);
			json_t *o = json_object();
			json_object_set_new(o, "at", json_string(at));
			json_object_set_new(o, "kind", json_text(h->kind));
			json_object_set_new(o, "target", json_text(h->target));
			json_object_set_new(o, "from", json_text(h->from));
			json_object_set_new(o, "to", json_text(h->to));
			json_object_set_new(o, "detail", json_text(h->detail));
			json_array_append_new(arr, o);
		}
		char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s ? s : "[]");
		free(s);
		json_decref(arr);
	} else if (!l.n) {
		printf("no changes in the last %s\n", since_s);
	} else {
		for (size_t i = 0; i < l.n; i++) {
			const struct db_history *h = &l.v[i];
			char at[32];
			time_rfc3339(h->at, at);
			printf("%s  %-18s ", at, h->kind);
			put_clean(stdout, h->target, 120);
			fputs("  ", stdout);
			put_clean(stdout, h->from ? h->from : "(none)", 200);
			fputs(" -> ", stdout);
			put_clean(stdout, h->to ? h->to : "(gone)", 200);
			if (h->detail && *h->detail) {
				fputs("  ", stdout);
				put_clean(stdout, h->detail, 300);
			}
			putchar('\n');
		}
	}
	db_history_list_free(&l);
	db_close(db);
	return EXIT_OK;
}
