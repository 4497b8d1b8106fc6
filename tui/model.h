/* model: everything the panes show, owned by the UI thread: the latest snapshot and
 * check results, the checklist, the history, and what Docker events changed since the
 * snapshot was taken. Panes only read it; the console replaces its parts when workers
 * report back. */
#ifndef MCON_TUI_MODEL_H
#define MCON_TUI_MODEL_H

#include "tui/backend.h"

/* A container's state as events last reported it, laid over the snapshot until a newer
 * snapshot arrives. */
struct ctr_live {
	char *id, *service;
	char *state;            /* NULL = unchanged */
	enum health health;
	bool health_set;
	bool removed;
	long restarts;          /* restarts seen in events since the snapshot */
	struct strv nets_add, nets_del;
	time_t at;
};

struct tui_model {
	const struct config *cfg;
	struct snapshot *snap;          /* NULL before the first refresh */
	struct check_result *results;
	size_t n_results;
	size_t *by_target;              /* results sorted by target, then check (model_index) */
	char *collect_err;
	struct tui_task *tasks;
	size_t n_tasks;
	bool tasks_loaded;
	char *tasks_err;
	struct tui_change *changes;
	size_t n_changes;
	bool history_loaded;
	char *history_err;
	struct ctr_live *live;
	size_t n_live;
};

/* Rebuilds by_target after the results changed, so per-row lookups stay cheap with
 * thousands of domains. */
void model_index(struct tui_model *m);
/* Calls fn for each result whose target equals target (or, with prefix, starts with it). */
void model_each_target(const struct tui_model *m, const char *target, bool prefix,
		       void (*fn)(const struct check_result *r, void *ud), void *ud);

/* STATUS_NONE when there is no result. */
enum status model_worst(const struct tui_model *m);
/* Worst status of the results whose target is the domain (or "domain/..."), for a family
 * of the check table (FAM_NONE = every family). */
enum status model_domain_status(const struct tui_model *m, const char *domain, int family);
/* Worst status of the results of one check id (any target, or only `target` when set). */
enum status model_check_status(const struct tui_model *m, const char *check, const char *target);

/* The container as events have updated it: fills *out (a shallow copy; strings borrowed
 * from the snapshot or the live entry). */
void model_container_view(const struct tui_model *m, const struct container *c, struct container *out,
			  bool *gone);
const struct ctr_live *model_live_for(const struct tui_model *m, const char *id, const char *service);

/* Applies a Docker event (UI thread); returns true when something visible changed. */
bool model_apply_event(struct tui_model *m, const struct tui_event *ev);
/* Drops live entries older than the snapshot's start. */
void model_prune_live(struct tui_model *m);
void model_free(struct tui_model *m, struct tui_backend *be);

#endif
