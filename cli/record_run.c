/* record_run: one `mcon record` pass against the database, apart from the collection so
 * that tests drive it with hand-built snapshots: run the checks with the stored restart
 * counts, diff with the stored state, write the changes, prune and keep the console's first
 * screen, in one transaction. */
#include "cli/check_cmd.h"

#include <stdlib.h>
#include <string.h>

#include "core/laststate.h"
#include "core/record.h"
#include "db/db.h"
#include "db/db_record.h"

/* The stored state: every last_state row plus every check_state row as kind "check". */
static int load_state(struct db *db, struct state_map *out)
{
	struct db_state_rows rows;
	int r = db_state_list(db, &rows);
	if (r)
		return r;
	for (size_t i = 0; i < rows.n; i++)
		state_map_add(out, rows.v[i].kind, rows.v[i].target, rows.v[i].value, NULL);
	db_state_rows_free(&rows);
	struct db_check_states cs;
	if ((r = db_check_list(db, &cs)))
		return r;
	for (size_t i = 0; i < cs.n; i++) {
		char *t = xasprintf("%s:%s", cs.v[i].check, cs.v[i].target);
		state_map_add(out, "check", t, cs.v[i].status, cs.v[i].summary);
		free(t);
	}
	db_check_states_free(&cs);
	return DB_OK;
}

static int store_item(struct db *db, time_t at, const struct state_item *it)
{
	if (strcmp(it->kind, "check") != 0)
		return db_state_put(db, at, it->kind, it->target, it->value);
	const char *colon = strchr(it->target, ':');
	if (!colon)
		return DB_OK;
	char *check = xstrndup(it->target, (size_t)(colon - it->target));
	int r = *it->value ? db_check_put(db, at, check, colon + 1, it->value, it->detail, NULL)
			   : db_check_delete(db, check, colon + 1);
	free(check);
	return r;
}

int record_run(struct db *db, const struct config *cfg, const struct snapshot *snap, time_t at, struct changes *out,
	       long *pruned)
{
	memset(out, 0, sizeof(*out));
	if (pruned)
		*pruned = 0;
	/* Everything from reading the stored state to the last write is one BEGIN IMMEDIATE
	 * transaction: a second `record` (the timer and an admin at once) waits for this one and
	 * then diffs against what it stored, so no change is logged twice. */
	int r = db_begin(db);
	if (r)
		return r;
	struct check_prev prev;
	check_prev_from_db(db, snap, cfg, &prev);
	struct check_run run;
	checks_run(snap, cfg, &prev, &run);
	check_prev_free(&prev);
	struct state_map stored = {0}, cur = {0}, store = {0};
	r = load_state(db, &stored);
	if (!r) {
		record_state(snap, cfg, &run, &cur);
		record_diff(&stored, &cur, record_collected(snap), snap->site ? snap->site : cfg->site_name, out,
			    &store);
		for (size_t i = 0; !r && i < store.n; i++)
			r = store_item(db, at, &store.v[i]);
		for (size_t i = 0; !r && i < out->n; i++)
			r = db_history_add(db, at, out->v[i].kind, out->v[i].target, out->v[i].from, out->v[i].to,
					   out->v[i].detail);
		if (!r)
			r = db_prune(db, at, cfg->state_retention_days, pruned);
		if (!r) {
			/* the console's first screen: this collect and its results */
			char *text = laststate_encode(snap, run.results, run.n);
			r = db_screen_put(db, at, text);
			free(text);
		}
	}
	if (!r)
		r = db_commit(db);
	else
		db_rollback(db);
	if (r)
		changes_free(out);
	state_map_free(&stored);
	state_map_free(&cur);
	state_map_free(&store);
	check_run_free(&run);
	return r;
}
