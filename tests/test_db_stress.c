/* test_db_stress: several processes writing one database file at once, and a writer
 * killed with SIGKILL mid-loop: nothing committed may be lost, the file stays sound. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "db/db.h"
#include "tests/support/hang.h"
#include "tests/support/trun.h"

#define PROCS 4
#define OPS 500
#define SHARED 10

static char *dir;

static void setup(void)
{
	dir = tdir_make("stress", 0700);
	/* The claim is that no operation is lost, not how long a writer waits for the lock: on a
	 * loaded machine a wait can pass the 5 s default, so the busy timeout is the hang ceiling
	 * (the writers are forked and inherit it). */
	char *ms = xasprintf("%d", T_HANG_MS);
	setenv("MCON_DB_TIMEOUT_MS", ms, 1);
	free(ms);
}

static void teardown(void)
{
	tdir_remove(dir);
	free(dir);
}

TestSuite(stress, .init = setup, .fini = teardown);

struct counts {
	long add, done, reopen, note, failed;
	char firsterr[600];
};

static bool write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

/* One writer: 500 operations, each of which writes exactly one journal entry. */
static void writer(const char *path, int n, int out)
{
	struct counts c = {0};
	struct db_error err;
	struct db *db = db_open(path, 0, &err);
	if (!db) {
		c.failed = OPS;
		snprintf(c.firsterr, sizeof(c.firsterr), "%s", err.msg);
		write_all(out, &c, sizeof(c));
		_exit(1);
	}
	char name[16];
	snprintf(name, sizeof(name), "proc%d", n);
	struct who w;
	who_set(&w, name, NULL);
	unsigned seed = 1234u + (unsigned)n;
	for (int i = 0; i < OPS; i++) {
		int op = rand_r(&seed) % 4;
		int64_t id = 1 + rand_r(&seed) % SHARED;
		int rc;
		if (op == 0) {
			char title[48];
			snprintf(title, sizeof(title), "proc%d item %d", n, i);
			rc = db_item_add(db, &w, title, NULL, NULL, NULL);
			c.add += rc == DB_OK;
		} else if (op == 1) {
			bool now_done;
			rc = db_item_toggle(db, &w, id, NULL, &now_done);
			if (rc == DB_OK)
				*(now_done ? &c.done : &c.reopen) += 1;
		} else if (op == 2) {
			rc = db_item_note(db, &w, id, "looked at it");
			c.note += rc == DB_OK;
		} else {
			/* With a note, set_done always journals: a change, or the note alone. */
			bool changed;
			bool want = rand_r(&seed) % 2;
			rc = db_item_set_done(db, &w, id, want, "checked", &changed);
			if (rc == DB_OK)
				*(changed ? (want ? &c.done : &c.reopen) : &c.note) += 1;
		}
		if (rc != DB_OK && c.failed++ == 0)
			snprintf(c.firsterr, sizeof(c.firsterr), "%s", db_errmsg(db));
	}
	db_close(db);
	write_all(out, &c, sizeof(c));
	_exit(0);
}

Test(stress, four_processes_lose_no_operation)
{
	char *path = xasprintf("%s/shared.db", dir);
	struct db_error err;
	struct db *db = db_open(path, 0, &err);
	cr_assert(db, "%s", err.msg);
	struct who parent;
	who_set(&parent, "parent", NULL);
	for (int i = 0; i < SHARED; i++) {
		char title[32];
		snprintf(title, sizeof(title), "shared %d", i);
		cr_assert_eq(db_item_add(db, &parent, title, NULL, NULL, NULL), DB_OK);
	}
	db_close(db);

	int pipes[PROCS][2];
	pid_t pids[PROCS];
	for (int n = 0; n < PROCS; n++) {
		cr_assert_eq(pipe(pipes[n]), 0);
		pids[n] = fork();
		cr_assert_geq(pids[n], 0);
		if (pids[n] == 0) {
			close(pipes[n][0]);
			writer(path, n, pipes[n][1]);
		}
		close(pipes[n][1]);
	}
	struct counts c[PROCS];
	for (int n = 0; n < PROCS; n++) {
		memset(&c[n], 0, sizeof(c[n]));
		ssize_t got = read(pipes[n][0], &c[n], sizeof(c[n]));
		close(pipes[n][0]);
		int status;
		waitpid(pids[n], &status, 0);
		cr_assert_eq(got, (ssize_t)sizeof(c[n]), "writer %d reported nothing", n);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d died", n);
		cr_assert_eq(c[n].failed, 0, "writer %d: %ld operations failed, first: %s", n, c[n].failed, c[n].firsterr);
		cr_assert_eq(c[n].add + c[n].done + c[n].reopen + c[n].note, OPS);
	}

	db = db_open(path, DB_OPEN_READONLY, &err);
	cr_assert(db, "%s", err.msg);
	cr_assert_eq(db_integrity_check(db), DB_OK, "%s", db_errmsg(db));
	struct db_events ev;
	cr_assert_eq(db_events_list(db, 0, &ev), DB_OK);
	cr_assert_eq(ev.n, (size_t)(SHARED + PROCS * OPS), "journal has %zu entries", ev.n);
	for (int n = 0; n < PROCS; n++) {
		char name[16];
		snprintf(name, sizeof(name), "proc%d", n);
		long add = 0, done = 0, reopen = 0, note = 0;
		for (size_t i = 0; i < ev.n; i++) {
			if (strcmp(ev.v[i].who, name) != 0)
				continue;
			add += ev.v[i].action == DB_ACT_ADD;
			done += ev.v[i].action == DB_ACT_DONE;
			reopen += ev.v[i].action == DB_ACT_REOPEN;
			note += ev.v[i].action == DB_ACT_NOTE;
		}
		cr_assert_eq(add, c[n].add, "%s adds", name);
		cr_assert_eq(done, c[n].done, "%s ticks", name);
		cr_assert_eq(reopen, c[n].reopen, "%s reopens", name);
		cr_assert_eq(note, c[n].note, "%s notes", name);
	}
	/* Every item's state is what its last tick or untick in the journal says. */
	struct db_items items;
	cr_assert_eq(db_items_list(db, &items), DB_OK);
	long adds = 0;
	for (int n = 0; n < PROCS; n++)
		adds += c[n].add;
	cr_assert_eq(items.n, (size_t)(SHARED + adds));
	for (size_t k = 0; k < items.n; k++) {
		const struct db_event *last = NULL;
		for (size_t i = 0; i < ev.n; i++)
			if (ev.v[i].item_id == items.v[k].id &&
			    (ev.v[i].action == DB_ACT_DONE || ev.v[i].action == DB_ACT_REOPEN))
				last = &ev.v[i];
		bool want = last && last->action == DB_ACT_DONE;
		cr_assert_eq(items.v[k].done, want, "item %lld", (long long)items.v[k].id);
		if (want)
			cr_assert_str_eq(items.v[k].done_by, last->who);
	}
	db_items_free(&items);
	db_events_free(&ev);
	db_close(db);
	free(path);
}

/* Adds and ticks items forever, reporting each tick on the pipe once it is committed. */
static void ticker(const char *path, int round, int out)
{
	struct db_error err;
	struct db *db = db_open(path, 0, &err);
	if (!db)
		_exit(1);
	struct who w;
	who_set(&w, "ticker", NULL);
	for (int i = 0;; i++) {
		char title[48];
		snprintf(title, sizeof(title), "round %d item %d", round, i);
		int64_t id;
		if (db_item_add(db, &w, title, "about to tick", NULL, &id) != DB_OK ||
		    db_item_set_done(db, &w, id, true, "ticked", NULL) != DB_OK)
			_exit(2);
		if (!write_all(out, &id, sizeof(id)))
			_exit(3);
	}
}

Test(stress, sigkilled_writer_keeps_every_committed_tick)
{
	char *path = xasprintf("%s/crash.db", dir);
	size_t total = 0;
	for (int round = 0; round < 6; round++) {
		int p[2];
		cr_assert_eq(pipe(p), 0);
		pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			close(p[0]);
			ticker(path, round, p[1]);
		}
		close(p[1]);
		int64_t *ids = NULL;
		size_t n = 0, cap = 0;
		size_t kill_after = 15 + (size_t)round * 17;
		bool killed = false;
		for (;;) {
			int64_t id;
			ssize_t got = read(p[0], &id, sizeof(id));
			if (got == 0)
				break;
			if (got < 0 && errno == EINTR)
				continue;
			cr_assert_eq(got, (ssize_t)sizeof(id));
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				ids = xrealloc(ids, cap * sizeof(*ids));
			}
			ids[n++] = id;
			if (n == kill_after && !killed) {
				kill(pid, SIGKILL);   /* mid-loop: usually inside a transaction */
				killed = true;
			}
		}
		close(p[0]);
		int status;
		waitpid(pid, &status, 0);
		cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "round %d: the writer was not killed "
			  "(status %d)", round, status);

		struct db_error err;
		struct db *db = db_open(path, 0, &err);
		cr_assert(db, "round %d: %s", round, err.msg);
		cr_assert_eq(db_integrity_check(db), DB_OK, "round %d: %s", round, db_errmsg(db));
		for (size_t i = 0; i < n; i++) {
			struct db_item it;
			cr_assert_eq(db_item_get(db, ids[i], &it), DB_OK, "round %d: committed item %lld lost", round,
				     (long long)ids[i]);
			cr_assert(it.done, "round %d: committed tick of %lld lost", round, (long long)ids[i]);
			cr_assert_eq(it.notes.n, 2);
			db_item_free(&it);
		}
		/* The database stays writable after the crash. */
		struct who w;
		who_set(&w, "after", NULL);
		char title[32];
		snprintf(title, sizeof(title), "after round %d", round);
		cr_assert_eq(db_item_add(db, &w, title, NULL, NULL, NULL), DB_OK, "%s", db_errmsg(db));
		db_close(db);
		total += n;
		free(ids);
	}
	cr_assert_geq(total, 6 * 15);
	free(path);
}
