/* The Docker client's failure paths against real sockets: a missing socket, a path under a
 * file, a socket nobody listens on, permission denied, and a fake Engine API on a unix socket
 * answering 400 "too old", old or missing Api-Version headers, malformed JSON, 404/409, a
 * failing exec and a request that never answers (the refresh deadline). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/docker.h"
#include "tests/support/hang.h"

#define DATA "tests/data/docker/"

static char *tmpdir(void)
{
	const char *base = getenv("MCON_TEST_TMP");
	char *t = xasprintf("%s/dkerr.XXXXXX", base && *base ? base : "/tmp");
	cr_assert_not_null(mkdtemp(t), "mkdtemp: %s", strerror(errno));
	return t;
}

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

static struct config host_config(const char *host)
{
	struct config cfg = {0};
	char *err = NULL;
	char *text = xasprintf("[docker]\nhost = %s\n", host);
	cr_assert_eq(config_load_string(&cfg, text, "test.conf", &err), 0, "%s", err ? err : "");
	free(text);
	return cfg;
}

static void collect(const char *host, struct docker_state *d)
{
	struct config cfg = host_config(host);
	struct fetcher *f = fetcher_new();
	memset(d, 0, sizeof(*d));
	docker_collect(f, &cfg, d);
	cr_assert_eq(fetcher_run(f, fetch_now_ms() + T_HANG_MS), 0, "the collection finishes");
	fetcher_free(f);
	config_free(&cfg);
}

/* ---- a fake Engine API ---- */

struct route {
	const char *prefix;     /* "GET /v1.47/containers/json" */
	char *response;         /* the raw HTTP response; NULL = never answer */
	size_t len;
	int delay_ms;           /* before answering */
};

struct fake {
	char *dir, *sock;
	int lfd;
	pthread_t th;
	atomic_int stop;
	struct route routes[16];
	size_t n_routes;
	pthread_mutex_t lock;
	struct strv seen;       /* request lines */
	pthread_t conns[64];
	size_t n_conns;
};

static void fake_route(struct fake *fk, const char *prefix, const char *resp, size_t len)
{
	cr_assert_lt(fk->n_routes, ARRAY_SIZE(fk->routes));
	struct route *r = &fk->routes[fk->n_routes++];
	r->prefix = prefix;
	if (resp) {
		r->response = xmalloc(len);
		memcpy(r->response, resp, len);
		r->len = len;
	}
}

/* A JSON (or text) answer with Content-Length; api may be NULL (no Api-Version header). */
static void fake_answer(struct fake *fk, const char *prefix, int status, const char *api, const char *ctype, const char *body)
{
	char *api_h = api ? xasprintf("Api-Version: %s\r\n", api) : xstrdup("");
	char *r = xasprintf("HTTP/1.1 %d X\r\nContent-Type: %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	                    status, ctype, api_h, strlen(body), body);
	fake_route(fk, prefix, r, strlen(r));
	free(r);
	free(api_h);
}

struct conn {
	struct fake *fk;
	int fd;
};

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct fake *fk = c->fk;
	char req[16384];
	size_t got = 0;
	char *end = NULL;
	while (got < sizeof(req) - 1) {
		struct pollfd p = {c->fd, POLLIN, 0};
		if (poll(&p, 1, 50) == 0) {
			if (atomic_load(&fk->stop))
				goto out;
			continue;
		}
		ssize_t n = read(c->fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			goto out;
		got += (size_t)n;
		req[got] = '\0';
		if ((end = strstr(req, "\r\n\r\n")))
			break;
	}
	if (!end)
		goto out;
	/* read the request body so that closing does not reset the connection */
	const char *cl = strcasestr(req, "Content-Length:");
	size_t want = (size_t)(end + 4 - req) + (cl && cl < end ? (size_t)atol(cl + 15) : 0);
	while (got < want && got < sizeof(req) - 1) {
		ssize_t n = read(c->fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	char *line = xstrndup(req, strcspn(req, "\r\n"));
	pthread_mutex_lock(&fk->lock);
	strv_push(&fk->seen, line);
	pthread_mutex_unlock(&fk->lock);
	const struct route *r = NULL;
	for (size_t i = 0; i < fk->n_routes && !r; i++)
		if (str_starts_with(line, fk->routes[i].prefix))
			r = &fk->routes[i];
	free(line);
	if (r && r->delay_ms)
		usleep((useconds_t)r->delay_ms * 1000);
	if (r && !r->response) {
		while (!atomic_load(&fk->stop))
			usleep(20000);
	} else if (r) {
		size_t off = 0;
		while (off < r->len) {
			ssize_t n = write(c->fd, r->response + off, r->len - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	} else {
		const char *body = "{\"message\":\"page not found\"}";
		char *nf = xasprintf("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		                     "Connection: close\r\n\r\n%s", strlen(body), body);
		if (write(c->fd, nf, strlen(nf)) < 0)
			nf[0] = '\0'; /* the client went away: nothing to do */
		free(nf);
	}
out:
	close(c->fd);
	free(c);
	return NULL;
}

static void *fake_main(void *arg)
{
	struct fake *fk = arg;
	while (!atomic_load(&fk->stop)) {
		struct pollfd p = {fk->lfd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(fk->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		struct conn *c = xcalloc(1, sizeof(*c));
		c->fk = fk;
		c->fd = fd;
		pthread_mutex_lock(&fk->lock);
		if (fk->n_conns < ARRAY_SIZE(fk->conns) && pthread_create(&fk->conns[fk->n_conns], NULL, conn_main, c) == 0) {
			fk->n_conns++;
			c = NULL;
		}
		pthread_mutex_unlock(&fk->lock);
		if (c) {
			close(fd);
			free(c);
		}
	}
	return NULL;
}

static int unix_socket_at(const char *path, bool listening)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cr_assert_lt(strlen(path), sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s: %s", path, strerror(errno));
	if (listening)
		cr_assert_eq(listen(fd, 64), 0);
	return fd;
}

static void fake_start(struct fake *fk)
{
	fk->dir = tmpdir();
	fk->sock = xasprintf("%s/docker.sock", fk->dir);
	fk->lfd = unix_socket_at(fk->sock, true);
	pthread_mutex_init(&fk->lock, NULL);
	cr_assert_eq(pthread_create(&fk->th, NULL, fake_main, fk), 0);
}

static char *fake_host(const struct fake *fk)
{
	return xasprintf("unix://%s", fk->sock);
}

static bool fake_saw(struct fake *fk, const char *prefix)
{
	pthread_mutex_lock(&fk->lock);
	bool found = false;
	for (size_t i = 0; i < fk->seen.n && !found; i++)
		found = str_starts_with(fk->seen.v[i], prefix);
	pthread_mutex_unlock(&fk->lock);
	return found;
}

static void fake_stop(struct fake *fk)
{
	atomic_store(&fk->stop, 1);
	pthread_join(fk->th, NULL);
	for (size_t i = 0; i < fk->n_conns; i++)
		pthread_join(fk->conns[i], NULL);
	close(fk->lfd);
	for (size_t i = 0; i < fk->n_routes; i++)
		free(fk->routes[i].response);
	strv_free(&fk->seen);
	pthread_mutex_destroy(&fk->lock);
	rm_rf(fk->dir);
	free(fk->dir);
	free(fk->sock);
}

static char *sample(const char *name)
{
	char *path = xasprintf(DATA "%s", name);
	char *s = file_read(path, 0, NULL);
	cr_assert_not_null(s, "cannot read %s", path);
	free(path);
	return s;
}

/* ---- connection errors ---- */

Test(docker_connect, socket_missing)
{
	char *dir = tmpdir();
	char *host = xasprintf("unix://%s/docker.sock", dir);
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert_str_eq(d.err.what, "GET /_ping");
	char *want = xasprintf("cannot connect to %s: No such file or directory (is Docker running? set docker.host)", host);
	cr_assert_str_eq(d.err.why, want);
	cr_assert_eq(d.n_containers, 0);
	cr_assert_eq(d.postfix_size_live, -1);
	cr_assert(d.postfix_exec_err.failed, "the exec shares the failure");
	cr_assert_str_eq(d.endpoint, host);
	docker_state_free(&d);
	free(want);
	free(host);
	rm_rf(dir);
	free(dir);
}

Test(docker_connect, path_under_a_file)
{
	char *dir = tmpdir();
	char *file = xasprintf("%s/plain", dir);
	cr_assert_eq(file_write_atomic(file, "x", 1, 0644), 0);
	char *host = xasprintf("unix://%s/docker.sock", file);
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert(strstr(d.err.why, "Not a directory (check docker.host)"), "%s", d.err.why);
	docker_state_free(&d);
	free(host);
	free(file);
	rm_rf(dir);
	free(dir);
}

Test(docker_connect, nobody_listening)
{
	char *dir = tmpdir();
	char *path = xasprintf("%s/docker.sock", dir);
	int fd = unix_socket_at(path, false); /* bound, never listening: connect is refused */
	char *host = xasprintf("unix://%s", path);
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert(strstr(d.err.why, "Connection refused (is Docker running? set docker.host)"), "%s", d.err.why);
	docker_state_free(&d);
	close(fd);
	free(host);
	free(path);
	rm_rf(dir);
	free(dir);
}

Test(docker_connect, tcp_refused)
{
	/* a port of our own, bound and closed again: nothing listens there */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	char *host = xasprintf("tcp://127.0.0.1:%d", ntohs(sa.sin_port));
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert(strstr(d.err.why, "Connection refused"), "%s", d.err.why);
	docker_state_free(&d);
	free(host);
}

/* Root bypasses file modes, so the check runs in a child that gave root up. */
Test(docker_connect, permission_denied)
{
	char *dir = tmpdir();
	char *path = xasprintf("%s/docker.sock", dir);
	int lfd = unix_socket_at(path, true);
	cr_assert_eq(chmod(path, 0660), 0, "owned by root, group root: like a docker.sock without the docker group");
	char *host = xasprintf("unix://%s", path);
	int pfd[2];
	cr_assert_eq(pipe(pfd), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		struct config cfg = {0};
		char *err = NULL;
		char *text = xasprintf("[docker]\nhost = %s\n", host);
		if (config_load_string(&cfg, text, "t", &err) < 0)
			_exit(4);
		struct fetcher *f = fetcher_new();
		struct docker_state d = {0};
		docker_collect(f, &cfg, &d);
		fetcher_run(f, fetch_now_ms() + T_HANG_MS);
		const char *why = d.err.why ? d.err.why : "(no error)";
		if (write(pfd[1], why, strlen(why)) < 0)
			_exit(5);
		_exit(0);
	}
	close(pfd[1]);
	char out[1024] = "";
	size_t got = 0;
	ssize_t n;
	while ((n = read(pfd[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(pfd[0]);
	int status;
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	char *want = xasprintf("cannot connect to %s: Permission denied (the Docker socket needs root or membership "
	                       "in the docker group", host);
	cr_assert(str_starts_with(out, want), "%s", out);
	free(want);
	close(lfd);
	free(host);
	free(path);
	rm_rf(dir);
	free(dir);
}

/* ---- a fake daemon ---- */

Test(docker_fake, too_old_400_from_the_daemon)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 200, "1.47", "text/plain", "OK");
	fake_answer(&fk, "GET /v1.47/version", 200, "1.47", "application/json", "{\"Version\":\"29.1.0\"}");
	/* Docker 29.0-29.2 refuses below 1.44; an engine could refuse what it announced, in plain text */
	fake_answer(&fk, "GET /v1.47/containers/json", 400, "1.47", "text/plain",
	            "client version 1.47 is too old. Minimum supported API version is 1.50, please upgrade your client to a newer version\n");
	char *host = fake_host(&fk);
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert_str_eq(d.err.what, "GET /v1.47/containers/json");
	cr_assert_str_eq(d.err.why, "HTTP 400: client version 1.47 is too old. Minimum supported API version is 1.50, "
	                            "please upgrade your client to a newer version");
	cr_assert_str_eq(d.api_version, "1.47");
	cr_assert(fake_saw(&fk, "GET /v1.47/containers/json?all=1&filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dmailcowdockerized%22%5D%7D "),
	          "the exact list query of the reference");
	docker_state_free(&d);
	free(host);
	fake_stop(&fk);
}

Test(docker_fake, old_daemon_refused_before_any_request)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 200, "1.40", "text/plain", "OK");
	char *host = fake_host(&fk);
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert_str_eq(d.err.what, "API version negotiation");
	cr_assert(strstr(d.err.why, "Docker API 1.40 is too old: mcon needs API 1.41 or newer"), "%s", d.err.why);
	cr_assert_null(d.api_version);
	cr_assert_eq(fk.seen.n, 1, "nothing after the ping");
	docker_state_free(&d);
	free(host);
	fake_stop(&fk);
}

Test(docker_fake, missing_header_means_1_24)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 200, NULL, "text/plain", "OK");
	char *host = fake_host(&fk);
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert(strstr(d.err.why, "Docker API 1.24 is too old (the daemon sent no Api-Version header)"), "%s", d.err.why);
	docker_state_free(&d);
	free(host);
	fake_stop(&fk);
}

Test(docker_fake, not_a_docker_api)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 404, NULL, "text/html", "<html>nginx</html>");
	char *host = fake_host(&fk);
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert(strstr(d.err.why, "HTTP 404: <html>nginx</html> (is unix://"), "%s", d.err.why);
	cr_assert(strstr(d.err.why, "a Docker Engine API?)"), "%s", d.err.why);
	docker_state_free(&d);
	free(host);
	fake_stop(&fk);
}

Test(docker_fake, malformed_list)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 200, "1.41", "text/plain", "OK");
	fake_answer(&fk, "GET /v1.41/containers/json", 200, "1.41", "application/json", "[{\"Id\": \"674a\", \"Names\": [");
	char *host = fake_host(&fk);
	struct docker_state d;
	collect(host, &d);
	cr_assert(d.err.failed);
	cr_assert_str_eq(d.err.what, "GET /v1.41/containers/json");
	cr_assert(str_starts_with(d.err.why, "malformed JSON in the container list"), "%s", d.err.why);
	cr_assert_eq(d.n_containers, 0);
	docker_state_free(&d);
	free(host);
	fake_stop(&fk);
}

/* The captured list and inspects served back, with a broken inspect, a missing network and
 * postfix refusing the exec: each problem stays with its part. Also: the daemon's newer
 * API (1.52) is spoken as ours (1.47). */
Test(docker_fake, partial_failures_stay_with_their_part)
{
	struct fake fk = {0};
	fake_start(&fk);
	char *list = sample("sample-dockerd-20.10-containers-json.json");
	char *nginx = sample("sample-dockerd-20.10-inspect-nginx.json");
	char *net = sample("sample-dockerd-20.10-network-netgrimoire.json");
	fake_answer(&fk, "GET /_ping", 200, "1.52", "text/plain", "OK");
	fake_answer(&fk, "GET /v1.47/containers/json", 200, "1.52", "application/json", list);
	fake_answer(&fk, "GET /v1.47/containers/674a0739986e9985b4d65aa1ec220a8b61689c9924313f9f0d8d285f845c3774/json", 200,
	            "1.52", "application/json", nginx);
	fake_answer(&fk, "GET /v1.47/containers/8143307b94f69a8a7f61b39c5cf187f7bb2716b592ebfa6fe6003c7314bb0390/json", 200,
	            "1.52", "application/json", "{\"Id\": tru");
	fake_answer(&fk, "GET /v1.47/networks/netgrimoire", 200, "1.52", "application/json", net);
	fake_answer(&fk, "GET /v1.47/networks/mailcowdockerized_mailcow-network", 404, "1.52", "application/json",
	            "{\"message\":\"network mailcowdockerized_mailcow-network not found\"}");
	fake_answer(&fk, "POST /v1.47/containers/8143307b94f69a8a7f61b39c5cf187f7bb2716b592ebfa6fe6003c7314bb0390/exec", 409,
	            "1.52", "application/json",
	            "{\"message\":\"Container 8143307b94f69a8a7f61b39c5cf187f7bb2716b592ebfa6fe6003c7314bb0390 is not running\"}");
	char *host = fake_host(&fk);
	struct docker_state d;
	collect(host, &d);
	cr_assert_not(d.err.failed, "%s: %s", d.err.what, d.err.why);
	cr_assert_str_eq(d.api_version, "1.47");
	cr_assert_null(d.server_version, "no /version route: optional");
	cr_assert_eq(d.n_containers, 2);
	const struct container *ng = &d.containers[0], *pf = &d.containers[1];
	cr_assert_str_eq(ng->service, "nginx-mailcow", "sorted by service");
	cr_assert(ng->inspected);
	cr_assert_eq(ng->restart_count, 1);
	cr_assert_str_eq(pf->service, "postfix-mailcow");
	cr_assert_not(pf->inspected);
	cr_assert(strstr(pf->inspect_err, "malformed JSON in the container inspect"), "%s", pf->inspect_err);
	cr_assert_eq(pf->health, HEALTH_HEALTHY, "the list's Status text still tells the health");
	cr_assert_eq(d.n_networks, 1, "the 404 network is left out");
	cr_assert_str_eq(d.networks[0].name, "netgrimoire");
	for (size_t i = 0; i < ng->n_nets; i++) {
		if (strcmp(ng->nets[i].network, "netgrimoire") == 0) {
			cr_assert_str_eq(ng->nets[i].driver, "bridge");
			cr_assert_str_eq(ng->nets[i].scope, "local");
		} else {
			cr_assert_null(ng->nets[i].driver, "unknown driver for the network that was not found");
		}
	}
	cr_assert_eq(d.postfix_size_live, -1);
	cr_assert(d.postfix_exec_err.failed);
	cr_assert(strstr(d.postfix_exec_err.why, "HTTP 409: Container 8143307b94f6"), "%s", d.postfix_exec_err.why);
	cr_assert(strstr(d.postfix_exec_err.why, "is not running"), "%s", d.postfix_exec_err.why);
	cr_assert(fake_saw(&fk, "GET /v1.47/networks/netgrimoire "));
	docker_state_free(&d);
	free(host);
	free(list);
	free(nginx);
	free(net);
	fake_stop(&fk);
}

static const char one_postfix[] =
    "[{\"Id\":\"aaaa\",\"Names\":[\"/mailcowdockerized-postfix-mailcow-1\"],\"Image\":\"postfix\",\"State\":\"running\","
    "\"Status\":\"Up 1 minute\",\"Labels\":{\"com.docker.compose.project\":\"mailcowdockerized\","
    "\"com.docker.compose.service\":\"postfix-mailcow\"},\"NetworkSettings\":{\"Networks\":{}}}]";

static void exec_routes(struct fake *fk, const char *frames, size_t frames_len, const char *exec_json)
{
	fake_answer(fk, "GET /_ping", 200, "1.41", "text/plain", "OK");
	fake_answer(fk, "GET /v1.41/containers/json", 200, "1.41", "application/json", one_postfix);
	fake_answer(fk, "GET /v1.41/containers/aaaa/json", 200, "1.41", "application/json",
	            "{\"Id\":\"aaaa\",\"Name\":\"/mailcowdockerized-postfix-mailcow-1\",\"State\":{\"Status\":\"running\"},"
	            "\"Config\":{\"Tty\":false,\"Labels\":{\"com.docker.compose.service\":\"postfix-mailcow\"}}}");
	fake_answer(fk, "POST /v1.41/containers/aaaa/exec", 201, "1.41", "application/json", "{\"Id\":\"e1\"}");
	/* the hijacked answer: no length, the stream, then the connection closes */
	struct buf b = {0};
	buf_puts(&b, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nApi-Version: 1.41\r\n\r\n");
	buf_append(&b, frames, frames_len);
	fake_route(fk, "POST /v1.41/exec/e1/start", b.data, b.len);
	buf_free(&b);
	fake_answer(fk, "GET /v1.41/exec/e1/json", 200, "1.41", "application/json", exec_json);
}

Test(docker_fake, exec_reads_the_hijacked_stream)
{
	struct fake fk = {0};
	fake_start(&fk);
	char *bin = file_read(DATA "sample-dockerd-20.10-exec-start-multiplexed.bin", 0, NULL);
	cr_assert_not_null(bin);
	/* stdout frame only: 104857600 */
	exec_routes(&fk, bin, 18, "{\"ExitCode\":0,\"Running\":false}");
	char *host = fake_host(&fk);
	struct docker_state d;
	collect(host, &d);
	cr_assert_not(d.err.failed, "%s", d.err.why);
	cr_assert_not(d.postfix_exec_err.failed, "%s", d.postfix_exec_err.why);
	cr_assert_eq(d.postfix_size_live, 104857600);
	docker_state_free(&d);
	free(host);
	free(bin);
	fake_stop(&fk);
}

Test(docker_fake, exec_failure_reports_stderr)
{
	struct fake fk = {0};
	fake_start(&fk);
	const char frames[] = "\x02\0\0\0\0\0\0\x37postconf: fatal: open /etc/postfix/main.cf: Permission\n";
	exec_routes(&fk, frames, sizeof(frames) - 1, "{\"ExitCode\":1,\"Running\":false}");
	char *host = fake_host(&fk);
	struct docker_state d;
	collect(host, &d);
	cr_assert_not(d.err.failed, "%s", d.err.why);
	cr_assert(d.postfix_exec_err.failed);
	cr_assert_str_eq(d.postfix_exec_err.what, "exec postconf -h message_size_limit in mailcowdockerized-postfix-mailcow-1");
	cr_assert_str_eq(d.postfix_exec_err.why, "postconf exited with 1: postconf: fatal: open /etc/postfix/main.cf: Permission");
	cr_assert_eq(d.postfix_size_live, -1);
	docker_state_free(&d);
	free(host);
	fake_stop(&fk);
}

Test(docker_fake, deadline_leaves_an_honest_error)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 200, "1.41", "text/plain", "OK");
	fake_route(&fk, "GET /v1.41/containers/json", NULL, 0); /* never answers */
	char *host = fake_host(&fk);
	struct config cfg = host_config(host);
	struct fetcher *f = fetcher_new();
	struct docker_state d = {0};
	docker_collect(f, &cfg, &d);
	long long t0 = fetch_now_ms();
	int left = fetcher_run(f, t0 + 300);
	/* the fake never answers: only the deadline can end the run, with the list in flight */
	cr_assert_gt(left, 0, "the list is still in flight");
	fetcher_free(f); /* abandons it: the callbacks' state is released, no leak */
	cr_assert(d.err.failed);
	cr_assert(strstr(d.err.why, "did not finish"), "%s", d.err.why);
	cr_assert_str_eq(d.api_version, "1.41");
	docker_state_free(&d);
	config_free(&cfg);
	free(host);
	fake_stop(&fk);
}

struct stream_end {
	int ends;
	char *error;
};

static void on_stream_event(const struct docker_event *ev, void *ud)
{
	struct stream_end *s = ud;
	if (strcmp(ev->type, "stream") == 0) {
		s->ends++;
		free(s->error);
		s->error = xstrdup(ev->error);
	}
}

Test(docker_fake, events_refused)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 200, "1.41", "text/plain", "OK");
	fake_answer(&fk, "GET /v1.41/containers/json", 200, "1.41", "application/json", "[]");
	fake_answer(&fk, "GET /v1.41/events", 400, "1.41", "application/json",
	            "{\"message\":\"invalid filter 'type=bogus'\"}");
	char *host = fake_host(&fk);
	struct config cfg = host_config(host);
	struct fetcher *f = fetcher_new();
	struct stream_end s = {0};
	cr_assert_eq(docker_events_start(f, &cfg, NULL, on_stream_event, &s), 0);
	cr_assert_eq(fetcher_run(f, fetch_now_ms() + T_HANG_MS), 0);
	fetcher_free(f);
	cr_assert_eq(s.ends, 1);
	cr_assert_str_eq(s.error, "GET /v1.41/events: HTTP 400: invalid filter 'type=bogus'");
	cr_assert(fake_saw(&fk, "GET /v1.41/events?since="));
	cr_assert(fake_saw(&fk, "GET /v1.41/containers/json?all=1&filters="), "the project's containers are listed for the filter");
	free(s.error);
	config_free(&cfg);
	free(host);
	fake_stop(&fk);
}

Test(docker_fake, logs_errors)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 200, "1.41", "text/plain", "OK");
	fake_answer(&fk, "GET /v1.41/containers/nosuch/logs", 404, "1.41", "application/json",
	            "{\"message\":\"No such container: nosuch\"}");
	char *host = fake_host(&fk);
	struct config cfg = host_config(host);
	struct docker_logs l;
	cr_assert_eq(docker_logs(&cfg, NULL, "nosuch", false, 50, &l), -1);
	cr_assert_str_eq(l.error, "GET /v1.41/containers/nosuch/logs: HTTP 404: No such container: nosuch");
	docker_logs_free(&l);
	cr_assert(fake_saw(&fk, "GET /v1.41/containers/nosuch/logs?stdout=1&stderr=1&tail=50&timestamps=1 "));
	struct container c = {0};
	char *err = NULL;
	cr_assert_eq(docker_inspect(&cfg, "1.41", "nosuch", &c, &err), -1);
	cr_assert_str_eq(err, "GET /v1.41/containers/nosuch/json: HTTP 404: page not found");
	free(err);
	config_free(&cfg);
	free(host);
	fake_stop(&fk);
}

struct order {
	struct strv seen;   /* "type action container" */
};

static void on_order_event(const struct docker_event *ev, void *ud)
{
	struct order *o = ud;
	strv_push_owned(&o->seen, xasprintf("%s %s %s", ev->type, ev->action, ev->container ? ev->container : "-"));
}

/* Network events carry no labels: they are held until the project's containers are known,
 * then delivered only for those; the end of the stream comes after them. */
Test(docker_fake, events_project_filter)
{
	struct fake fk = {0};
	fake_start(&fk);
	fake_answer(&fk, "GET /_ping", 200, "1.41", "text/plain", "OK");
	fake_answer(&fk, "GET /v1.41/containers/json", 200, "1.41", "application/json",
	            "[{\"Id\":\"p1\",\"Names\":[\"/mailcowdockerized-postfix-mailcow-1\"],\"State\":\"running\","
	            "\"Labels\":{\"com.docker.compose.project\":\"mailcowdockerized\",\"com.docker.compose.service\":\"postfix-mailcow\"}}]");
	fk.routes[fk.n_routes - 1].delay_ms = 300; /* the list answers after the stream */
	const char *events =
	    "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"n1\",\"Attributes\":{\"container\":\"p1\",\"name\":\"netgrimoire\"}}}\n"
	    "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"n1\",\"Attributes\":{\"container\":\"x9\",\"name\":\"netgrimoire\"}}}\n"
	    "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"x9\",\"Attributes\":{\"com.docker.compose.project\":\"other\"}}}\n"
	    "{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"w2\",\"Attributes\":{\"com.docker.compose.project\":\"mailcowdockerized\"}}}\n"
	    "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"n1\",\"Attributes\":{\"container\":\"w2\",\"name\":\"netgrimoire\"}}}\n"
	    "{\"Type\":\"image\",\"Action\":\"pull\",\"Actor\":{\"ID\":\"busybox\"}}\n";
	fake_answer(&fk, "GET /v1.41/events", 200, "1.41", "application/json", events);
	char *host = fake_host(&fk);
	struct config cfg = host_config(host);
	struct fetcher *f = fetcher_new();
	struct order o = {0};
	cr_assert_eq(docker_events_start(f, &cfg, "1.41", on_order_event, &o), 0);
	cr_assert_eq(fetcher_run(f, fetch_now_ms() + T_HANG_MS), 0);
	fetcher_free(f);
	char *all = strv_join(&o.seen, " | ");
	cr_assert_str_eq(all, "container create w2 | network connect w2 | network connect p1 | stream end -",
	                 "%s", all);
	free(all);
	strv_free(&o.seen);
	config_free(&cfg);
	free(host);
	fake_stop(&fk);
}
