/* cmd_tasks: `mcon tasks ...`, the shared pending checklist: list (text or JSON), add, done,
 * reopen, note, show, and import/export of a wiki page's `## Pending` markdown section. */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "core/checks.h"
#include "core/pending.h"
#include "core/sanitize.h"
#include "core/who.h"
#include "cli/task_checks.h"
#include "cli/tasks_render.h"
#include "db/db.h"
#include "db/db_record.h"

enum { A_NOTE = 1 << 0, A_LINK = 1 << 1, A_JSON = 1 << 2 };

struct targs {
	const char *sub;
	const char *note;
	struct strv links;
	bool json;
	struct strv pos;
};

static int usage_error(const char *sub, const char *fmt, ...) ATTR_PRINTF(2, 3);
static int usage_error(const char *sub, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	cli_error(EXIT_USAGE, "tasks %s: %s (see mcon tasks --help)", sub, msg);
	free(msg);
	return EXIT_USAGE;
}

/* Options may come before or after the positional arguments; "--" ends them. */
static int parse_args(int argc, char **argv, unsigned allowed, struct targs *a)
{
	bool opts = true;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!opts || s[0] != '-' || strcmp(s, "-") == 0) {
			strv_push(&a->pos, s);
			continue;
		}
		if (strcmp(s, "--") == 0) {
			opts = false;
			continue;
		}
		const char *val = NULL;
		size_t nlen = strcspn(s, "=");
		bool has_eq = s[nlen] == '=';
		if ((allowed & A_NOTE) && strncmp(s, "--note", nlen) == 0 && nlen == 6) {
			val = has_eq ? s + 7 : i + 1 < argc ? argv[++i] : NULL;
			if (!val)
				return usage_error(a->sub, "%s needs a value", "--note");
			a->note = val;
		} else if ((allowed & A_LINK) && strncmp(s, "--link", nlen) == 0 && nlen == 6) {
			val = has_eq ? s + 7 : i + 1 < argc ? argv[++i] : NULL;
			if (!val)
				return usage_error(a->sub, "%s needs a check id", "--link");
			if (!pending_check_id_valid(val))
				return usage_error(a->sub, "'%s' is not a check id (like dkim.selector)", val);
			if (!check_find(val))
				return usage_error(a->sub, "'%s' is no check of mcon (mcon(1) lists them)", val);
			if (!strv_contains(&a->links, val))
				strv_push(&a->links, val);
		} else if ((allowed & A_JSON) && strcmp(s, "--json") == 0) {
			a->json = true;
		} else {
			return usage_error(a->sub, "unknown option '%s'", s);
		}
	}
	return EXIT_OK;
}

static int parse_id(const char *sub, const char *s, int64_t *id)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1)
		return usage_error(sub, "'%s' is not an item id (the number in mcon tasks list)", s);
	*id = (int64_t)v;
	return EXIT_OK;
}

static int db_exit(struct db *db)
{
	const struct db_error *e = db_error(db);
	return cli_error(e->status == DB_ERR_INVALID ? EXIT_USAGE : EXIT_FAIL, "%s", e->msg);
}

/* Opens the database; read-only commands fall back to reading a file they cannot write.
 * The list is seeded from the runbook on first use (not before an import). */
static struct db *tasks_open(struct cli_ctx *ctx, bool write, bool seed, const struct who *who, int *rc)
{
	struct db_error err = {0};
	struct db *db = db_open(cli_db_path(ctx), write ? 0 : DB_OPEN_FALLBACK_RO, &err);
	if (!db) {
		*rc = cli_error(EXIT_FAIL, "%s", err.msg);
		return NULL;
	}
	if (!seed)
		return db;
	struct pending_doc runbook;
	pending_seed(&runbook);
	int r = db_items_seed(db, who, runbook.items, runbook.n, NULL);
	pending_doc_free(&runbook);
	if (r != DB_OK) {
		*rc = db_exit(db);
		db_close(db);
		return NULL;
	}
	return db;
}

/* list and export: no arguments, the database opened for reading and its items listed.
 * NULL with *rc set (usage or database error) on failure. */
static struct db *tasks_open_items(struct cli_ctx *ctx, struct targs *a, const struct who *who,
				   struct db_items *items, int *rc)
{
	if (a->pos.n) {
		*rc = usage_error(a->sub, "unexpected argument '%s'", a->pos.v[0]);
		return NULL;
	}
	*rc = EXIT_OK;
	struct db *db = tasks_open(ctx, false, true, who, rc);
	if (!db)
		return NULL;
	if (db_items_list(db, items) != DB_OK) {
		*rc = db_exit(db);
		db_close(db);
		return NULL;
	}
	return db;
}

static int tasks_list(struct cli_ctx *ctx, struct targs *a, const struct who *who)
{
	int rc;
	struct db_items items;
	struct db *db = tasks_open_items(ctx, a, who, &items, &rc);
	if (!db)
		return rc;
	/* the last recorded status of the linked checks; none recorded yet is not an error */
	struct db_check_states cs = {0};
	if (db_check_list(db, &cs) != DB_OK)
		memset(&cs, 0, sizeof(cs));
	db_close(db);
	rc = tasks_print_list(&items, &cs, a->json);
	db_check_states_free(&cs);
	db_items_free(&items);
	return rc;
}

static int tasks_show(struct cli_ctx *ctx, struct targs *a, const struct who *who)
{
	int64_t id;
	if (a->pos.n != 1)
		return usage_error(a->sub, "%s", "give one item id");
	int rc = parse_id(a->sub, a->pos.v[0], &id);
	if (rc)
		return rc;
	struct db *db = tasks_open(ctx, false, true, who, &rc);
	if (!db)
		return rc;
	struct db_item it;
	struct db_events ev = {0};
	if (db_item_get(db, id, &it) != DB_OK || db_events_list(db, id, &ev) != DB_OK) {
		rc = db_exit(db);
		db_item_free(&it);
		db_close(db);
		return rc;
	}
	db_close(db);
	rc = tasks_print_item(&it, &ev, a->json);
	db_events_free(&ev);
	db_item_free(&it);
	return rc;
}

static int tasks_add(struct cli_ctx *ctx, struct targs *a, const struct who *who)
{
	if (a->pos.n != 1)
		return usage_error(a->sub, "%s", a->pos.n ? "give the title as one argument (quote it)"
				   : "give the title of the item");
	char *norm = pending_title_norm(a->pos.v[0]);
	const char *bad = pending_title_invalid(norm);
	free(norm);
	if (bad)
		return usage_error(a->sub, "%s", bad);
	int rc = EXIT_OK;
	struct db *db = tasks_open(ctx, true, true, who, &rc);
	if (!db)
		return rc;
	int64_t id;
	if (db_item_add(db, who, a->pos.v[0], a->note, &a->links, &id) != DB_OK) {
		rc = db_exit(db);
	} else {
		printf("added %lld [ ] ", (long long)id);
		tasks_put_clean(stdout, a->pos.v[0]);
		putchar('\n');
	}
	db_close(db);
	return rc;
}

static int tasks_set(struct cli_ctx *ctx, struct targs *a, const struct who *who, bool done)
{
	int64_t id;
	if (a->pos.n != 1)
		return usage_error(a->sub, "%s", "give one item id");
	int rc = parse_id(a->sub, a->pos.v[0], &id);
	if (rc)
		return rc;
	struct db *db = tasks_open(ctx, true, true, who, &rc);
	if (!db)
		return rc;
	bool changed;
	struct db_item it = {0};
	/* ticking an item whose linked checks were not green at the last record is an override:
	 * it needs a note saying why, and the journal says "override" */
	struct task_checks tc = {0};
	if (done) {
		struct db_item cur = {0};
		struct db_check_states cs = {0};
		if (db_item_get(db, id, &cur) == DB_OK && !cur.done && cur.links.n) {
			if (db_check_list(db, &cs) != DB_OK)
				memset(&cs, 0, sizeof(cs));
			task_checks_eval(&cs, &cur.links, &tc);
		}
		db_check_states_free(&cs);
		db_item_free(&cur);
	}
	bool override = tc.state == TASK_CHECKS_FAILING || tc.state == TASK_CHECKS_UNRECORDED;
	if (override && (!a->note || !*a->note)) {
		char *why = tc.failing_list.n ? strv_join(&tc.failing_list, ", ") : xstrdup("no mcon record has "
			"checked them yet");
		char *c = sanitize_line(why, SIZE_MAX);
		rc = usage_error(a->sub, "item %lld's linked checks are not green (%s): run mcon record, or give "
					 "--note TEXT "
			       "saying why it is done anyway", (long long)id, c);
		free(c);
		free(why);
		task_checks_free(&tc);
		db_close(db);
		return rc;
	}
	int r = override ? db_item_override(db, who, id, a->note, &changed)
			 : db_item_set_done(db, who, id, done, a->note, &changed);
	if (r != DB_OK || db_item_get(db, id, &it) != DB_OK) {
		rc = db_exit(db);
	} else {
		printf("%s %lld [%c] ",
		       changed ? (done ? "done" : "reopened") : (done ? "already done" : "already open"), (long long)id,
		       it.done ? 'x' : ' ');
		tasks_put_clean(stdout, it.title);
		if (changed) {
			char t[32];
			tasks_when(mcon_now(), t);
			printf(" (by %s%s%s, %s)", who->user, *who->from ? " from " : "", who->from, t);
		}
		if (!changed && a->note && *a->note)
			printf(" (note added)");
		if (changed && override)
			printf(" (override: linked checks %s)", task_checks_word(&tc));
		putchar('\n');
	}
	task_checks_free(&tc);
	db_item_free(&it);
	db_close(db);
	return rc;
}

static int tasks_note(struct cli_ctx *ctx, struct targs *a, const struct who *who)
{
	int64_t id;
	if (a->pos.n != 2)
		return usage_error(a->sub, "%s", "give an item id and the note text (quoted)");
	int rc = parse_id(a->sub, a->pos.v[0], &id);
	if (rc)
		return rc;
	if (!*a->pos.v[1])
		return usage_error(a->sub, "%s", "empty note");
	struct db *db = tasks_open(ctx, true, true, who, &rc);
	if (!db)
		return rc;
	if (db_item_note(db, who, id, a->pos.v[1]) != DB_OK)
		rc = db_exit(db);
	else
		printf("note added to %lld\n", (long long)id);
	db_close(db);
	return rc;
}

static int tasks_import(struct cli_ctx *ctx, struct targs *a, const struct who *who)
{
	if (a->pos.n != 1)
		return usage_error(a->sub, "%s", "give one markdown file (- for standard input)");
	const char *file = a->pos.v[0];
	size_t len;
	char *text = strcmp(file, "-") == 0 ? NULL : file_read(file, 8 << 20, &len);
	if (strcmp(file, "-") == 0) {
		struct buf b = {0};
		char chunk[8192];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0 && b.len <= (8u << 20))
			buf_append(&b, chunk, n);
		if (b.len > (8u << 20) || ferror(stdin)) {
			buf_free(&b);
			return cli_error(EXIT_FAIL, "standard input: %s: nothing imported",
					 ferror(stdin) ? strerror(errno) : "more than 8 MiB, more than any checklist");
		}
		buf_cstr(&b);
		text = buf_steal(&b);
		file = "standard input";
	} else if (!text) {
		return cli_error(EXIT_FAIL, "cannot read %s: %s", file, strerror(errno));
	}
	struct pending_doc doc;
	pending_parse(text, &doc);
	free(text);
	int rc = EXIT_OK;
	for (size_t i = 0; i < doc.bad.n; i++) {
		fprintf(stderr, "mcon: %s: ", file);
		tasks_put_clean(stderr, doc.bad.v[i]);
		fputs(" (skipped)\n", stderr);
	}
	if (!doc.found) {
		rc = cli_error(EXIT_FAIL, "%s has no '## Pending' section: nothing imported", file);
	} else if (!doc.n && doc.bad.n) {
		rc = cli_error(EXIT_FAIL, "%s: no line of the '## Pending' section is a checklist item "
			       "(- [ ] text): nothing imported", file);
	} else {
		struct db *db = tasks_open(ctx, true, false, who, &rc);
		struct db_import_result res;
		struct pending_doc runbook;
		pending_seed(&runbook);
		int r = db ? db_items_import(db, who, doc.items, doc.n, runbook.items, runbook.n, &res) : DB_OK;
		pending_doc_free(&runbook);
		if (db && r != DB_OK) {
			rc = db_exit(db);
		} else if (db) {
			printf("imported %s: %zu added, %zu ticked, %zu unchanged", file, res.added, res.ticked,
			       res.unchanged);
			if (doc.bad.n)
				printf(", %zu line%s skipped", doc.bad.n, doc.bad.n == 1 ? "" : "s");
			putchar('\n');
			for (size_t i = 0; i < res.kept_done.n; i++) {
				printf("kept done (open in the file): ");
				tasks_put_clean(stdout, res.kept_done.v[i]);
				putchar('\n');
			}
			db_import_result_free(&res);
		}
		db_close(db);
	}
	pending_doc_free(&doc);
	return rc;
}

static int tasks_export(struct cli_ctx *ctx, struct targs *a, const struct who *who)
{
	int rc;
	struct db_items items;
	struct db *db = tasks_open_items(ctx, a, who, &items, &rc);
	if (!db)
		return rc;
	db_close(db);
	struct pending_item *pi = xcalloc(items.n ? items.n : 1, sizeof(*pi));
	for (size_t i = 0; i < items.n; i++) {
		pi[i].title = items.v[i].title;
		pi[i].done = items.v[i].done;
	}
	struct buf out = {0};
	pending_format(&out, pi, items.n);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	free(pi);
	db_items_free(&items);
	return rc;
}

int cmd_tasks(struct cli_ctx *ctx, int argc, char **argv)
{
	struct targs a = {.sub = argc > 1 ? argv[1] : "list"};
	static const struct {
		const char *name;
		unsigned opts;
	} subs[] = {
		{"list", A_JSON}, {"show", A_JSON}, {"add", A_NOTE | A_LINK}, {"done", A_NOTE},
		{"reopen", A_NOTE}, {"note", 0}, {"import", 0}, {"export", 0},
	};
	size_t s = 0;
	for (; s < ARRAY_SIZE(subs); s++)
		if (strcmp(subs[s].name, a.sub) == 0)
			break;
	if (s == ARRAY_SIZE(subs))
		return usage_error(a.sub, "%s", "unknown subcommand: use list, show, add, done, reopen, note, "
						"import or export");
	int rc = parse_args(argc > 1 ? argc - 2 : 0, argv + 2, subs[s].opts, &a);
	if (rc == EXIT_OK) {
		struct who who;
		who_current(&who);
		switch (s) {
		case 0: rc = tasks_list(ctx, &a, &who); break;
		case 1: rc = tasks_show(ctx, &a, &who); break;
		case 2: rc = tasks_add(ctx, &a, &who); break;
		case 3: rc = tasks_set(ctx, &a, &who, true); break;
		case 4: rc = tasks_set(ctx, &a, &who, false); break;
		case 5: rc = tasks_note(ctx, &a, &who); break;
		case 6: rc = tasks_import(ctx, &a, &who); break;
		default: rc = tasks_export(ctx, &a, &who); break;
		}
	}
	strv_free(&a.links);
	strv_free(&a.pos);
	return rc;
}
