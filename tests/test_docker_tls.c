/* test_docker_tls: docker.host tcp:// as the docker CLI takes it, against the simulator's Docker
 * API behind socat fronts: one terminating TLS with a test CA and requiring a client certificate
 * (as dockerd --tlsverify does), one plain TCP. The host is named mail.netgrimoire.com, which
 * only the simulator's DNS (dns.servers) resolves; the docker CLI talks to the same TLS front. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/docker.h"
#include "core/util.h"
#include "tests/support/hang.h"
#include "tests/support/simproc.h"
#include "tests/support/testca.h"
#include "tests/support/trun.h"

#define NAME "mail.netgrimoire.com"
/* what `mcon info` says of the demo scenario's Docker (18 containers) */
#define DOCKER_OK "containers in project mailcowdockerized"

static struct simproc *sp;
static struct testca ca, other;
static char *dir, *certs, *nocert, *wrongca;
static pid_t front_tls, front_plain;
static int port_tls, port_plain;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(sa);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		  getsockname(fd, (struct sockaddr *)&sa, &l) == 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static bool port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* Starts socat listen -> the simulator's docker.sock and waits until it accepts. */
static pid_t front(const char *listen, int port)
{
	char *sock = xasprintf("UNIX-CONNECT:%s/docker.sock", sp->dir);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		execlp("socat", "socat", listen, sock, (char *)NULL);
		_exit(127);
	}
	free(sock);
	long long end = now_ms() + T_HANG_MS;
	while (!port_open(port)) {
		cr_assert(waitpid(pid, NULL, WNOHANG) == 0, "socat %s exited", listen);
		cr_assert(now_ms() < end, "socat %s did not listen", listen);
		usleep(20000);
	}
	return pid;
}


static void setup(void)
{
	sp = simproc_start(NULL, NULL);
	cr_assert_not_null(sp, "mcon-sim did not start");
	cr_assert_eq(testca_make(&ca, "DNS:" NAME ",IP:127.0.0.1"), 0);
	cr_assert_eq(testca_make(&other, "DNS:" NAME), 0);
	dir = simproc_tmpdir("docker-tls");
	/* a client certificate from the CA, as dockerd --tlsverify wants */
	char *mk = xasprintf("cd '%s' && exec >/dev/null 2>&1 && openssl req -newkey ec -pkeyopt "
			     "ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr "
			     "-subj /CN=mcon-client && printf 'extendedKeyUsage=clientAuth\\n' > client.ext && "
			     "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
			     "-out client.pem -days 2 -extfile client.ext", ca.dir);
	cr_assert_eq(system(mk), 0, "%s", mk);
	free(mk);
	certs = xasprintf("%s/certs", dir);
	nocert = xasprintf("%s/nocert", dir);
	wrongca = xasprintf("%s/wrongca", dir);
	char *cmd = xasprintf("mkdir -p '%s' '%s' '%s' && cp '%s/ca.pem' '%s/client.pem' '%s/client.key' '%s/' && "
			      "mv '%s/client.pem' '%s/cert.pem' && mv '%s/client.key' '%s/key.pem' && "
			      "cp '%s/ca.pem' '%s/' && cp '%s/cert.pem' '%s/key.pem' '%s/' && cp '%s/ca.pem' '%s/'",
			      certs, nocert, wrongca, ca.dir, ca.dir, ca.dir, certs, certs, certs, certs, certs, ca.dir,
			      nocert, certs, certs, wrongca, other.dir, wrongca);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	free(cmd);
	port_tls = free_port();
	char *l = xasprintf("OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,cert=%s,key=%s,cafile=%s,verify=1",
			    port_tls, ca.cert_file, ca.key_file, ca.ca_file);
	front_tls = front(l, port_tls);
	free(l);
	port_plain = free_port();
	l = xasprintf("TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork", port_plain);
	front_plain = front(l, port_plain);
	free(l);
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static void teardown(void)
{
	stop(front_tls);
	stop(front_plain);
	front_tls = front_plain = 0;
	if (sp)
		cr_expect_eq(simproc_stop(sp), 0);
	sp = NULL;
	testca_free(&ca);
	testca_free(&other);
	if (dir)
		test_rmdir(dir);
	free(dir);
	free(certs);
	free(nocert);
	free(wrongca);
	dir = certs = nocert = wrongca = NULL;
}

TestSuite(docker_tls, .init = setup, .fini = teardown);

/* The simulator's configuration with docker.host replaced (and extra lines under [docker]);
 * caller frees the path. */
static char *conf_with(const char *docker_host, const char *extra)
{
	char *conf = file_read(sp->conf, 1 << 20, NULL);
	cr_assert_not_null(conf);
	char *at = strstr(conf, "\nhost = unix://");
	cr_assert_not_null(at, "%s", conf);
	char *eol = strchr(at + 1, '\n');
	cr_assert_not_null(eol);
	char *text = xasprintf("%.*s\nhost = %s\n%s%s", (int)(at - conf), conf, docker_host, extra ? extra : "",
			       eol + 1);
	static int serial;
	char *path = xasprintf("%s/mcon-%d.conf", dir, ++serial);
	cr_assert_eq(file_write_atomic(path, text, strlen(text), 0600), 0);
	free(text);
	free(conf);
	return path;
}

/* `mcon info`'s docker line with env; caller frees. */
static char *docker_line(const char *conf, const char *const *env)
{
	const char *argv[] = {trun_bin(), "--config", conf, "info", NULL};
	struct trun_opts o = {.env = env};
	struct trun r;
	trun(&r, &o, argv);
	char *line = NULL;
	for (char *p = r.out; p && *p;) {
		char *nl = strchr(p, '\n');
		if (str_starts_with(p, "docker:"))
			line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		p = nl ? nl + 1 : NULL;
	}
	cr_assert_not_null(line, "no docker line: %s\n%s", r.out, r.err);
	trun_free(&r);
	return line;
}

Test(docker_tls, verify_with_the_client_certificate_by_name_through_dns_servers)
{
	char *h = xasprintf("tcp://" NAME ":%d", port_tls);
	char *conf = conf_with(h, NULL);
	char *cp = xasprintf("DOCKER_CERT_PATH=%s", certs);
	const char *env[] = {"DOCKER_TLS_VERIFY=1", cp, "DOCKER_TLS", NULL};
	char *line = docker_line(conf, env);
	cr_expect(strstr(line, "18 " DOCKER_OK), "%s", line);
	cr_expect(strstr(line, h), "%s", line);
	free(line);
	free(cp);
	free(conf);
	free(h);
}

/* The console's container actions (restart) take the same endpoint: TLS with the client
 * certificate, the name through dns.servers. Without them the request would go out plain. */
Test(docker_tls, restart_goes_through_the_same_tls_endpoint)
{
	char *h = xasprintf("tcp://" NAME ":%d", port_tls);
	char *conf = conf_with(h, NULL);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", certs, 1);
	unsetenv("DOCKER_TLS");
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load(&cfg, conf, &err), 0, "%s", err ? err : "");
	cr_expect_eq(docker_restart(&cfg, "mailcowdockerized-postfix-mailcow-1", &err), 0, "restart over TLS: %s", err ? err : "");
	free(err);
	err = NULL;
	/* the same daemon without the client certificate refuses the restart */
	setenv("DOCKER_CERT_PATH", nocert, 1); /* the CA alone, no client certificate */
	cr_expect_eq(docker_restart(&cfg, "mailcowdockerized-postfix-mailcow-1", &err), -1, "a restart without the client certificate");
	free(err);
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	config_free(&cfg);
	free(conf);
	free(h);
}

Test(docker_tls, without_a_client_certificate_the_daemon_refuses)
{
	char *h = xasprintf("tcp://" NAME ":%d", port_tls);
	char *conf = conf_with(h, NULL);
	char *cp = xasprintf("DOCKER_CERT_PATH=%s", nocert);
	const char *env[] = {"DOCKER_TLS_VERIFY=1", cp, "DOCKER_TLS", NULL};
	char *line = docker_line(conf, env);
	cr_expect_null(strstr(line, DOCKER_OK), "%s", line);
	/* the daemon closes the connection (or, depending on timing, the client reads its alert first) */
	bool reset = strstr(line, "Connection reset by peer") &&
		     strstr(line, "client certificate, cert.pem and key.pem in DOCKER_CERT_PATH");
	cr_expect(reset || strstr(line, "certificate required"), "%s", line);
	free(line);
	free(cp);
	free(conf);
	free(h);
}

/* Another CA: DOCKER_TLS_VERIFY refuses the daemon's certificate, DOCKER_TLS alone does not check it. */
Test(docker_tls, verify_checks_the_daemon_certificate_and_docker_tls_does_not)
{
	char *h = xasprintf("tcp://" NAME ":%d", port_tls);
	char *conf = conf_with(h, NULL);
	char *cp = xasprintf("DOCKER_CERT_PATH=%s", wrongca);
	const char *verify[] = {"DOCKER_TLS_VERIFY=1", cp, "DOCKER_TLS", NULL};
	char *line = docker_line(conf, verify);
	cr_expect_null(strstr(line, DOCKER_OK), "%s", line);
	cr_expect(strstr(line, "certificate"), "%s", line);
	free(line);
	const char *noverify[] = {"DOCKER_TLS_VERIFY", "DOCKER_TLS=1", cp, NULL};
	line = docker_line(conf, noverify);
	cr_expect(strstr(line, "18 " DOCKER_OK), "%s", line);
	free(line);
	free(cp);
	free(conf);
	free(h);
}

Test(docker_tls, plain_tcp_to_a_remote_host_is_refused_unless_allowed)
{
	const char *env[] = {"DOCKER_TLS_VERIFY", "DOCKER_TLS", NULL};
	char *h = xasprintf("tcp://" NAME ":%d", port_plain);
	char *conf = conf_with(h, NULL);
	char *line = docker_line(conf, env);
	cr_expect(strstr(line, "plain TCP"), "%s", line);
	cr_expect(strstr(line, "docker.allow_plain_tcp"), "%s", line);
	cr_expect_null(strstr(line, DOCKER_OK), "%s", line);
	free(line);
	free(conf);
	conf = conf_with(h, "allow_plain_tcp = true\n");
	line = docker_line(conf, env);
	cr_expect(strstr(line, "18 " DOCKER_OK), "%s", line);
	free(line);
	free(conf);
	free(h);
	/* loopback by address needs no permission */
	h = xasprintf("tcp://127.0.0.1:%d", port_plain);
	conf = conf_with(h, NULL);
	line = docker_line(conf, env);
	cr_expect(strstr(line, "18 " DOCKER_OK), "%s", line);
	free(line);
	free(conf);
	free(h);
}

/* The docker CLI talks to the same TLS front with the same files. */
Test(docker_tls, the_docker_cli_talks_to_the_tls_front)
{
	int st;
	char *out = simproc_sh(sp, &st, "DOCKER_HOST=tcp://127.0.0.1:%d DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH='%s' "
				 "docker ps --format '{{.Names}}' 2>&1", port_tls, certs);
	cr_expect_eq(st, 0, "%s", out);
	cr_expect(strstr(out, "mailcowdockerized-postfix-mailcow-1"), "%s", out);
	free(out);
}
