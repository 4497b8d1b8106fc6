/* fix_run: one fix applied against the live MailCow (see fix_run.h). */
#include "cli/fix_run.h"

#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/who.h"
#include "db/db.h"

enum { RUN_OK = 0, RUN_FAIL = 1, RUN_REFUSED = 2 };

/* Records an applied fix; a failure is said, the write stays done. */
static void record(const char *db_path, const struct fix_plan *p, enum status after, const char *written,
		   const char *rerun, struct buf *out)
{
	struct db_error derr;
	struct db *db = db_open(db_path, 0, &derr);
	if (!db) {
		buf_printf(out, "written, but not recorded in the history: %s\n", derr.msg);
		return;
	}
	struct who w;
	who_current(&w);
	if (db_history_add_fix(db, mcon_now(), &w, p->check, p->target, status_name(p->status), status_name(after),
			       written, rerun) != DB_OK)
		buf_printf(out, "written, but not recorded in the history: %s\n", db_errmsg(db));
	db_close(db);
}

/* Runs the check again; 0 when it passes, 1 saying why not. */
static int rerun(const struct config *cfg, const char *db_path, const struct fix_plan *p,
		 const struct fix_outcome *o, struct buf *out)
{
	enum status st;
	char *summary = NULL;
	fix_rerun(cfg, p->check, p->target, &st, &summary);
	char *clean = text_clean(summary, 400);
	buf_printf(out, "re-run: %s %s: %s: %s\n", p->check, p->target, status_name(st), clean);
	if (o && o->wrote)
		record(db_path, p, st, o->written, clean, out);
	int rc = RUN_OK;
	if (st != STATUS_OK) {
		rc = RUN_FAIL;
		if (p->kind == FIX_DNS || (o && o->publish))
			buf_puts(out, "not passing yet: publish the zone lines above; DNS answers follow once the DNS "
				      "host serves them and cached answers expire\n");
		else
			buf_printf(out, "not passing yet: %s\n", clean);
	}
	free(clean);
	free(summary);
	return rc;
}

int fix_run(const struct config *cfg, const char *db_path, const struct fix_plan *p,
	    bool (*confirm)(void *ud), void *ud, struct buf *out, char **err)
{
	if (p->kind == FIX_DNS)
		return rerun(cfg, db_path, p, NULL, out);
	if (p->kind != FIX_API) {
		*err = xstrdup("this finding has no write to apply");
		return RUN_REFUSED;
	}
	if (p->op == FIXOP_ALIAS_ADD && !p->value) {
		*err = xstrdup("the catch-all needs --to ADDRESS (the mailbox it delivers to)");
		return RUN_REFUSED;
	}
	char *e = NULL;
	struct mailcow_api *api = mailcow_api_new(cfg, &e);
	if (!api) {
		*err = xasprintf("%s", e ? e : "the MailCow API is not configured");
		free(e);
		return RUN_REFUSED;
	}
	struct mc_result res = {0};
	struct fix_outcome o = {0};
	int rc;
	if (mailcow_write_probe(api, &res) != 0) {
		if (res.key == KEY_READ_ONLY) {
			*err = xstrdup("the API key is read-only: nothing written (a read-write key: MailCow UI > "
				       "Configuration > Access > Administrators > API)");
			rc = RUN_REFUSED;
		} else {
			*err = xasprintf("MailCow cannot be written: %s; nothing written",
						res.message ? res.message : "no answer");
			rc = RUN_FAIL;
		}
		goto out;
	}
	if (confirm && !confirm(ud)) {
		buf_puts(out, "nothing written\n");
		rc = RUN_OK;
		goto out;
	}
	if (fix_apply(api, cfg, p, &o) != 0) {
		*err = xasprintf("nothing written: %s: %s", p->action, o.message ? o.message : "failed");
		rc = o.key == KEY_READ_ONLY ? RUN_REFUSED : RUN_FAIL;
		goto out;
	}
	if (o.wrote)
		buf_printf(out, "written: %s\nMailCow: %s\n", o.written, o.message);
	else
		buf_printf(out, "%s\n", o.message);
	if (o.warnings)
		buf_printf(out, "MailCow warns: %s\n", o.warnings);
	if (o.publish)
		buf_printf(out, "publish at the DNS host of %s:\n%s\n", p->domain, o.publish);
	mailcow_api_free(api);
	api = NULL;
	rc = rerun(cfg, db_path, p, &o, out);
out:
	mc_result_free(&res);
	fix_outcome_free(&o);
	mailcow_api_free(api);
	return rc;
}
