/* trun: fork/exec with captured output, and temporary directories for tests. */
#include "tests/support/trun.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/util.h"

const char *trun_bin(void)
{
	const char *b = getenv("MCON_BIN");
	if (!b || !*b)
		cr_assert_fail("MCON_BIN is not set: run the tests through tests/run");
	return b;
}

static void child(const struct trun_opts *o, const char *const *argv, int in, int out, int err)
{
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	for (const char *const *e = o && o->env ? o->env : NULL; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq) {
			char *k = strndup(*e, (size_t)(eq - *e));
			setenv(k, eq + 1, 1);
			free(k);
		} else {
			unsetenv(*e);
		}
	}
	if (o && o->cwd && chdir(o->cwd) < 0)
		_exit(126);
	if (o && o->as_user) {
		if (setgroups(0, NULL) < 0 || setresgid(o->uid, o->uid, o->uid) < 0 ||
		    setresuid(o->uid, o->uid, o->uid) < 0)
			_exit(125);
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

int trun(struct trun *r, const struct trun_opts *o, const char *const *argv)
{
	memset(r, 0, sizeof(*r));
	int pin[2], pout[2], perr[2];
	cr_assert(pipe(pin) == 0 && pipe(pout) == 0 && pipe(perr) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		child(o, argv, pin[0], pout[1], perr[1]);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	signal(SIGPIPE, SIG_IGN);
	if (o && o->input) {
		size_t len = strlen(o->input);
		for (size_t off = 0; off < len;) {
			ssize_t n = write(pin[1], o->input + off, len - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	close(pin[1]);
	struct buf bo = {0}, be = {0};
	struct pollfd fds[2] = {{.fd = pout[0], .events = POLLIN}, {.fd = perr[0], .events = POLLIN}};
	time_t deadline = time(NULL) + 60;
	int open_fds = 2;
	while (open_fds > 0 && time(NULL) < deadline) {
		if (poll(fds, 2, 1000) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char chunk[4096];
			ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n > 0) {
				buf_append(i ? &be : &bo, chunk, (size_t)n);
			} else {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	if (open_fds > 0)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	buf_cstr(&bo);
	buf_cstr(&be);
	r->out = buf_steal(&bo);
	r->err = buf_steal(&be);
	if (strstr(r->err, "Sanitizer"))
		fprintf(stderr, "child %s:\n%s\n", argv[0], r->err);
	return r->code;
}

void trun_free(struct trun *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

char *tdir_make(const char *tag, int mode)
{
	const char *base = getenv("MCON_TEST_TMP");
	char *tmpl = xasprintf("%s/%s.XXXXXX", base && *base ? base : "/tmp", tag);
	cr_assert(mkdtemp(tmpl), "mkdtemp %s: %s", tmpl, strerror(errno));
	chmod(tmpl, (mode_t)mode);
	return tmpl;
}

char *tdir_make_public(const char *tag)
{
	char *tmpl = xasprintf("/tmp/mcon-%s.XXXXXX", tag);
	cr_assert(mkdtemp(tmpl), "mkdtemp %s: %s", tmpl, strerror(errno));
	chmod(tmpl, 0755);
	return tmpl;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void tdir_remove(const char *path)
{
	if (!path)
		return;
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
