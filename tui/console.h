/* console: the state of one console session and the services panes call: messages on the
 * status line, the one-line prompt, and requests that run on the workers (checklist
 * changes, container logs). Internal to tui/. */
#ifndef MCON_TUI_CONSOLE_H
#define MCON_TUI_CONSOLE_H

#include <stdbool.h>
#include <wchar.h>
#include "tui/display.h"
#include "tui/model.h"
#include "tui/pane.h"
#include "tui/textview.h"
#include "tui/tui.h"
#include "tui/worker.h"

typedef void prompt_done_fn(struct console *c, const char *text, void *ud);

struct prompt {
	bool active;
	char *label;
	struct buf text;
	prompt_done_fn *done;   /* called with the text on Enter, with NULL on Esc */
	bool one_key;           /* a confirmation: done gets "y" for y, NULL for n, Esc or Enter */
	prompt_done_fn *change; /* optional: called on every edit (live filter) */
	void *ud;
	void (*ud_free)(void *ud);
};

struct undo_entry {
	long id;
	bool was_done;
	char *title;
};

struct console {
	struct tui_backend *be;
	const struct config *cfg;
	struct tui_opts opts;
	struct tui_model model;
	struct pane panes[PANE__COUNT];
	int cur;
	struct display disp;
	bool tls_warning;
	bool dirty_head, dirty_body, dirty_status, redraw_all;

	struct textview *view;  /* details or help over the body; NULL when none */
	struct prompt prompt;
	char *msg;              /* status line message */
	enum status msg_level;
	long long msg_until;    /* monotonic ms; 0 = stays */

	struct mailbox mb;
	struct workq *q_collect, *q_db, *q_logs;
	int cancel[2];          /* readable = workers stop */
	pthread_t events_thread;
	bool events_started;

	bool collecting;
	bool refresh_again;     /* r pressed while collecting */
	long long collect_started, next_refresh, next_db, next_spin;
	int spin;
	bool db_busy, history_busy;
	bool first_screen;      /* snapshot, checklist and history all in and drawn */
	time_t stale_at;        /* the shown snapshot is the last known state of then; 0 = live */

	struct onboard_session *onboard;        /* the walkthrough (onboard_view.c), or NULL */
	struct fix_session *fix;                /* the fix view's plan (fix_view.c), or NULL */
	struct follow_session *follow;          /* a log followed live (writes.c), or NULL */
	struct workq *q_follow;                 /* the follow's worker, made at first use */
	int mc_write;                           /* the MailCow key: 0 not probed, 1 writes, -1 read-only */
	bool writing;                           /* a queue action or a restart is running */

	struct undo_entry undo[32];
	int n_undo;
	bool quit;
};

#define SPIN_MS 125             /* spinner frame */

long long console_now_ms(void);
void console_message(struct console *c, enum status level, const char *fmt, ...) ATTR_PRINTF(3, 4);
void console_prompt(struct console *c, const char *label, const char *initial, prompt_done_fn *done,
		    prompt_done_fn *change, void *ud, void (*ud_free)(void *ud));
/* Re-ingests the model into every pane and marks the screen dirty. */
void console_model_changed(struct console *c);
/* Asks "question [y/N]" on the status line; one key answers: done gets "y" for y, NULL for
 * n, Esc or Enter. */
void console_confirm(struct console *c, const char *question, prompt_done_fn *done, void *ud,
		     void (*ud_free)(void *ud));
/* Re-ingests the panes that show one of these parts of the model (enum pane_source). */
void console_source_changed(struct console *c, unsigned sources);
/* Opens a details view (the console owns tv afterwards). */
void console_open_view(struct console *c, struct textview *tv);
/* Fetches a container's last 200 log lines on a worker; they are appended to the open
 * details view whose key is key when they arrive. */
void console_fetch_logs(struct console *c, const char *container_id, bool tty, const char *key);
/* Checklist changes, run on the database worker; the checklist reloads afterwards. */
void console_task_set_done(struct console *c, long id, bool done, const char *note, bool record_undo,
			   const char *title);
void console_task_add(struct console *c, const char *title);
void console_task_note(struct console *c, long id, const char *text);
void console_task_undo(struct console *c);
const char *console_spinner(const struct console *c);

/* prompt.c */
void console_prompt_key(struct console *c, wint_t ch, bool fkey);
void console_prompt_close(struct console *c);
/* jobs.c: start a refresh (or queue one after the running one), re-read the checklist or the
 * history on the database worker; the Docker event thread's body. */
void console_refresh(struct console *c);
/* Loads the last known state (backend last_screen) to draw until the live collect ends. */
void console_last_screen(struct console *c);
void console_tasks_reload(struct console *c);
void console_history_reload(struct console *c);
void *console_events_main(void *arg);
/* draw.c: draws what is dirty, then one doupdate. */
void console_draw(struct console *c);

#endif
