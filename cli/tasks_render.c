/* tasks_render: how `mcon tasks` shows the checklist: the table of items, an item's
 * details, and their JSON; text from the database is sanitised on the way out. */
#include "cli/tasks_render.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "core/sanitize.h"
#include "cli/cli.h"
#include "cli/task_checks.h"

/* Text that came from a database file is still kept off the terminal's control sequences. */
void tasks_put_clean(FILE *out, const char *s)
{
	char *c = sanitize_line(s, SIZE_MAX);
	fputs(c, out);
	free(c);
}

void tasks_when(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

static char *by_text(const char *user, const char *from)
{
	return from && *from ? xasprintf("%s (%s)", user, from) : xstrdup(user ? user : "?");
}

static char *change_text(const struct db_item *it)
{
	char t[32];
	tasks_when(it->done ? it->done_at : it->created_at, t);
	char *by = it->done ? by_text(it->done_by, it->done_from) : by_text(it->created_by, it->created_from);
	char *s = xasprintf("%s %s by %s", it->done ? "done" : "added", t, by);
	free(by);
	return s;
}

/* Columns on a terminal: titles may hold accents and symbols, so pad by display width. */
static int text_width(const char *s)
{
	size_t n = mbstowcs(NULL, s, 0);
	if (n == (size_t)-1)
		return (int)strlen(s);
	wchar_t *w = xcalloc(n + 1, sizeof(*w));
	mbstowcs(w, s, n + 1);
	int width = wcswidth(w, n);
	free(w);
	return width < 0 ? (int)strlen(s) : width;
}

static void put_padded(const char *s, int width)
{
	fputs(s, stdout);
	for (int i = text_width(s); i < width; i++)
		putchar(' ');
}

/* "green", "not green (2)", "no record" or "-" for an item's linked checks. */
static char *checks_text(const struct db_check_states *cs, const struct db_item *it)
{
	struct task_checks tc;
	task_checks_eval(cs, &it->links, &tc);
	char *s = tc.state == TASK_CHECKS_FAILING ? xasprintf("%s (%zu)", task_checks_word(&tc), tc.failing)
						 : xstrdup(task_checks_word(&tc));
	task_checks_free(&tc);
	return s;
}

static void print_table(const struct db_items *items, const struct db_check_states *cs)
{
	if (!items->n) {
		printf("The pending checklist is empty: add an item with mcon tasks add TITLE.\n");
		return;
	}
	enum { C_TITLE, C_CHANGE, C_LINKS, C_CHECKS, NCOLS };
	char *(*cells)[NCOLS] = xcalloc(items->n, sizeof(*cells));
	int w[NCOLS] = {5, 11, 5, 6}, wid = 2;
	size_t open = 0;
	for (size_t i = 0; i < items->n; i++) {
		const struct db_item *it = &items->v[i];
		char idb[24];
		int n = snprintf(idb, sizeof(idb), "%lld", (long long)it->id);
		wid = n > wid ? n : wid;
		char *c = change_text(it);
		char *l = it->links.n ? strv_join(&it->links, ", ") : xstrdup("-");
		cells[i][C_TITLE] = sanitize_line(it->title, SIZE_MAX);
		cells[i][C_CHANGE] = sanitize_line(c, SIZE_MAX);
		cells[i][C_LINKS] = sanitize_line(l, SIZE_MAX);
		cells[i][C_CHECKS] = checks_text(cs, it);
		free(c);
		free(l);
		for (int k = 0; k < NCOLS; k++) {
			int tw = text_width(cells[i][k]);
			w[k] = tw > w[k] ? tw : w[k];
		}
		open += !it->done;
	}
	printf("%*s      ", wid, "ID");
	put_padded("TITLE", w[C_TITLE] + 2);
	put_padded("LAST CHANGE", w[C_CHANGE] + 2);
	put_padded("LINKS", w[C_LINKS] + 2);
	put_padded("CHECKS", w[C_CHECKS] + 2);
	puts("NOTES");
	for (size_t i = 0; i < items->n; i++) {
		const struct db_item *it = &items->v[i];
		printf("%*lld  [%c] ", wid, (long long)it->id, it->done ? 'x' : ' ');
		for (int k = 0; k < NCOLS; k++) {
			put_padded(cells[i][k], w[k] + 2);
			free(cells[i][k]);
		}
		printf("%zu\n", it->notes.n);
	}
	free(cells);
	printf("%zu open, %zu done\n", open, items->n - open);
}

static json_t *json_time(time_t t)
{
	if (!t)
		return json_null();
	char s[32];
	time_rfc3339(t, s);
	return json_string(s);
}

/* Text from the database file is UTF-8 unless someone wrote it with another tool; such
 * bytes are replaced rather than dropping the whole item from the output. */
static json_t *json_str(const char *s)
{
	if (!s)
		return json_null();
	char *c = sanitize_json(s);
	json_t *j = json_string(c);
	free(c);
	return j;
}

static json_t *item_json(const struct db_item *it)
{
	json_t *notes = json_array(), *links = json_array();
	for (size_t i = 0; i < it->notes.n; i++) {
		const struct db_event *e = &it->notes.v[i];
		json_array_append_new(notes, json_pack("{s:o, s:o, s:o, s:s, s:o}", "at", json_time(e->at),
						       "by", json_str(e->who), "from", json_str(e->from),
						       "action", db_action_name(e->action), "text", json_str(e->note)));
	}
	for (size_t i = 0; i < it->links.n; i++)
		json_array_append_new(links, json_str(it->links.v[i]));
	return json_pack("{s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)it->id, "title", json_str(it->title), "state", it->done ? "done" : "open",
			 "created_at", json_time(it->created_at), "created_by", json_str(it->created_by),
			 "created_from", json_str(it->created_from), "done_at", json_time(it->done ? it->done_at : 0),
			 "done_by", json_str(it->done_by), "done_from", json_str(it->done_from), "notes", notes,
			 "links", links);
}

/* {"state": "green"|"not green"|"no record", "failing": [...]} or null without links. */
static json_t *checks_json(const struct db_check_states *cs, const struct db_item *it)
{
	struct task_checks tc;
	task_checks_eval(cs, &it->links, &tc);
	json_t *o = json_null();
	if (tc.state != TASK_CHECKS_NONE) {
		json_t *f = json_array();
		for (size_t i = 0; i < tc.failing_list.n; i++)
			json_array_append_new(f, json_str(tc.failing_list.v[i]));
		o = json_pack("{s:s, s:o}", "state", task_checks_word(&tc), "failing", f);
	}
	task_checks_free(&tc);
	return o;
}

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		return cli_error(EXIT_FAIL, "cannot encode JSON");
	puts(s);
	free(s);
	return EXIT_OK;
}

int tasks_print_list(const struct db_items *items, const struct db_check_states *cs, bool json)
{
	if (!json) {
		print_table(items, cs);
		return EXIT_OK;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < items->n; i++) {
		json_t *o = item_json(&items->v[i]);
		json_object_set_new(o, "checks", checks_json(cs, &items->v[i]));
		json_array_append_new(arr, o);
	}
	return print_json(arr);
}

int tasks_print_item(const struct db_item *it, const struct db_events *ev, bool json)
{
	int rc = EXIT_OK;
	if (json) {
		json_t *j = item_json(it), *journal = json_array();
		for (size_t i = 0; i < ev->n; i++)
			json_array_append_new(journal,
					      json_pack("{s:o, s:o, s:o, s:s, s:o}", "at", json_time(ev->v[i].at), "by",
							json_str(ev->v[i].who), "from", json_str(ev->v[i].from),
							"action", db_action_name(ev->v[i].action), "text",
							json_str(ev->v[i].note)));
		json_object_set_new(j, "journal", journal);
		rc = print_json(j);
	} else {
		char t[32];
		printf("%lld [%c] ", (long long)it->id, it->done ? 'x' : ' ');
		tasks_put_clean(stdout, it->title);
		char *links = it->links.n ? strv_join(&it->links, ", ") : xstrdup("-");
		printf("\nlinks:   ");
		tasks_put_clean(stdout, links);
		free(links);
		tasks_when(it->created_at, t);
		char *by = by_text(it->created_by, it->created_from);
		printf("\nadded:   %s by ", t);
		tasks_put_clean(stdout, by);
		printf(" (%s)\n", it->source);
		free(by);
		if (it->done) {
			tasks_when(it->done_at, t);
			by = by_text(it->done_by, it->done_from);
			printf("done:    %s by ", t);
			tasks_put_clean(stdout, by);
			putchar('\n');
			free(by);
		}
		printf("journal:\n");
		for (size_t i = 0; i < ev->n; i++) {
			tasks_when(ev->v[i].at, t);
			by = by_text(ev->v[i].who, ev->v[i].from);
			printf("  %s  %-7s by ", t, db_action_name(ev->v[i].action));
			tasks_put_clean(stdout, by);
			free(by);
			if (ev->v[i].note) {
				printf(": ");
				tasks_put_clean(stdout, ev->v[i].note);
			}
			putchar('\n');
		}
	}
	return rc;
}
