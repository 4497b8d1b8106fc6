/* mcon-sim: the stack simulator's command line, start-up (scenario, CA, servers, files,
 * self-check, the ready line), the signal loop, the clean shutdown and the ctl client. */
#include "tests/sim/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/assets.h"

static const char usage_text[] =
	"usage: mcon-sim [--scenario FILE] --dir DIR [--latency-ms N]\n"
	"       mcon-sim ctl DIR COMMAND...\n"
	"\n"
	"Simulates a mailcow-dockerized stack on loopback for mcon: the Docker Engine API on\n"
	"DIR/docker.sock, the MailCow API and the MTA-STS policy hosts over HTTPS, and DNS (UDP and\n"
	"TCP) for the scenario's zones. Without --scenario it runs the bundled demo of the runbook's\n"
	"site (hermes, 8 domains behind MXRoute, with a few planted problems).\n"
	"\n"
	"It writes DIR/ca.pem, DIR/api.key (read-write), DIR/api-ro.key (read-only), DIR/mailcow/\n"
	"(the mailcow-dockerized files holding the size limits, Roundcube's config) and DIR/mcon.conf,\n"
	"then prints one line 'ready DIR/mcon.conf' once every service answers. SIGINT or SIGTERM\n"
	"stops it and removes its sockets.\n"
	"\n"
	"  --scenario FILE   scenario JSON (see assets/demo-scenario.json); a bad field is named by its\n"
	"                    path and the exit code is 2\n"
	"  --dir DIR         where the sockets and files go (created if needed)\n"
	"  --latency-ms N    add N ms to every HTTP request and DNS answer\n"
	"\n"
	"Control: `mcon-sim ctl DIR COMMAND...` (or one line per command on DIR/control.sock, e.g.\n"
	"`echo 'fault dns servfail' | socat - UNIX-CONNECT:DIR/control.sock`). Answers start with 'ok'\n"
	"(exit 0) or 'error:' (exit 1).\n"
	"  fault BACKEND KIND [VALUE] [match=PREFIX]\n"
	"      BACKEND: docker, mailcow, mta-sts, dns. match= limits the fault to URL paths starting\n"
	"      with PREFIX (HTTP) or to names at or below PREFIX (DNS).\n"
	"      HTTP kinds: down (listener closed: connection refused), reset (connection closed without\n"
	"      an answer), slow MS, status CODE (e.g. 401, 403, 500 with the service's own error body),\n"
	"      malformed (half the body then bytes no JSON parser takes), truncated (full Content-Length,\n"
	"      half the body, then the connection closes), oversized [BYTES] (default 64 MiB), cut BYTES\n"
	"      (a complete answer of the body's first BYTES bytes).\n"
	"      DNS kinds: down (sockets closed), timeout (queries dropped), slow MS, servfail, refused,\n"
	"      badid (answer with the wrong query id), malformed (a cut-off packet).\n"
	"  fault BACKEND off [KIND] [match=PREFIX]   fault all off\n"
	"  show                                   list the active faults\n"
	"  count BACKEND                          how many requests (HTTP or DNS queries) it served\n"
	"  held BACKEND                           how many HTTP requests a slow fault holds now\n"
	"  stats                                  API calls so far, and those refused for their key\n"
	"  container SERVICE ACTION [NETWORK]\n"
	"      ACTION: stop, start, kill, restart (by the restart policy: RestartCount+1, die + start),\n"
	"      restarting (crash loop), pause, unpause, remove, healthy, unhealthy, starting,\n"
	"      connect NETWORK, disconnect NETWORK; each emits the events dockerd emits.\n"
	"  dns add NAME TYPE DATA                 publish a record (TXT data unquoted is split in\n"
	"                                         255-byte strings; quoted is taken as written)\n"
	"  dns del NAME [TYPE [DATA]]             remove records (wrong answers: del, then add)\n"
	"  mailq deferred N | mailq clear         set the deferred queue\n"
	"  log SERVICE TEXT                       the container writes a line (followers see it)\n"
	"  ping, help\n";

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void free_domain(struct sim_domain *d)
{
	free(d->name);
	free(d->description);
	free(d->created);
	free(d->modified);
	json_decref(d->tags);
	free(d->dkim_selector);
	free(d->dkim_pubkey);
	free(d->sts_version);
	free(d->sts_mode);
	free(d->sts_mx);
	free(d->sts_id);
	free(d);
}

void sim_free_state(void)
{
	for (size_t i = 0; i < sim.execs.n; i++) {
		struct sim_exec *e = sim.execs.v[i];
		free(e->id);
		strv_free(&e->cmd);
		free(e);
	}
	free(sim.execs.v);
	for (size_t i = 0; i < sim.containers.n; i++)
		container_free(sim.containers.v[i]);
	free(sim.containers.v);
	for (size_t i = 0; i < sim.nets.n; i++)
		net_free(sim.nets.v[i]);
	free(sim.nets.v);
	for (size_t i = 0; i < sim.domains.n; i++)
		free_domain(sim.domains.v[i]);
	free(sim.domains.v);
	for (size_t i = 0; i < sim.mailboxes.n; i++) {
		struct sim_mailbox *m = sim.mailboxes.v[i];
		free(m->username);
		free(m->name);
		free(m->domain);
		free(m->created);
		free(m->modified);
		free(m);
	}
	free(sim.mailboxes.v);
	for (size_t i = 0; i < sim.aliases.n; i++) {
		struct sim_alias *a = sim.aliases.v[i];
		free(a->address);
		free(a->go_to);
		free(a->domain);
		free(a->public_comment);
		free(a->private_comment);
		free(a->created);
		free(a->modified);
		free(a);
	}
	free(sim.aliases.v);
	for (size_t i = 0; i < sim.relayhosts.n; i++) {
		struct sim_relayhost *h = sim.relayhosts.v[i];
		free(h->hostname);
		free(h->username);
		if (h->password)
			explicit_bzero(h->password, strlen(h->password));
		free(h->password);
		free(h);
	}
	free(sim.relayhosts.v);
	for (size_t i = 0; i < sim.mailq.n; i++) {
		struct sim_qitem *q = sim.mailq.v[i];
		free(q->queue_name);
		free(q->queue_id);
		free(q->sender);
		strv_free(&q->recipients);
		free(q);
	}
	free(sim.mailq.v);
	for (size_t i = 0; i < sim.planted.n; i++) {
		struct planted *p = sim.planted.v[i];
		free(p->check);
		free(p->target);
		free(p);
	}
	free(sim.planted.v);
	for (size_t i = 0; i < ARRAY_SIZE(sim.ev_ring); i++)
		json_decref(sim.ev_ring[i]);
	json_decref(sim.logs);
	json_decref(sim.config);
	json_decref(sim.limits);
	json_decref(sim.roundcube);
	shorthand_free(&sim.publish);
	dns_free();
	fault_free_all();
	free(sim.site);
	free(sim.project);
	free(sim.working_dir);
	free(sim.compose_version);
	free(sim.hostname);
	free(sim.mailcow_version);
}

/* "1A2B3C-4D5E6F-A1B2C3-D4E5F6-0A1B2C", the form MailCow's admin_api() makes */
static void make_api_key(char out[40])
{
	char hex[31];
	random_hex(hex, 30);
	size_t o = 0;
	for (int g = 0; g < 5; g++) {
		if (g)
			out[o++] = '-';
		for (int i = 0; i < 6; i++) {
			char c = hex[g * 6 + i];
			out[o++] = c >= 'a' && c <= 'f' ? (char)(c - 'a' + 'A') : c;
		}
	}
	out[o] = '\0';
}

/* How long a start-up probe waits: the added latency, then a bound only a hang reaches
 * (a loaded machine answers slowly, and a probe that gives up early fails the start). */
static int probe_wait_ms(void)
{
	return (int)sim.latency_ms + 30000;
}

static bool probe_docker(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/docker.sock", sim.dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = false;
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		static const char req[] = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
		char buf[64] = "";
		if (write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1) {
			struct pollfd pf = {.fd = fd, .events = POLLIN};
			if (poll(&pf, 1, probe_wait_ms()) > 0 && read(fd, buf, sizeof(buf) - 1) > 12)
				ok = strstr(buf, " 200 ") != NULL;
		}
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static bool probe_tcp(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static bool probe_dns(void)
{
	ldns_pkt *q = NULL;
	const char *zone = sim.zones.n ? sim.zones.v[0] : ".";
	if (ldns_pkt_query_new_frm_str(&q, zone, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0) != LDNS_STATUS_OK)
		return false;
	ldns_pkt_set_id(q, 4242);
	uint8_t *wire = NULL;
	size_t len = 0;
	bool ok = false;
	if (ldns_pkt2wire(&wire, q, &len) == LDNS_STATUS_OK) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)sim.dns_port)};
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		uint8_t buf[4096];
		if (fd >= 0 && sendto(fd, wire, len, 0, (struct sockaddr *)&sa, sizeof(sa)) == (ssize_t)len) {
			struct pollfd pf = {.fd = fd, .events = POLLIN};
			ssize_t n;
			if (poll(&pf, 1, probe_wait_ms()) > 0 && (n = recv(fd, buf, sizeof(buf), 0)) >= 12)
				ok = buf[0] == (4242 >> 8) && buf[1] == (4242 & 255);
		}
		if (fd >= 0)
			close(fd);
		free(wire);
	}
	ldns_pkt_free(q);
	return ok;
}

static int fail(int code, char *msg)
{
	fprintf(stderr, "mcon-sim: %s\n", msg);
	free(msg);
	return code;
}

static void shutdown_all(void)
{
	sim.stopping = 1;
	pthread_mutex_lock(&sim.lock);
	pthread_cond_broadcast(&sim.ev_cond);
	pthread_mutex_unlock(&sim.lock);
	control_stop();
	servers_stop();
	dns_stop();
	docker_free();
	pthread_mutex_lock(&sim.lock);
	sim_free_state();
	pthread_mutex_unlock(&sim.lock);
	tls_free();
	free(sim.scenario_name);
}

int main(int argc, char **argv)
{
	const char *scenario = NULL, *dir = NULL;
	long latency = 0;
	if (argc >= 2 && strcmp(argv[1], "ctl") == 0) {
		if (argc < 4) {
			fprintf(stderr, "mcon-sim: usage: mcon-sim ctl DIR COMMAND... (see mcon-sim --help)\n");
			return 2;
		}
		return control_client(argv[2], argc - 3, argv + 3);
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("mcon-sim %s\n", MCON_VERSION);
			return 0;
		} else if ((strcmp(a, "--scenario") == 0 || strcmp(a, "--dir") == 0 || strcmp(a, "--latency-ms") == 0) &&
			   i + 1 < argc) {
			const char *v = argv[++i];
			if (a[2] == 's')
				scenario = v;
			else if (a[2] == 'd')
				dir = v;
			else {
				char *end;
				latency = strtol(v, &end, 10);
				if (*end || latency < 0 || latency > 600000) {
					fprintf(stderr, "mcon-sim: --latency-ms '%s' is not a delay from 0 to 600000 ms\n", v);
					return 2;
				}
			}
		} else if (str_starts_with(a, "--scenario=")) {
			scenario = a + 11;
		} else if (str_starts_with(a, "--dir=")) {
			dir = a + 6;
		} else {
			fprintf(stderr, "mcon-sim: unknown argument '%s' (see mcon-sim --help)\n", a);
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "mcon-sim: --dir DIR is required (see mcon-sim --help)\n");
		return 2;
	}

	/* every thread inherits this mask; the main thread takes the signals with sigtimedwait */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	(void)on_signal;

	pthread_mutex_init(&sim.lock, NULL);
	pthread_cond_init(&sim.ev_cond, NULL);
	sim.latency_ms = latency;
	sim_now_ns();

	char *text;
	if (scenario) {
		size_t len;
		text = file_read(scenario, 16u << 20, &len);
		if (!text)
			return fail(2, xasprintf("%s: %s", scenario, strerror(errno)));
		sim.scenario_name = xstrdup(scenario);
	} else {
		const struct asset *a = asset_find("demo-scenario.json");
		if (!a)
			return fail(1, xstrdup("the bundled demo-scenario.json is missing from this build"));
		text = xstrdup(a->data);
		sim.scenario_name = xstrdup("demo-scenario.json");
	}
	if (mkdir_p(dir, 0755) < 0) {
		free(text);
		return fail(2, xasprintf("cannot create %s: %s", dir, strerror(errno)));
	}
	char real[PATH_MAX];
	if (!realpath(dir, real)) {
		free(text);
		return fail(2, xasprintf("%s: %s", dir, strerror(errno)));
	}
	sim.dir = xstrdup(real);

	char *err = NULL;
	if (tls_init(&err) < 0) {
		free(text);
		return fail(1, err ? err : xstrdup("cannot set up TLS"));
	}
	pthread_mutex_lock(&sim.lock);
	int rc = scenario_load(text, sim.scenario_name, &err);
	pthread_mutex_unlock(&sim.lock);
	free(text);
	if (rc < 0) {
		shutdown_all();
		free(sim.dir);
		return fail(2, err);
	}
	make_api_key(sim.api_key_rw);
	make_api_key(sim.api_key_ro);

	if (dns_start(&err) < 0 || docker_start(&err) < 0 || mailcow_start(&err) < 0 || mtasts_start(&err) < 0 ||
	    control_start(&err) < 0 || files_write(&err) < 0) {
		shutdown_all();
		free(sim.dir);
		return fail(1, err ? err : xstrdup("cannot start"));
	}
	if (!probe_docker() || !probe_tcp(sim.servers[BE_MAILCOW]->port) || !probe_tcp(sim.servers[BE_MTASTS]->port) ||
	    !probe_dns()) {
		shutdown_all();
		free(sim.dir);
		return fail(1, xstrdup("a service did not answer its start-up probe"));
	}
	printf("ready %s/mcon.conf\n", sim.dir);
	fflush(stdout);

	while (!got_signal) {
		struct timespec ts = {0, 200000000};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		state_tick();
	}
	shutdown_all();
	free(sim.dir);
	return 0;
}
