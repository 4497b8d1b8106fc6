/* The Docker client against a real dockerd (tests/fixtures/dockerd.sh: any engine from
 * bookworm's 20.10 (API 1.41) on, a single-node swarm, the overlay netgrimoire and a fake
 * mailcow project). The collection must show exactly the fixture; the events stream must see
 * a health change and a network connect of a new service; logs must come back with the
 * framing of each container's Tty. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/docker.h"
#include "tests/support/hang.h"

#define PROJECT "mailcowdockerized"

static const char *docker_host(void)
{
	const char *h = getenv("MCON_TEST_DOCKER_HOST");
	cr_assert(h && *h, "MCON_TEST_DOCKER_HOST is not set: run the tests through tests/run (fixture dockerd)");
	return h;
}

static struct config live_config(void)
{
	struct config cfg = {0};
	char *err = NULL;
	char *text = xasprintf("[docker]\nhost = %s\nproject = " PROJECT "\n", docker_host());
	cr_assert_eq(config_load_string(&cfg, text, "test.conf", &err), 0, "%s", err ? err : "");
	free(text);
	return cfg;
}

/* The daemon's own Api-Version header, asked with curl (caller frees). */
static char *daemon_api_version(void)
{
	const char *h = docker_host();
	cr_assert(str_starts_with(h, "unix://"), "%s", h);
	char *cmd = xasprintf("curl -sfI --unix-socket '%s' http://d/_ping | tr -d '\\r' | "
			      "sed -n 's/^[Aa]pi-[Vv]ersion: //p'", h + strlen("unix://"));
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char line[64] = "";
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/* Runs the docker CLI against the fixture; returns its first output line (caller frees). */
static char *docker_cli(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *args = xvasprintf(fmt, ap);
	va_end(ap);
	char *cmd = xasprintf("docker -H '%s' %s 2>&1", docker_host(), args);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	/* The first line that is not one of the daemon's warnings (IPv4 forwarding is off in
	 * the fixture's namespace). */
	char line[512] = "", buf[512];
	while (fgets(buf, sizeof(buf), p))
		if (!line[0] && !str_starts_with(buf, "WARNING:"))
			memcpy(line, buf, sizeof(line));
	int rc = pclose(p);
	cr_assert_eq(rc, 0, "%s failed: %s", cmd, line);
	line[strcspn(line, "\n")] = '\0';
	free(cmd);
	free(args);
	return xstrdup(line);
}

static const struct container *by_service(const struct docker_state *d, const char *service)
{
	for (size_t i = 0; i < d->n_containers; i++)
		if (d->containers[i].service && strcmp(d->containers[i].service, service) == 0)
			return &d->containers[i];
	cr_assert_fail("no container of service %s", service);
	return NULL;
}

static const struct net_attach *attach(const struct container *c, const char *net)
{
	for (size_t i = 0; i < c->n_nets; i++)
		if (strcmp(c->nets[i].network, net) == 0)
			return &c->nets[i];
	cr_assert_fail("%s is not attached to %s", c->service, net);
	return NULL;
}

static void check_fixture_state(const struct docker_state *d)
{
	cr_assert_not(d->err.failed, "%s: %s", d->err.what, d->err.why);
	/* any engine will do: the version spoken is the daemon's own (its Api-Version header,
	 * read here with curl) capped at ours, 1.47, and never below the 1.41 mcon needs */
	cr_assert_not_null(d->api_version);
	int major = 0, minor = 0;
	cr_assert_eq(sscanf(d->api_version, "%d.%d", &major, &minor), 2, "%s", d->api_version);
	cr_assert(major == 1 && minor >= 41 && minor <= 47, "API %s is not within 1.41 to 1.47", d->api_version);
	char *daemon = daemon_api_version();
	int dmajor = 0, dminor = 0;
	cr_assert_eq(sscanf(daemon, "%d.%d", &dmajor, &dminor), 2, "the daemon's Api-Version: '%s'", daemon);
	int want_minor = dmajor > 1 || dminor > 47 ? 47 : dminor;
	cr_assert_eq(minor, want_minor, "the daemon speaks %s, mcon chose %s", daemon, d->api_version);
	free(daemon);
	cr_assert(d->server_version && *d->server_version, "no server version");

	/* exactly the project's five services, sorted, another project's container left out */
	const char *want[] = {"acme-mailcow", "clamd-mailcow", "dovecot-mailcow", "nginx-mailcow", "postfix-mailcow"};
	cr_assert_eq(d->n_containers, ARRAY_SIZE(want), "%zu containers", d->n_containers);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct container *c = &d->containers[i];
		cr_assert_str_eq(c->service, want[i]);
		char *name = xasprintf(PROJECT "-%s-1", want[i]);
		cr_assert_str_eq(c->name, name);
		free(name);
		cr_assert(c->inspected, "%s: %s", c->service, c->inspect_err);
		cr_assert_null(c->inspect_err);
		cr_assert_str_eq(c->image, "mcbusybox:test");
		cr_assert_eq(strlen(c->id), 64);
	}

	const struct container *acme = by_service(d, "acme-mailcow");
	cr_assert_str_eq(acme->state, "exited", "all=1 lists stopped containers");
	cr_assert_eq(acme->exit_code, 3);
	cr_assert_eq(acme->health, HEALTH_NONE);
	cr_assert_gt(acme->finished_at, 0);

	const struct container *clamd = by_service(d, "clamd-mailcow");
	cr_assert_str_eq(clamd->state, "running");
	cr_assert_eq(clamd->health, HEALTH_UNHEALTHY);
	cr_assert_str_eq(clamd->health_output, "clamd: connection refused", "the last probe's output");
	cr_assert_geq(clamd->failing_streak, 1);
	cr_assert(strstr(clamd->status_text, "(unhealthy)"), "%s", clamd->status_text);

	const struct container *dovecot = by_service(d, "dovecot-mailcow");
	cr_assert(dovecot->tty);
	cr_assert_eq(dovecot->health, HEALTH_NONE, "no healthcheck");
	cr_assert_null(dovecot->health_output);

	const struct container *nginx = by_service(d, "nginx-mailcow");
	cr_assert_str_eq(nginx->state, "running");
	cr_assert_eq(nginx->restart_count, 1, "restarted once by its policy");
	cr_assert_gt(nginx->started_at, 0);
	cr_assert_eq(nginx->finished_at > 0, true, "it stopped once");
	cr_assert_eq(nginx->n_nets, 2);
	const struct net_attach *a = attach(nginx, PROJECT "_mailcow-network");
	cr_assert_str_eq(a->driver, "bridge");
	cr_assert_str_eq(a->scope, "local");
	cr_assert(strv_contains(&a->aliases, "nginx"));
	cr_assert_not_null(a->ip);
	a = attach(nginx, "netgrimoire");
	cr_assert_str_eq(a->driver, "overlay");
	cr_assert_str_eq(a->scope, "swarm");
	cr_assert(strv_contains(&a->aliases, "nginx-ext"));
	cr_assert_eq(strlen(a->network_id), 25, "a swarm network id: %s", a->network_id);

	const struct container *postfix = by_service(d, "postfix-mailcow");
	cr_assert_eq(postfix->health, HEALTH_HEALTHY);
	cr_assert_str_eq(postfix->health_output, "104857600", "the probe runs postconf");
	cr_assert_not(postfix->tty);
	cr_assert_eq(postfix->restart_count, 0);
	cr_assert_eq(postfix->n_nets, 1);
	cr_assert(strv_contains(&attach(postfix, PROJECT "_mailcow-network")->aliases, "postfix"));

	cr_assert_eq(d->n_networks, 2);
	cr_assert_str_eq(d->networks[0].name, PROJECT "_mailcow-network");
	cr_assert_str_eq(d->networks[0].driver, "bridge");
	for (size_t i = 0; i < d->n_containers; i++) /* the four started containers */
		cr_assert_eq(strv_contains(&d->networks[0].container_ids, d->containers[i].id),
		             strcmp(d->containers[i].state, "running") == 0, "%s", d->containers[i].service);
	cr_assert_str_eq(d->networks[1].name, "netgrimoire");
	cr_assert_str_eq(d->networks[1].driver, "overlay");
	cr_assert_str_eq(d->networks[1].scope, "swarm");
	/* of the project only nginx is on the overlay (Docker may list stale endpoints of removed
	 * containers there, so other ids are not counted) */
	cr_assert(strv_contains(&d->networks[1].container_ids, nginx->id));
	for (size_t i = 0; i < d->n_containers; i++)
		if (&d->containers[i] != nginx)
			cr_assert_not(strv_contains(&d->networks[1].container_ids, d->containers[i].id), "%s",
			              d->containers[i].service);

	cr_assert_not(d->postfix_exec_err.failed, "%s: %s", d->postfix_exec_err.what, d->postfix_exec_err.why);
	cr_assert_eq(d->postfix_size_live, 104857600);
}

struct live_events {
	int n;
	int foreign;                /* events of containers outside the project */
	char *watch_id;             /* the container the test creates */
	char *other_id;             /* a container of no project */
	bool health_seen, connect_seen, start_seen, ended;
	enum health health;
};

static void on_live_event(const struct docker_event *ev, void *ud)
{
	struct live_events *s = ud;
	s->n++;
	if (strcmp(ev->type, "stream") == 0) {
		s->ended = true;
		return;
	}
	if (strcmp(ev->type, "container") == 0 && (!ev->project || strcmp(ev->project, PROJECT) != 0))
		s->foreign++;
	if (s->other_id && ev->container && strcmp(ev->container, s->other_id) == 0)
		s->foreign++;
	if (!s->watch_id || !ev->container || strcmp(ev->container, s->watch_id) != 0)
		return;
	if (ev->is_health) {
		s->health_seen = true;
		s->health = ev->health;
	}
	if (strcmp(ev->type, "container") == 0 && strcmp(ev->action, "start") == 0)
		s->start_seen = true;
	if (strcmp(ev->type, "network") == 0 && strcmp(ev->action, "connect") == 0 && ev->name &&
	    strcmp(ev->name, "netgrimoire") == 0)
		s->connect_seen = true;
}

/* Whatever happened, the containers the events part made are removed. */
static void remove_test_containers(void)
{
	int pid = (int)getpid();
	/* Disconnecting first: removing a container still on a swarm overlay can leave a stale
	 * endpoint in the network's list. */
	char *cmd = xasprintf("for c in mcon-test-other-%d " PROJECT "-watchdog-%d-1; do "
	                      "docker -H '%s' network disconnect -f netgrimoire $c; docker -H '%s' rm -f $c; "
	                      "done >/dev/null 2>&1",
	                      pid, pid, getenv("MCON_TEST_DOCKER_HOST"), getenv("MCON_TEST_DOCKER_HOST"));
	if (system(cmd) < 0)
		perror("system");
	free(cmd);
}

/* One test on purpose: the events part adds a container to the project, which must not run
 * while the collection is compared with the fixture. */
Test(docker_live, collect_then_events, .fini = remove_test_containers)
{
	struct config cfg = live_config();
	struct fetcher *f = fetcher_new();
	struct docker_state d = {0};
	long long t0 = fetch_now_ms();
	docker_collect(f, &cfg, &d);
	cr_assert_eq(fetcher_run(f, t0 + T_HANG_MS), 0);
	check_fixture_state(&d);

	/* events: a new project service with a healthcheck, connected to the overlay */
	struct live_events s = {0};
	cr_assert_eq(docker_events_start(f, &cfg, d.api_version, on_live_event, &s), 0);
	pid_t pid = getpid();
	s.other_id = docker_cli("run -d --name mcon-test-other-%d --network " PROJECT "_mailcow-network mcbusybox:test", (int)pid);
	s.watch_id = docker_cli("run -d --name " PROJECT "-watchdog-%d-1 --label com.docker.compose.project=" PROJECT
	                        " --label com.docker.compose.service=watchdog-%d --health-cmd 'exit 0' --health-interval 1s "
	                        "mcbusybox:test", (int)pid, (int)pid);
	cr_assert_eq(strlen(s.watch_id), 64, "%s", s.watch_id);
	free(docker_cli("network connect netgrimoire %s", s.watch_id));
	free(docker_cli("network connect netgrimoire %s", s.other_id));
	long long deadline = fetch_now_ms() + T_HANG_MS;
	while (!(s.health_seen && s.connect_seen) && !s.ended && fetch_now_ms() < deadline)
		fetcher_step(f, 200);
	cr_assert_not(s.ended, "the stream ended early");
	cr_assert(s.start_seen, "the start of the new service");
	cr_assert(s.health_seen, "a health_status event");
	cr_assert_eq(s.health, HEALTH_HEALTHY);
	cr_assert(s.connect_seen, "the network connect of the new service to netgrimoire (no labels on it)");
	cr_assert_eq(s.foreign, 0, "events of the container outside the project are filtered out");

	fetcher_free(f); /* stops the stream */
	free(s.watch_id);
	free(s.other_id);
	docker_state_free(&d);
	config_free(&cfg);
}

Test(docker_live, logs_follow_the_tty_setting)
{
	struct config cfg = live_config();
	struct container c = {0};
	char *err = NULL;
	cr_assert_eq(docker_inspect(&cfg, NULL, PROJECT "-postfix-mailcow-1", &c, &err), 0, "%s", err ? err : "");
	cr_assert_not(c.tty);
	struct docker_logs l;
	cr_assert_eq(docker_logs(&cfg, NULL, c.id, c.tty, 200, &l), 0, "%s", l.error ? l.error : "");
	bool out = false, errl = false;
	for (size_t i = 0; i < l.n; i++) {
		cr_assert_not_null(l.lines[i].ts, "timestamps=1");
		cr_assert_gt(l.lines[i].time, 0);
		if (strcmp(l.lines[i].text, "postfix/master: daemon started") == 0)
			out = l.lines[i].stream == 1;
		if (strcmp(l.lines[i].text, "postfix/master: warning: test") == 0)
			errl = l.lines[i].stream == 2;
	}
	cr_assert(out, "the stdout line, demultiplexed");
	cr_assert(errl, "the stderr line, demultiplexed");
	docker_logs_free(&l);
	docker_container_free(&c);

	cr_assert_eq(docker_inspect(&cfg, NULL, PROJECT "-dovecot-mailcow-1", &c, &err), 0, "%s", err ? err : "");
	cr_assert(c.tty);
	cr_assert_eq(docker_logs(&cfg, NULL, c.id, c.tty, 10, &l), 0, "%s", l.error ? l.error : "");
	cr_assert_geq(l.n, 1);
	cr_assert_str_eq(l.lines[0].text, "dovecot: master: starting up", "raw TTY output, CR stripped");
	cr_assert_eq(l.lines[0].stream, 0);
	cr_assert_not_null(l.lines[0].ts);
	docker_logs_free(&l);
	docker_container_free(&c);
	config_free(&cfg);
}

struct follow_seen {
	int n, stop_fd;
	bool all_ticks;
};

/* Each line as the follow gives it: the timestamps=1 prefix, then the container's text. */
static void on_follow_line(int stream, const char *line, void *ud)
{
	struct follow_seen *s = ud;
	const char *sp = strchr(line, ' ');
	if (stream != 1 || !sp || sp - line < 20 || line[4] != '-' || !str_starts_with(sp + 1, "tick "))
		s->all_ticks = false;
	if (++s->n == 3) {
		ssize_t w = write(s->stop_fd, "q", 1);
		(void)w;
	}
}

static void remove_follow_container(void)
{
	char *cmd = xasprintf("docker -H '%s' rm -f mcon-test-follow-%d >/dev/null 2>&1", getenv("MCON_TEST_DOCKER_HOST"),
	                      (int)getpid());
	if (system(cmd) < 0)
		perror("system");
	free(cmd);
}

/* The console's R and F: a restart starts the container again; a follow gets the lines the
 * container writes from now on, until its stop pipe is written to. */
Test(docker_live, restart_and_follow, .fini = remove_follow_container)
{
	struct config cfg = live_config();
	char *id = docker_cli("run -d --stop-timeout 1 --name mcon-test-follow-%d mcbusybox:test "
	                      "sh -c 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done'", (int)getpid());
	cr_assert_eq(strlen(id), 64, "%s", id);
	int p[2];
	cr_assert_eq(pipe(p), 0);
	struct follow_seen s = {.stop_fd = p[1], .all_ticks = true};
	char *err = NULL;
	cr_assert_eq(docker_logs_follow(&cfg, id, false, p[0], on_follow_line, &s, &err), 0, "%s", err ? err : "");
	cr_assert_geq(s.n, 3);
	cr_assert(s.all_ticks, "stdout lines with their timestamp");
	close(p[0]);
	close(p[1]);

	struct container before = {0}, after = {0};
	cr_assert_eq(docker_inspect(&cfg, NULL, id, &before, &err), 0, "%s", err ? err : "");
	cr_assert_eq(docker_restart(&cfg, id, &err), 0, "%s", err ? err : "");
	cr_assert_eq(docker_inspect(&cfg, NULL, id, &after, &err), 0, "%s", err ? err : "");
	cr_assert_str_eq(after.state, "running");
	cr_assert_gt(after.started_at, before.started_at, "started again");
	docker_container_free(&before);
	docker_container_free(&after);

	cr_assert_eq(docker_restart(&cfg, "mcon-no-such-container", &err), -1);
	cr_assert(err && strstr(err, "No such container"), "%s", err ? err : "");
	cr_assert(strstr(err, "POST /v"), "%s", err);
	free(err);
	free(id);
	config_free(&cfg);
}
