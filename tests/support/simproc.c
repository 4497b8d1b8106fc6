/* simproc: start, drive and stop mcon-sim from a test (see simproc.h). */
#include "tests/support/simproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/util.h"
#include "tests/support/hang.h"

const char *simproc_bin(void)
{
	const char *b = getenv("MCON_SIM_BIN");
	return b && *b ? b : "build/mcon-sim";
}

char *simproc_tmpdir(const char *tag)
{
	const char *base = getenv("MCON_TEST_TMP");
	char *tmpl = xasprintf("%s/%s.XXXXXX", base && *base ? base : "/tmp", tag);
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "simproc: mkdtemp %s: %s\n", tmpl, strerror(errno));
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

static char *slurp(const char *path)
{
	return file_read(path, 1 << 20, NULL);
}

static bool read_conf(struct simproc *sp)
{
	struct config cfg;
	char *err = NULL;
	char *text = slurp(sp->conf);
	if (!text)
		return false;
	int rc = config_load_string(&cfg, text, sp->conf, &err);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "simproc: %s\n", err);
		free(err);
		config_free(&cfg);
		return false;
	}
	sp->mailcow_url = xstrdup(cfg.mailcow_url);
	sp->mta_sts_port = (int)cfg.mta_sts_port;
	if (cfg.dns_servers.n) {
		const char *colon = strrchr(cfg.dns_servers.v[0], ':');
		sp->dns_port = colon ? atoi(colon + 1) : 53;
	}
	config_free(&cfg);
	char *k = xasprintf("%s/api.key", sp->dir), *kr = xasprintf("%s/api-ro.key", sp->dir);
	sp->api_key = slurp(k);
	sp->api_key_ro = slurp(kr);
	free(k);
	free(kr);
	if (sp->api_key)
		sp->api_key[strcspn(sp->api_key, "\n")] = '\0';
	if (sp->api_key_ro)
		sp->api_key_ro[strcspn(sp->api_key_ro, "\n")] = '\0';
	return sp->api_key && sp->api_key_ro;
}

static void sp_free(struct simproc *sp)
{
	free(sp->dir);
	free(sp->conf);
	free(sp->err_path);
	free(sp->mailcow_url);
	free(sp->api_key);
	free(sp->api_key_ro);
	free(sp);
}

struct simproc *simproc_start(const char *scenario, const char *const *extra)
{
	struct simproc *sp = xcalloc(1, sizeof(*sp));
	sp->dir = simproc_tmpdir("sim");
	if (!sp->dir) {
		free(sp);
		return NULL;
	}
	sp->err_path = xasprintf("%s.err", sp->dir);
	int out[2];
	if (pipe(out) < 0) {
		sp_free(sp);
		return NULL;
	}
	const char *argv[32];
	int n = 0;
	argv[n++] = simproc_bin();
	argv[n++] = "--dir";
	argv[n++] = sp->dir;
	if (scenario) {
		argv[n++] = "--scenario";
		argv[n++] = scenario;
	}
	for (int i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	sp->pid = fork();
	if (sp->pid == 0) {
		/* a test that dies must not leave its simulator behind */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(out[1], 1);
		int e = open(sp->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (e >= 0)
			dup2(e, 2);
		close(out[0]);
		close(out[1]);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "simproc: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	char line[4096];
	size_t len = 0;
	bool ready = false;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!ready) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = T_HANG_MS - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd pf = {.fd = out[0], .events = POLLIN};
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			break;
		ssize_t r = read(out[0], line + len, sizeof(line) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		line[len] = '\0';
		char *nl = strchr(line, '\n');
		if (nl) {
			*nl = '\0';
			if (strncmp(line, "ready ", 6) == 0) {
				sp->conf = xstrdup(line + 6);
				ready = true;
			}
			break;
		}
	}
	close(out[0]);
	if (!ready || !read_conf(sp)) {
		char *err = slurp(sp->err_path);
		fprintf(stderr, "simproc: %s did not get ready: %s\n", simproc_bin(), err ? err : "(no stderr)");
		free(err);
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, NULL, 0);
		sp_free(sp);
		return NULL;
	}
	return sp;
}

static char *ctl_v(struct simproc *sp, const char *fmt, va_list ap)
{
	char *cmd = xvasprintf(fmt, ap);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", sp->dir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	char *reply = NULL;
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		char *line = xasprintf("%s\n", cmd);
		if (write(fd, line, strlen(line)) == (ssize_t)strlen(line)) {
			struct buf b = {0};
			char c;
			while (read(fd, &c, 1) == 1 && c != '\n')
				buf_putc(&b, c);
			reply = buf_steal(&b);
		}
		free(line);
	}
	if (fd >= 0)
		close(fd);
	free(cmd);
	return reply;
}

char *simproc_ctl(struct simproc *sp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *r = ctl_v(sp, fmt, ap);
	va_end(ap);
	return r;
}

bool simproc_ctl_ok(struct simproc *sp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *r = ctl_v(sp, fmt, ap);
	va_end(ap);
	bool ok = r && strncmp(r, "ok", 2) == 0;
	if (!ok)
		fprintf(stderr, "simproc: control answered: %s\n", r ? r : "(nothing)");
	free(r);
	return ok;
}

int simproc_stop(struct simproc *sp)
{
	if (!sp)
		return -1;
	kill(sp->pid, SIGTERM);
	int status = 0, rc = -1;
	for (int i = 0; i < T_HANG_MS / 10; i++) {
		pid_t w = waitpid(sp->pid, &status, WNOHANG);
		if (w == sp->pid) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		usleep(10000);
	}
	if (rc < 0) {
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, NULL, 0);
		fprintf(stderr, "simproc: mcon-sim did not stop within %d s of SIGTERM\n", T_HANG_MS / 1000);
	}
	char *err = slurp(sp->err_path);
	if (err && (strstr(err, "Sanitizer") || strstr(err, "runtime error"))) {
		fprintf(stderr, "simproc: mcon-sim reported:\n%s\n", err);
		rc = -1;
	}
	free(err);
	sp_free(sp);
	return rc;
}

char *simproc_sh(struct simproc *sp, int *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	char *full = xasprintf("DOCKER_HOST=unix://%s/docker.sock SIM_DIR=%s SIM_CA=%s/ca.pem SIM_KEY='%s' SIM_KEY_RO='%s' "
			       "SIM_API='%s/api/v1' SIM_DNS_PORT=%d SIM_STS_PORT=%d; export DOCKER_HOST SIM_DIR SIM_CA SIM_KEY "
			       "SIM_KEY_RO SIM_API SIM_DNS_PORT SIM_STS_PORT; ( %s ) 2>&1",
			       sp->dir, sp->dir, sp->dir, sp->api_key, sp->api_key_ro, sp->mailcow_url, sp->dns_port,
			       sp->mta_sts_port, cmd);
	free(cmd);
	FILE *p = popen(full, "r");
	free(full);
	struct buf b = {0};
	if (p) {
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
			buf_append(&b, chunk, n);
		int st = pclose(p);
		if (status)
			*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	} else if (status) {
		*status = -1;
	}
	return buf_steal(&b);
}
