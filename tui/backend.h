/* backend: what the console needs from the rest of mcon, as one table of operations,
 * plus the plain data it gets back. The live backend (cli/tui_backend.c) wires the collector,
 * the checks, the database and the Docker client; tests plug in a fake. Every operation
 * may block and is only ever called on a worker thread, never on the UI thread. */
#ifndef MCON_TUI_BACKEND_H
#define MCON_TUI_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "core/checks.h"
#include "core/config.h"
#include "core/snapshot.h"

struct onboard;
struct fix_plan;

/* One pending checklist item (contract section 5, tasks list --json). */
struct tui_task {
	long id;
	char *title;
	bool done;
	time_t created_at, done_at;     /* done_at 0 when open */
	char *done_by;                  /* who ticked (or reopened) it last, NULL if never */
	struct strv notes;              /* "2026-11-29T12:00:00Z alice: text", oldest first */
	struct strv links;              /* check ids */
};

/* One history row (contract section 5, history --json). */
struct tui_change {
	time_t at;
	char *kind, *target, *from, *to, *detail;
};

/* A Docker event relevant to the containers pane. */
struct tui_event {
	char *type;         /* "container" or "network" */
	char *action;       /* "die", "start", "health_status: unhealthy", "connect", ... */
	char *id;           /* container id */
	char *service;      /* com.docker.compose.service, or NULL */
	char *name;         /* container name, or NULL */
	char *network;      /* network name for connect/disconnect, or NULL */
	time_t time;
};

struct tui_collect {
	struct snapshot *snap;
	struct check_result *results;   /* core/checks.h; check ids are the table's, not owned */
	size_t n_results;
	char *error;        /* the collection as a whole failed (snap may still be set) */
};

struct tui_backend {
	const struct tui_backend_ops *ops;
	void *ud;
	const struct config *cfg;
};

struct tui_backend_ops {
	/* Collects a snapshot and runs the checks. prev is the snapshot shown now (read only,
	 * for "since" times and restart counts). cancel_fd turns readable when the console quits. */
	void (*collect)(struct tui_backend *be, const struct snapshot *prev, int cancel_fd,
			struct tui_collect *out);
	void (*snapshot_free)(struct tui_backend *be, struct snapshot *s);

	/* The checklist, each returning 0 or -1 with *err (caller frees). who/when come from
	 * the database layer. */
	int (*tasks_list)(struct tui_backend *be, struct tui_task **out, size_t *n, char **err);
	int (*task_set_done)(struct tui_backend *be, long id, bool done, const char *note, char **err);
	int (*task_add)(struct tui_backend *be, const char *title, long *id, char **err);
	int (*task_note)(struct tui_backend *be, long id, const char *text, char **err);

	/* What changed, newest first. */
	int (*history_list)(struct tui_backend *be, time_t since, struct tui_change **out, size_t *n,
			    char **err);

	/* The last `lines` log lines of a container (raw bytes; the console sanitizes). tty is
	 * the container's Config.Tty (raw stream, not multiplexed). */
	int (*container_logs)(struct tui_backend *be, const char *container_id, bool tty, int lines,
			      char **text, char **err);

	/* Streams Docker events until cancel_fd turns readable or the stream fails, calling
	 * on_event (from this thread) for each. Returns 0 when cancelled, -1 with *err. The
	 * console restarts it with a back-off after a failure. NULL: no event stream. */
	int (*events_run)(struct tui_backend *be, int cancel_fd,
			  void (*on_event)(const struct tui_event *ev, void *ud), void *ud, char **err);

	/* Whether the onboarding walkthrough is available in this build. */
	bool (*can_onboard)(struct tui_backend *be);

	/* The walkthrough (core/onboard.h), all on the console's onboarding worker: opens a
	 * session for a normalised domain with its stored outcomes restored (no confirm and
	 * no ask callbacks: the console asks itself; say gets the engine's progress lines),
	 * runs one step (and records the domain as onboarded when it is), and closes it.
	 * NULL when can_onboard is false. */
	struct onboard *(*onboard_open)(struct tui_backend *be, const char *domain, const char *catchall_to,
					void (*say)(void *ud, const char *line), void *say_ud, char **err);
	int (*onboard_step)(struct tui_backend *be, struct onboard *ob, size_t i);
	void (*onboard_close)(struct tui_backend *be, struct onboard *ob);
	/* The catch-all target an earlier run was given for the domain (caller frees), or NULL:
	 * the console then does not ask for it again. May be NULL. */
	char *(*onboard_catchall)(struct tui_backend *be, const char *domain);

	/* Applies a fix plan (core/fix.h): the key's write probe, the write, the re-run of the
	 * check on a fresh collection and the history row. *text (caller frees) says what
	 * happened. Returns `mcon fix`'s exit code: 0 passes, 1 not yet or refused by MailCow,
	 * 2 read-only key. NULL: no fixes in this console. */
	int (*fix_apply)(struct tui_backend *be, const struct fix_plan *p, char **text);

	/* The last complete collect a previous run kept (the first screen, drawn until the live
	 * collect ends): fills out (snap NULL when there is none) and *at, when it was taken.
	 * NULL: no first screen from the last known state. */
	void (*last_screen)(struct tui_backend *be, struct tui_collect *out, time_t *at);
	/* Whether the MailCow key may write (its write probe): 0 yes, 2 read-only, 1 cannot
	 * tell; *text (caller frees) says why when not 0. NULL: no MailCow writes here. */
	int (*can_write)(struct tui_backend *be, char **text);
	/* A mail queue action (core/mailcow.h mailcow_mailq: flush, hold, unhold, delete) on the
	 * queue ids, recorded in the history (kind "queue", who, when, which ids). Returns 0
	 * done, 1 MailCow failed or refused it, 2 read-only key; *text says what happened. */
	int (*queue_act)(struct tui_backend *be, const char *action, const struct strv *ids, char **text);
	/* Restarts a container through the Docker API, recorded in the history (kind "restart",
	 * target the service). 0, or -1; *text says what happened. */
	int (*container_restart)(struct tui_backend *be, const char *id, const char *service, char **text);
	/* Follows a container's log from now on, calling on_line (from this thread) for each
	 * line as the console shows it, until cancel_fd turns readable (0) or the stream ends
	 * (-1 with *err). NULL: no follow. */
	int (*logs_follow)(struct tui_backend *be, const char *id, bool tty, int cancel_fd,
			   void (*on_line)(const char *line, void *ud), void *ud, char **err);
};

/* Freeing the data above (used by the console and by backends). */
void tui_results_free(struct check_result *r, size_t n);   /* target, summary and hint */
void tui_tasks_free(struct tui_task *t, size_t n);
void tui_changes_free(struct tui_change *c, size_t n);
void tui_event_free(struct tui_event *ev);
struct tui_event *tui_event_dup(const struct tui_event *ev);

#endif
