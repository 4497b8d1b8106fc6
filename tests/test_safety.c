/* test_safety: what keeps mcon safe on a production host: no core dumps, $SUDO_USER and
 * $MCON_NOW believed only where they should be, the --prom file written without trusting
 * what sits at the temporary's name and never lost on a failed write, no database under
 * /tmp, SIGPIPE ignored, and parsers that survive oversized or out-of-range input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/docker.h"
#include "core/stackfiles.h"
#include "core/util.h"
#include "core/who.h"
#include "db/db.h"
#include "tests/support/trun.h"

/* Runs fn in a child; its exit status. */
static int in_child(int (*fn)(void *), void *ud)
{
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0)
		_exit(fn(ud));
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "the child died of signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

static int harden_child(void *ud)
{
	(void)ud;
	struct rlimit big = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_CORE, &big);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	process_harden();
	struct rlimit now;
	if (getrlimit(RLIMIT_CORE, &now) != 0 || now.rlim_cur != 0 || now.rlim_max != 0)
		return 1;
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 2;
}

Test(safety, no_core_dumps_after_process_harden)
{
	cr_assert_eq(in_child(harden_child, NULL), 0, "1: RLIMIT_CORE is not 0, 2: the process is dumpable");
}

static int sudo_user_child(void *ud)
{
	uid_t uid = *(uid_t *)ud;
	if (uid && setresuid(uid, uid, uid) != 0)
		return 10;
	setenv("SUDO_USER", "alice", 1);
	struct who w;
	who_current(&w);
	return strcmp(w.user, "alice") == 0 ? 0 : 1;
}

Test(safety, sudo_user_believed_only_from_root)
{
	if (getuid() != 0)
		cr_skip_test("needs root to compare a root and a user process");
	uid_t root = 0, nobody = 65534;
	cr_assert_eq(in_child(sudo_user_child, &root), 0, "sudo's $SUDO_USER in a root process is the admin");
	cr_assert_eq(in_child(sudo_user_child, &nobody), 1, "a user's own $SUDO_USER=alice was believed");
}

/* Whether the file holds the bytes of s. */
static bool file_has(const char *path, const char *s)
{
	size_t len;
	char *text = file_read(path, 0, &len);
	cr_assert(text, "%s: %s", path, strerror(errno));
	bool has = memmem(text, len, s, strlen(s)) != NULL;
	free(text);
	return has;
}

Test(safety, mcon_itself_does_not_read_mcon_now)
{
	const char *b = getenv("MCON_BUILD");
	cr_assert(b, "MCON_BUILD is not set (tests/run sets it)");
	char *mcon = xasprintf("%s/mcon", b), *test = xasprintf("%s/mcon-test", b);
	cr_assert_not(file_has(mcon, "MCON_NOW"), "the production binary can have its clock set by $MCON_NOW");
	cr_assert(file_has(test, "MCON_NOW"), "mcon-test, which the tests run, lost its fixed clock");
	free(mcon);
	free(test);
}

/* The directory's entries other than the given one. */
static int others_in(const char *dir, const char *keep)
{
	char *cmd = xasprintf("ls -A '%s' | grep -vxc '%s'", dir, keep);
	FILE *p = popen(cmd, "r");
	int n = -1;
	cr_assert(p && fscanf(p, "%d", &n) == 1);
	pclose(p);
	free(cmd);
	return n;
}

struct big_write {
	const char *path;
	size_t len;
};

static int big_write_child(void *ud)
{
	struct big_write *w = ud;
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit small = {4096, 4096};
	if (setrlimit(RLIMIT_FSIZE, &small) != 0)
		return 10;
	char *data = xmalloc(w->len);
	memset(data, 'n', w->len);
	int rc = file_write_atomic(w->path, data, w->len, 0644);
	free(data);
	return rc == 0 ? 0 : 1;
}

Test(safety, a_failed_prom_write_keeps_the_old_file)
{
	char *dir = tdir_make("prom", 0700);
	char *path = xasprintf("%s/mcon.prom", dir);
	cr_assert_eq(file_write_atomic(path, "old 1\n", 6, 0644), 0);
	struct big_write w = {path, 64 * 1024};
	cr_assert_eq(in_child(big_write_child, &w), 1, "a write past the file size limit succeeded");
	char *text = file_read(path, 0, NULL);
	cr_assert_str_eq(text, "old 1\n", "the old file is lost");
	free(text);
	cr_assert_eq(others_in(dir, "mcon.prom"), 0, "the temporary was left behind");
	free(path);
	tdir_remove(dir);
	free(dir);
}

static int planted_child(void *ud)
{
	const char *path = ud;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *victim = xasprintf("%s.victim", path);
	if (symlink(victim, tmp) != 0)
		return 10;
	int rc = file_write_atomic(path, "new 2\n", 6, 0644);
	free(tmp);
	free(victim);
	return rc == 0 ? 0 : 1;
}

Test(safety, the_prom_temporary_never_follows_a_planted_symlink)
{
	char *dir = tdir_make("prom", 0700);
	char *path = xasprintf("%s/mcon.prom", dir), *victim = xasprintf("%s/mcon.prom.victim", dir);
	cr_assert_eq(file_write_atomic(victim, "precious\n", 9, 0600), 0);
	cr_assert_eq(in_child(planted_child, path), 0);
	char *text = file_read(victim, 0, NULL);
	cr_assert_str_eq(text, "precious\n", "the write went through the symlink");
	free(text);
	text = file_read(path, 0, NULL);
	cr_assert_str_eq(text, "new 2\n");
	free(text);
	free(path);
	free(victim);
	tdir_remove(dir);
	free(dir);
}

/* A copy of mcon-test another user may run, in a public directory. */
static char *public_mcon(const char *pub)
{
	char *bin = xasprintf("%s/mcon", pub);
	char *cmd = xasprintf("cp '%s' '%s' && chmod 755 '%s'", trun_bin(), bin, bin);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	return bin;
}

Test(safety, no_database_under_tmp_without_home)
{
	if (getuid() != 0)
		cr_skip_test("needs root to run as a user who may not write /var/lib");
	char *pub = tdir_make_public("nohome");
	char *bin = public_mcon(pub);
	static const char *const env[] = {"HOME", "XDG_STATE_HOME", "MCON_CONFIG", "XDG_CONFIG_HOME", NULL};
	struct trun_opts o = {.env = env, .uid = 65534, .as_user = true, .cwd = pub};
	const char *argv[] = {bin, "--config", "/dev/null", "tasks", "list", NULL};
	struct trun r;
	trun(&r, &o, argv);
	cr_assert_neq(r.code, 0, "out: %s err: %s", r.out, r.err);
	cr_assert(strstr(r.err, "no place for the database") && strstr(r.err, "HOME") && strstr(r.err, "--db"),
		  "%s", r.err);
	cr_assert_eq(access("/tmp/.local/state/mcon/mcon.db", F_OK), -1, "a database appeared under /tmp");
	trun_free(&r);
	free(bin);
	tdir_remove(pub);
	free(pub);
}

Test(safety, a_closed_output_pipe_is_not_death_by_sigpipe)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	close(p[0]);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		execl(trun_bin(), trun_bin(), "--help", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert_not(WIFSIGNALED(st), "mcon died of signal %d writing to a closed pipe", WTERMSIG(st));
}

Test(safety, tasks_import_refuses_input_over_its_limit)
{
	char *dir = tdir_make("import", 0700);
	char *db = xasprintf("%s/mcon.db", dir);
	struct buf in = {0};
	buf_puts(&in, "## Pending\n\n");
	while (in.len < (9u << 20))
		buf_puts(&in, "- [ ] a checklist item long enough to fill the input quickly, again and again\n");
	static const char *const env[] = {"MCON_CONFIG", NULL};
	struct trun_opts o = {.env = env, .input = buf_cstr(&in)};
	const char *argv[] = {trun_bin(), "--config", "/dev/null", "--db", db, "tasks", "import", "-", NULL};
	struct trun r;
	trun(&r, &o, argv);
	cr_assert_neq(r.code, 0, "9 MiB on standard input was cut and imported: %s", r.out);
	cr_assert(strstr(r.err, "standard input") && strstr(r.err, "8 MiB"), "%s", r.err);
	trun_free(&r);
	buf_free(&in);
	free(db);
	tdir_remove(dir);
	free(dir);
}

struct seen {
	int n;
	char ids[4][16];
	long long times[4];
};

static void on_event(const struct docker_event *ev, void *ud)
{
	struct seen *s = ud;
	if (s->n < 4) {
		snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", ev->actor_id ? ev->actor_id : "");
		s->times[s->n] = (long long)ev->time;
	}
	s->n++;
}

Test(safety, docker_events_resynchronise_after_an_oversized_event)
{
	struct seen s = {0};
	struct docker_events e;
	docker_events_init(&e, on_event, &s);
	struct buf big = {0};
	buf_puts(&big, "{\"Type\":\"container\",\"Action\":\"start\",\"x\":\"");
	while (big.len < (1u << 20) + 4096)
		buf_puts(&big, "aaaaaaaaaaaaaaaa");
	docker_events_feed(&e, big.data, big.len);
	/* The tail of the dropped event holds what looks like an event of its own. */
	static const char tail[] =
		"aaaa\",\"y\":{\"Type\":\"container\",\"Action\":\"die\","
		"\"Actor\":{\"ID\":\"forged\",\"Attributes\":{}},\"time\":1}}\n"
		"{\"Type\":\"container\",\"Action\":\"start\","
		"\"Actor\":{\"ID\":\"real\",\"Attributes\":{}},\"time\":2}\n";
	docker_events_feed(&e, tail, strlen(tail));
	cr_assert_eq(s.n, 1, "%d events from the stream (first: %s)", s.n, s.ids[0]);
	cr_assert_str_eq(s.ids[0], "real");
	cr_assert_geq(e.errors, 1);
	docker_events_free(&e);
	buf_free(&big);
}

Test(safety, numbers_out_of_range_are_not_cast)
{
	struct seen s = {0};
	static const char ev[] = "{\"Type\":\"container\",\"Action\":\"start\","
				 "\"Actor\":{\"ID\":\"c1\",\"Attributes\":{}},\"time\":1e300}";
	cr_assert_eq(docker_event_parse(ev, strlen(ev), on_event, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.times[0], 0, "time 1e300 became %lld", s.times[0]);
	long long bytes = 7;
	cr_assert_eq(stackfiles_parse_size("nan", &bytes), -1, "NaN became %lld bytes", bytes);
	cr_assert_eq(stackfiles_parse_size("nanM", &bytes), -1, "NaN became %lld bytes", bytes);
}

Test(safety, a_database_being_written_is_busy_not_corrupt)
{
	char *dir = tdir_make("busy", 0700);
	char *path = xasprintf("%s/mcon.db", dir), *journal = xasprintf("%s/mcon.db-journal", dir);
	/* What a lock-free reader may see while a writer rewrites the file: no valid header. */
	const char half[] = "half-written pages of a database being changed\n";
	cr_assert_eq(file_write_atomic(path, half, sizeof(half) - 1, 0600), 0);
	cr_assert_eq(file_write_atomic(journal, "journal of the writer in progress", 34, 0600), 0);
	struct db_error err = {0};
	cr_assert_null(db_open(path, DB_OPEN_READONLY, &err));
	cr_assert_eq(err.status, DB_ERR_BUSY, "%s", err.msg);
	cr_assert(strstr(err.msg, "another process") && strstr(err.msg, "try again"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "move it aside"), "%s", err.msg);
	/* Without a writer's journal beside it, the same file is what it looks like. */
	cr_assert_eq(unlink(journal), 0);
	cr_assert_null(db_open(path, DB_OPEN_READONLY, &err));
	cr_assert_eq(err.status, DB_ERR_CORRUPT, "%s", err.msg);
	free(path);
	free(journal);
	tdir_remove(dir);
	free(dir);
}
