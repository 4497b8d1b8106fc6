/* fix_view: one fix at a time (see fix_view.h). The plan is pure and made on the UI thread
 * from the model; the apply job owns the plan once submitted and runs on the collect
 * worker, so it never overlaps a refresh. */
#include "tui/fix_view.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/fix.h"
#include "tui/console.h"

#define FIX_VIEW_KEY "fix"

struct fix_session {
	struct fix_plan plan;
	bool has_plan;          /* false once handed to the apply job */
	bool busy, applied;
};

struct fix_job {
	struct job j;
	struct tui_backend *be;
	struct fix_plan plan;
	int rc;
	char *text;
};

static bool view_is_ours(const struct console *c)
{
	return c->view && strcmp(c->view->key, FIX_VIEW_KEY) == 0;
}

void fix_view_end(struct console *c)
{
	struct fix_session *s = c->fix;
	if (!s)
		return;
	if (s->has_plan)
		fix_plan_free(&s->plan);
	free(s);
	c->fix = NULL;
}

static void fix_job_run(struct job *j)
{
	struct fix_job *fj = (struct fix_job *)j;
	fj->rc = fj->be->ops->fix_apply(fj->be, &fj->plan, &fj->text);
}

static void fix_job_done(struct job *j, struct console *c)
{
	struct fix_job *fj = (struct fix_job *)j;
	if (c->fix) {
		c->fix->busy = false;
		c->fix->applied = true;
	}
	enum status level = fj->rc == 0 ? STATUS_OK : fj->rc == 1 ? STATUS_WARNING : STATUS_CRITICAL;
	if (view_is_ours(c)) {
		c->view->loading = false;
		tv_blank(c->view);
		tv_add_text(c->view, fj->text ? fj->text : "");
		tv_scroll(c->view, (long)c->view->lines.n, 10);
	}
	console_message(c, level, "fix %s %s: %s", fj->plan.check, fj->plan.target,
			fj->rc == 0 ? "the check passes" : fj->rc == 1 ? "not passing yet (see the view)"
			: "refused (see the view)");
	c->dirty_body = c->dirty_status = true;
	console_refresh(c);
}

static void fix_job_free(struct job *j)
{
	struct fix_job *fj = (struct fix_job *)j;
	fix_plan_free(&fj->plan);
	free(fj->text);
	free(fj);
}

static void submit(struct console *c)
{
	struct fix_session *s = c->fix;
	struct fix_job *fj = xcalloc(1, sizeof(*fj));
	fj->j.run = fix_job_run;
	fj->j.done = fix_job_done;
	fj->j.free = fix_job_free;
	fj->be = c->be;
	fj->plan = s->plan;     /* the job owns it now */
	memset(&s->plan, 0, sizeof(s->plan));
	s->has_plan = false;
	s->busy = true;
	if (view_is_ours(c)) {
		c->view->loading = true;
		tv_blank(c->view);
		tv_add(c->view, "%s", fj->plan.kind == FIX_API ? "writing to MailCow, then running the check again..."
							 : "running the check again...");
	}
	workq_submit(c->q_collect, &fj->j);
}

static void confirm_done(struct console *c, const char *text, void *ud)
{
	(void)ud;
	struct fix_session *s = c->fix;
	if (!s || s->busy || !s->has_plan)
		return;
	if (text && (strcasecmp(text, "y") == 0 || strcasecmp(text, "yes") == 0))
		submit(c);
	else
		console_message(c, STATUS_WARNING, "declined: nothing was written to MailCow");
	c->dirty_body = true;
}

/* The catch-all's mailbox: the plan is made again with it and shown, then y/N. */
static void to_done(struct console *c, const char *text, void *ud)
{
	(void)ud;
	struct fix_session *s = c->fix;
	if (!s || s->busy || !s->has_plan || !text || !*text) {
		console_message(c, STATUS_NONE, "nothing was written to MailCow");
		return;
	}
	if (!strchr(text, '@') || strpbrk(text, " \t\",")) {
		console_message(c, STATUS_WARNING, "'%s' is not one mail address", text);
		return;
	}
	struct check_run run = {.results = c->model.results, .n = c->model.n_results};
	struct fix_plan np;
	char *err = NULL;
	if (!c->model.snap || fix_plan_make(c->model.snap, c->cfg, &run, s->plan.check, s->plan.target, text, &np,
					    &err) != 0) {
		console_message(c, STATUS_WARNING, "%s", err ? err : "no snapshot");
		free(err);
		return;
	}
	fix_plan_free(&s->plan);
	s->plan = np;
	if (view_is_ours(c)) {
		char *t = fix_plan_text(&s->plan);
		tv_blank(c->view);
		tv_add_text(c->view, t);
		free(t);
	}
	console_confirm(c, "Write this to MailCow?", confirm_done, NULL, NULL);
	c->dirty_body = true;
}

/* The check and target under the cursor; false with a message when there is none. */
static bool selected(struct console *c, char **check, char **target)
{
	struct pane *p = &c->panes[c->cur];
	size_t row = 0;
	const struct tui_model *m = &c->model;
	if (!m->snap || !pane_selected(p, &row) || !pane_row_key(p, row)) {
		console_message(c, STATUS_NONE, "f fixes a check result (pane 5) or a domain's worst finding (pane 1)");
		return false;
	}
	const char *key = pane_row_key(p, row);
	if (c->cur == PANE_CHECKS) {
		const char *sp = strchr(key, ' ');
		if (!sp)
			return false;
		*check = xstrndup(key, (size_t)(sp - key));
		*target = xstrdup(sp + 1);
		return true;
	}
	if (c->cur == PANE_DOMAINS) {
		struct check_run run = {.results = m->results, .n = m->n_results};
		const char *t = NULL;
		const char *id = fix_worst_for_domain(m->snap, c->cfg, &run, key, &t);
		if (!id) {
			console_message(c, STATUS_OK, "%s has no finding mcon can fix", key);
			return false;
		}
		*check = xstrdup(id);
		*target = xstrdup(t);
		return true;
	}
	console_message(c, STATUS_NONE, "f fixes a check result (pane 5) or a domain's worst finding (pane 1)");
	return false;
}

void fix_view_open(struct console *c)
{
	if (c->fix && c->fix->busy) {
		console_message(c, STATUS_NONE, "a fix is still running...");
		return;
	}
	if (!c->be->ops->fix_apply) {
		console_message(c, STATUS_WARNING, "fixes are not in this console: run mcon fix CHECK TARGET");
		return;
	}
	char *check = NULL, *target = NULL;
	if (!selected(c, &check, &target))
		return;
	fix_view_end(c);
	struct fix_session *s = xcalloc(1, sizeof(*s));
	struct check_run run = {.results = c->model.results, .n = c->model.n_results};
	char *err = NULL;
	if (fix_plan_make(c->model.snap, c->cfg, &run, check, target, NULL, &s->plan, &err) != 0) {
		console_message(c, STATUS_WARNING, "%s", err);
		free(err);
		free(s);
		free(check);
		free(target);
		return;
	}
	s->has_plan = true;
	c->fix = s;
	struct textview *tv = xcalloc(1, sizeof(*tv));
	tv_init(tv, "fix", FIX_VIEW_KEY);
	char *text = fix_plan_text(&s->plan);
	tv_add_text(tv, text);
	free(text);
	tv_blank(tv);
	if (s->plan.kind == FIX_API && s->plan.op == FIXOP_ALIAS_ADD)
		tv_add(tv, "f asks for the mailbox the catch-all delivers to, then y/N; Esc leaves without writing.");
	else if (s->plan.kind == FIX_API)
		tv_add(tv, "f asks y/N, then writes this to MailCow and runs the check again. "
			   "Esc leaves without writing.");
	else if (s->plan.kind == FIX_DNS)
		tv_add(tv, "Nothing is written to MailCow. f runs the check again once the lines are "
			   "Esc leaves.");
	else
		tv_add(tv, "Esc leaves.");
	console_open_view(c, tv);
	free(check);
	free(target);
}

bool fix_view_action(struct console *c, enum action a)
{
	struct fix_session *s = c->fix;
	if (!view_is_ours(c) || !s || a != ACT_FIX)
		return false;
	if (s->busy)
		console_message(c, STATUS_NONE, "the fix is still running...");
	else if (!s->has_plan)
		console_message(c, STATUS_NONE, "applied: r refreshes, f on the row plans again");
	else if (s->plan.kind == FIX_API && s->plan.op == FIXOP_ALIAS_ADD && !s->plan.value) {
		char *label = xasprintf("catch-all @%s delivers to (mailbox):", s->plan.domain);
		console_prompt(c, label, "", to_done, NULL, NULL, NULL);
		free(label);
	}
	else if (s->plan.kind == FIX_API)
		console_confirm(c, "Write this to MailCow?", confirm_done, NULL, NULL);
	else if (s->plan.kind == FIX_DNS)
		submit(c);
	else
		console_message(c, STATUS_NONE, "nothing to apply");
	return true;
}
