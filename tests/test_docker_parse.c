/* Units for the pure half of the Docker client, on responses captured from dockerd 20.10
 * and podman 4.3.1 (tests/data/docker): JSON, version negotiation, errors, stream framing
 * split at every byte, the events parser fed at every split point, logs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/docker.h"

#define DATA "tests/data/docker/"

static char *slurp(const char *name, size_t *len)
{
	char *path = xasprintf(DATA "%s", name);
	size_t l = 0;
	char *s = file_read(path, 0, &l);
	cr_assert_not_null(s, "cannot read %s (run the tests from the repository root): %s", path, strerror(errno));
	free(path);
	if (len)
		*len = l;
	return s;
}

static const struct net_attach *find_net(const struct container *c, const char *name)
{
	for (size_t i = 0; i < c->n_nets; i++)
		if (strcmp(c->nets[i].network, name) == 0)
			return &c->nets[i];
	return NULL;
}

/* ---- version negotiation ---- */

Test(docker_version, numeric_comparison)
{
	cr_assert_lt(docker_version_cmp("1.9", "1.41"), 0, "1.9 is older than 1.41 (not a string compare)");
	cr_assert_gt(docker_version_cmp("1.41", "1.9"), 0);
	cr_assert_eq(docker_version_cmp("1.41", "1.41"), 0);
	cr_assert_gt(docker_version_cmp("2.0", "1.47"), 0);
	cr_assert_lt(docker_version_cmp("1.100", "2.1"), 0);
	cr_assert_gt(docker_version_cmp("1.100", "1.47"), 0);
	int ma, mi;
	cr_assert(docker_version_parse("1.47", &ma, &mi));
	cr_assert_eq(ma, 1);
	cr_assert_eq(mi, 47);
	cr_assert_not(docker_version_parse("1.47.1", &ma, &mi));
	cr_assert_not(docker_version_parse("v1.47", &ma, &mi));
	cr_assert_not(docker_version_parse("1.", &ma, &mi));
	cr_assert_not(docker_version_parse("", &ma, &mi));
}

static char *negotiated(const char *header)
{
	char *v = NULL, *err = NULL;
	int rc = docker_negotiate(header, &v, &err);
	cr_assert_eq(rc, 0, "negotiation with %s failed: %s", header ? header : "(no header)", err ? err : "");
	return v;
}

static char *refused(const char *header)
{
	char *v = NULL, *err = NULL;
	int rc = docker_negotiate(header, &v, &err);
	cr_assert_eq(rc, -1, "%s should be refused, got %s", header ? header : "(no header)", v ? v : "");
	cr_assert_null(v);
	cr_assert_not_null(err);
	return err;
}

Test(docker_version, negotiation)
{
	char *v;
	v = negotiated("1.41"); /* dockerd 20.10, podman */
	cr_assert_str_eq(v, "1.41");
	free(v);
	v = negotiated("1.47");
	cr_assert_str_eq(v, "1.47");
	free(v);
	v = negotiated("1.52"); /* Docker 29: ours is the lower */
	cr_assert_str_eq(v, "1.47");
	free(v);
	v = negotiated("1.44");
	cr_assert_str_eq(v, "1.44");
	free(v);
	v = negotiated("1.100");
	cr_assert_str_eq(v, "1.47", "1.100 is newer than 1.47 numerically");
	free(v);

	char *e = refused("1.40");
	cr_assert(strstr(e, "1.40") && strstr(e, "too old") && strstr(e, "1.41"), "%s", e);
	free(e);
	e = refused("1.9"); /* a string compare would take "1.9" > "1.41" */
	cr_assert(strstr(e, "1.9 is too old"), "%s", e);
	free(e);
	e = refused(NULL); /* no header: 1.24 assumed */
	cr_assert(strstr(e, "1.24") && strstr(e, "no Api-Version header"), "%s", e);
	free(e);
	e = refused("");
	cr_assert(strstr(e, "1.24"), "%s", e);
	free(e);
	e = refused("banana");
	cr_assert(strstr(e, "not a version"), "%s", e);
	free(e);
}

/* ---- endpoint, errors ---- */

Test(docker_endpoint, parse)
{
	struct docker_endpoint ep;
	char *err = NULL;
	cr_assert_eq(docker_endpoint_parse("unix:///var/run/docker.sock", &ep, &err), 0);
	cr_assert_str_eq(ep.unix_socket, "/var/run/docker.sock");
	cr_assert_str_eq(ep.base_url, "http://localhost");
	docker_endpoint_free(&ep);
	cr_assert_eq(docker_endpoint_parse("tcp://10.0.0.5:2376", &ep, &err), 0);
	cr_assert_null(ep.unix_socket);
	cr_assert_str_eq(ep.base_url, "http://10.0.0.5:2376");
	docker_endpoint_free(&ep);
	cr_assert_eq(docker_endpoint_parse("tcp://docker.example", &ep, &err), 0);
	cr_assert_str_eq(ep.base_url, "http://docker.example:2375");
	docker_endpoint_free(&ep);
	cr_assert_eq(docker_endpoint_parse("tcp://[::1]", &ep, &err), 0);
	cr_assert_str_eq(ep.base_url, "http://[::1]:2375");
	docker_endpoint_free(&ep);
	cr_assert_eq(docker_endpoint_parse("tcp://[::1]:2376/", &ep, &err), 0);
	cr_assert_str_eq(ep.base_url, "http://[::1]:2376");
	docker_endpoint_free(&ep);

	cr_assert_eq(docker_endpoint_parse("unix://relative.sock", &ep, &err), -1);
	cr_assert(strstr(err, "absolute path"), "%s", err);
	free(err);
	cr_assert_eq(docker_endpoint_parse("ssh://host", &ep, &err), -1);
	cr_assert(strstr(err, "unix:// or tcp://"), "%s", err);
	free(err);
}

/* docker_endpoint_open with c (no dns.servers): 0 and ep's base_url, or -1 and err; caller frees. */
static char *opened(const char *host, bool allow_plain, int *rc, struct docker_endpoint *ep)
{
	struct config c = {0};
	c.docker_host = (char *)host;
	c.docker_allow_plain_tcp = allow_plain;
	char *err = NULL;
	*rc = docker_endpoint_open(&c, ep, &err);
	return *rc == 0 ? xstrdup(ep->base_url) : err;
}

Test(docker_endpoint, plain_tcp_only_to_loopback_unless_allowed_and_tls_as_the_cli)
{
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_TLS");
	struct docker_endpoint ep;
	int rc;
	const char *loopback[][2] = {{"tcp://127.0.0.1:2375", "http://127.0.0.1:2375"},
				     {"tcp://127.8.9.10", "http://127.8.9.10:2375"},
				     {"tcp://localhost:2375", "http://localhost:2375"},
				     {"tcp://[::1]", "http://[::1]:2375"}};
	for (size_t i = 0; i < 4; i++) {
		char *t = opened(loopback[i][0], false, &rc, &ep);
		cr_expect_eq(rc, 0, "%s: %s", loopback[i][0], t);
		cr_expect_str_eq(t, loopback[i][1]);
		free(t);
		docker_endpoint_free(&ep);
	}
	const char *remote[] = {"tcp://10.0.0.5:2375", "tcp://docker.example", "tcp://[2001:db8::1]:2375",
				"tcp://128.0.0.1"};
	for (size_t i = 0; i < 4; i++) {
		char *t = opened(remote[i], false, &rc, &ep);
		cr_expect_eq(rc, -1, "%s", remote[i]);
		cr_expect(strstr(t, "plain TCP") && strstr(t, "docker.allow_plain_tcp"), "%s", t);
		free(t);
		t = opened(remote[i], true, &rc, &ep);
		cr_expect_eq(rc, 0, "%s: %s", remote[i], t);
		free(t);
		docker_endpoint_free(&ep);
	}
	/* TLS: https, port 2376 by default, the files of DOCKER_CERT_PATH that exist */
	char dir[] = "/tmp/mcon-certs.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *ca = xasprintf("%s/ca.pem", dir), *cert = xasprintf("%s/cert.pem", dir);
	char *key = xasprintf("%s/key.pem", dir);
	cr_assert_eq(file_write_atomic(ca, "x", 1, 0600), 0);
	setenv("DOCKER_CERT_PATH", dir, 1);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	char *t = opened("tcp://10.0.0.5", false, &rc, &ep);
	cr_assert_eq(rc, 0, "%s", t);
	cr_expect_str_eq(t, "https://10.0.0.5:2376");
	cr_expect_str_eq(ep.ca_file, ca);
	cr_expect_null(ep.cert_file);
	cr_expect_not(ep.insecure);
	free(t);
	docker_endpoint_free(&ep);
	cr_assert_eq(file_write_atomic(cert, "x", 1, 0600), 0);
	t = opened("tcp://10.0.0.5:2376", false, &rc, &ep);
	cr_expect_eq(rc, -1);
	cr_expect(strstr(t, "cert.pem without key.pem"), "%s", t);
	free(t);
	cr_assert_eq(file_write_atomic(key, "x", 1, 0600), 0);
	unsetenv("DOCKER_TLS_VERIFY");
	setenv("DOCKER_TLS", "1", 1);
	t = opened("tcp://[2001:db8::1]", false, &rc, &ep);
	cr_assert_eq(rc, 0, "%s", t);
	cr_expect_str_eq(t, "https://[2001:db8::1]:2376");
	cr_expect_str_eq(ep.cert_file, cert);
	cr_expect_str_eq(ep.key_file, key);
	cr_expect(ep.insecure, "DOCKER_TLS alone does not check the daemon's certificate");
	free(t);
	docker_endpoint_free(&ep);
	unsetenv("DOCKER_TLS");
	unsetenv("DOCKER_CERT_PATH");
	unlink(ca);
	unlink(cert);
	unlink(key);
	rmdir(dir);
	free(ca);
	free(cert);
	free(key);
}

Test(docker_errors, error_text)
{
	char *t = docker_error_text(404, "{\"message\":\"No such container: nosuch\"}\n");
	cr_assert_str_eq(t, "HTTP 404: No such container: nosuch");
	free(t);
	/* podman's richer error */
	t = docker_error_text(404, "{\"cause\":\"no such container\",\"message\":\"no container with name or ID \\\"x\\\" found: no such container\",\"response\":404}");
	cr_assert_str_eq(t, "HTTP 404: no container with name or ID \"x\" found: no such container");
	free(t);
	/* dockerd 20.10 sends version errors as plain text */
	t = docker_error_text(400, "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version\n");
	cr_assert_str_eq(t, "HTTP 400: client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version");
	free(t);
	t = docker_error_text(500, "");
	cr_assert_str_eq(t, "HTTP 500");
	free(t);
	/* control characters never reach the terminal; long bodies are cut */
	t = docker_error_text(502, "bad\x1b[31m gateway\r\n");
	cr_assert_null(strchr(t, '\x1b'));
	cr_assert_null(strchr(t, '\r'));
	free(t);
	char big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	t = docker_error_text(500, big);
	cr_assert_lt(strlen(t), 320);
	cr_assert(str_ends_with(t, "..."));
	free(t);
}

Test(docker_errors, connect_hints)
{
	char *t = docker_connect_error("unix:///var/run/docker.sock", ENOENT, NULL);
	cr_assert_str_eq(t, "cannot connect to unix:///var/run/docker.sock: No such file or directory "
	                    "(is Docker running? set docker.host)");
	free(t);
	t = docker_connect_error("unix:///var/run/docker.sock", EACCES, NULL);
	cr_assert(strstr(t, "Permission denied") && strstr(t, "docker group"), "%s", t);
	free(t);
	t = docker_connect_error("tcp://127.0.0.1:2375", ECONNREFUSED, "Failed to connect");
	cr_assert(strstr(t, "Connection refused") && strstr(t, "is Docker running?"), "%s", t);
	free(t);
	t = docker_connect_error("tcp://127.0.0.1:2375", 0, "Could not resolve host: nohost");
	cr_assert(strstr(t, "Could not resolve host"), "%s", t);
	free(t);
}

/* ---- list ---- */

Test(docker_json, list_dockerd)
{
	char *j = slurp("sample-dockerd-20.10-containers-json.json", NULL);
	struct container *cs;
	size_t n;
	char *err = NULL;
	cr_assert_eq(docker_parse_list(j, "mailcowdockerized", &cs, &n, &err), 0, "%s", err);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(cs[0].name, "mailcowdockerized-nginx-mailcow-1", "the leading / is dropped");
	cr_assert_str_eq(cs[0].service, "nginx-mailcow");
	cr_assert_str_eq(cs[0].state, "running");
	cr_assert_str_eq(cs[0].image, "mcbusybox:test");
	cr_assert_eq(cs[0].health, HEALTH_NONE);
	cr_assert_not(cs[0].inspected);
	cr_assert_eq(cs[0].n_nets, 2);
	const struct net_attach *a = find_net(&cs[0], "netgrimoire");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->ip, "172.18.0.2");
	cr_assert_str_eq(a->network_id, "104323fbc61f06eb24e9af80f3a7e83f69c8b6397b59926ec4a2225ba9057083");
	cr_assert_eq(a->aliases.n, 0, "Aliases is null in the list");
	cr_assert_str_eq(cs[1].service, "postfix-mailcow");
	cr_assert_str_eq(cs[1].status_text, "Up 16 seconds (healthy)");
	cr_assert_eq(cs[1].health, HEALTH_HEALTHY, "health from the Status text until inspected");
	for (size_t i = 0; i < n; i++)
		docker_container_free(&cs[i]);
	free(cs);

	/* another project's label: nothing */
	cr_assert_eq(docker_parse_list(j, "otherproject", &cs, &n, &err), 0);
	cr_assert_eq(n, 0);
	free(cs);
	free(j);
}

Test(docker_json, list_podman)
{
	char *j = slurp("sample-podman-4.3.1-containers-json.json", NULL);
	struct container *cs;
	size_t n;
	char *err = NULL;
	cr_assert_eq(docker_parse_list(j, "mailcowdockerized", &cs, &n, &err), 0, "%s", err);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(cs[1].service, "nginx-mailcow");
	cr_assert_not_null(find_net(&cs[1], "netgrimoire"));
	cr_assert_eq(cs[0].health, HEALTH_NONE, "podman's Status has no health text");
	for (size_t i = 0; i < n; i++)
		docker_container_free(&cs[i]);
	free(cs);
	free(j);
}

Test(docker_json, health_from_status_text)
{
	cr_assert_eq(docker_health_from_status("Up 16 seconds (healthy)"), HEALTH_HEALTHY);
	cr_assert_eq(docker_health_from_status("Up 11 seconds (unhealthy)"), HEALTH_UNHEALTHY);
	cr_assert_eq(docker_health_from_status("Up 1 second (health: starting)"), HEALTH_STARTING);
	cr_assert_eq(docker_health_from_status("Exited (0) About a minute ago"), HEALTH_NONE);
	cr_assert_eq(docker_health_from_status(NULL), HEALTH_NONE);
}

/* ---- inspect ---- */

Test(docker_json, inspect_postfix_healthy)
{
	char *j = slurp("sample-dockerd-20.10-inspect-postfix.json", NULL);
	struct container c = {0};
	char *err = NULL;
	cr_assert_eq(docker_parse_inspect(j, &c, &err), 0, "%s", err);
	cr_assert(c.inspected);
	cr_assert_str_eq(c.id, "8143307b94f69a8a7f61b39c5cf187f7bb2716b592ebfa6fe6003c7314bb0390");
	cr_assert_str_eq(c.name, "mailcowdockerized-postfix-mailcow-1");
	cr_assert_str_eq(c.service, "postfix-mailcow");
	cr_assert_str_eq(c.image, "mcbusybox:test", "Config.Image, not the sha256");
	cr_assert_str_eq(c.state, "running");
	cr_assert_eq(c.health, HEALTH_HEALTHY);
	cr_assert_eq(c.failing_streak, 0);
	cr_assert_str_eq(c.health_output, "", "the last probe printed nothing");
	cr_assert_eq(c.restart_count, 0);
	cr_assert_eq(c.started_at, time_parse_rfc3339("2026-11-29T23:52:42Z"));
	cr_assert_eq(c.finished_at, 0, "0001-01-01 means never");
	cr_assert_not(c.tty);
	cr_assert_eq(c.n_nets, 1);
	cr_assert_str_eq(c.nets[0].network, "mailcowdockerized_mailcow-network");
	cr_assert_str_eq(c.nets[0].ip, "172.17.0.2");
	cr_assert_eq(c.nets[0].aliases.n, 2);
	cr_assert_str_eq(c.nets[0].aliases.v[0], "postfix");
	cr_assert_str_eq(c.nets[0].aliases.v[1], "8143307b94f6");
	docker_container_free(&c);
	free(j);
}

Test(docker_json, inspect_nginx_restart_and_overlay)
{
	char *j = slurp("sample-dockerd-20.10-inspect-nginx-overlay.json", NULL);
	struct container c = {0};
	c.status_text = xstrdup("Up 2 minutes"); /* as the list set it */
	char *err = NULL;
	cr_assert_eq(docker_parse_inspect(j, &c, &err), 0, "%s", err);
	cr_assert_str_eq(c.status_text, "Up 2 minutes", "the list's Status survives the inspect");
	cr_assert_eq(c.restart_count, 1);
	cr_assert_eq(c.health, HEALTH_NONE, "no Health object: no healthcheck");
	cr_assert_null(c.health_output);
	cr_assert_eq(c.finished_at, time_parse_rfc3339("2026-11-29T23:52:57Z"));
	cr_assert_eq(c.n_nets, 3);
	cr_assert_str_eq(c.nets[0].network, "mailcowdockerized_mailcow-network", "sorted by name");
	cr_assert_str_eq(c.nets[1].network, "netgrimoire");
	cr_assert_str_eq(c.nets[2].network, "netgrimoire-ov");
	cr_assert_str_eq(c.nets[2].network_id, "sijo5lra4459gw7wspxngwhvm", "a swarm id is 25 characters");
	cr_assert_str_eq(c.nets[1].aliases.v[0], "nginx-ext");
	docker_container_free(&c);
	free(j);
}

Test(docker_json, inspect_podman_quirks)
{
	char *j = slurp("sample-podman-4.3.1-inspect-nginx.json", NULL);
	struct container c = {0};
	char *err = NULL;
	cr_assert_eq(docker_parse_inspect(j, &c, &err), 0, "%s", err);
	cr_assert_eq(c.health, HEALTH_NONE, "podman's Health {\"Status\":\"\"} is none");
	cr_assert_null(c.health_output);
	const struct net_attach *a = find_net(&c, "netgrimoire");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->network_id, "netgrimoire", "podman puts the network name in NetworkID");
	cr_assert_str_eq(c.image, "localhost/mcbusybox:test");
	docker_container_free(&c);
	free(j);
}

Test(docker_json, inspect_unhealthy_with_probe_output)
{
	const char *j =
	    "{\"Id\":\"0c6d9fb3ad9e\",\"Name\":\"/mailcowdockerized-clamd-mailcow-1\",\"RestartCount\":2,"
	    "\"State\":{\"Status\":\"running\",\"ExitCode\":0,\"StartedAt\":\"2026-11-29T23:00:00.5Z\","
	    "\"FinishedAt\":\"0001-01-01T00:00:00Z\",\"Health\":{\"Status\":\"unhealthy\",\"FailingStreak\":4,"
	    "\"Log\":[{\"ExitCode\":1,\"Output\":\"old probe\\n\"},{\"ExitCode\":1,\"Output\":\"clamd: connection refused\\n\"}]}},"
	    "\"Config\":{\"Tty\":true,\"Image\":\"ghcr.io/mailcow/clamd:1.71\",\"Labels\":{\"com.docker.compose.service\":\"clamd-mailcow\"}},"
	    "\"NetworkSettings\":{\"Networks\":{}}}";
	struct container c = {0};
	char *err = NULL;
	cr_assert_eq(docker_parse_inspect(j, &c, &err), 0, "%s", err);
	cr_assert_eq(c.health, HEALTH_UNHEALTHY);
	cr_assert_eq(c.failing_streak, 4);
	cr_assert_str_eq(c.health_output, "clamd: connection refused", "the last probe, newline trimmed");
	cr_assert_eq(c.restart_count, 2);
	cr_assert(c.tty);
	cr_assert_eq(c.n_nets, 0);
	docker_container_free(&c);

	const char *starting = "{\"Id\":\"x\",\"State\":{\"Status\":\"running\",\"Health\":{\"Status\":\"starting\",\"Log\":[]}}}";
	cr_assert_eq(docker_parse_inspect(starting, &c, &err), 0);
	cr_assert_eq(c.health, HEALTH_STARTING);
	cr_assert_null(c.health_output);
	docker_container_free(&c);
}

Test(docker_json, malformed)
{
	struct container c = {0}, *cs;
	size_t n;
	char *err = NULL;
	cr_assert_eq(docker_parse_inspect("{\"Id\": \"abc\", ", &c, &err), -1);
	cr_assert(strstr(err, "malformed JSON"), "%s", err);
	free(err);
	cr_assert_eq(docker_parse_inspect("[1,2]", &c, &err), -1);
	cr_assert(strstr(err, "an object expected"), "%s", err);
	free(err);
	cr_assert_eq(docker_parse_list("{\"message\":\"x\"}", NULL, &cs, &n, &err), -1);
	cr_assert(strstr(err, "an array expected"), "%s", err);
	free(err);
	cr_assert_eq(docker_parse_list("[{\"Id\":", NULL, &cs, &n, &err), -1);
	cr_assert(strstr(err, "malformed JSON in the container list"), "%s", err);
	free(err);
	cr_assert_null(c.id, "a failed parse leaves the container alone");
}

/* ---- networks ---- */

Test(docker_json, network_overlay)
{
	char *j = slurp("sample-dockerd-20.10-network-overlay-swarm.json", NULL);
	struct network n;
	char *err = NULL;
	cr_assert_eq(docker_parse_network(j, &n, &err), 0, "%s", err);
	cr_assert_str_eq(n.name, "netgrimoire-ov");
	cr_assert_str_eq(n.driver, "overlay");
	cr_assert_str_eq(n.scope, "swarm");
	cr_assert_eq(n.container_ids.n, 1, "the lb-netgrimoire-ov pseudo endpoint is skipped");
	cr_assert_str_eq(n.container_ids.v[0], "674a0739986e9985b4d65aa1ec220a8b61689c9924313f9f0d8d285f845c3774");
	docker_network_free(&n);
	free(j);

	j = slurp("sample-podman-4.3.1-network-netgrimoire.json", NULL);
	cr_assert_eq(docker_parse_network(j, &n, &err), 0, "%s", err);
	cr_assert_str_eq(n.driver, "bridge");
	cr_assert_str_eq(n.scope, "local");
	cr_assert_eq(n.container_ids.n, 1);
	docker_network_free(&n);
	free(j);
}

Test(docker_json, network_list)
{
	char *j = slurp("sample-dockerd-20.10-networks.json", NULL);
	struct network *ns;
	size_t n;
	char *err = NULL;
	cr_assert_eq(docker_parse_networks(j, &ns, &n, &err), 0, "%s", err);
	cr_assert_eq(n, 4);
	bool seen_host = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ns[i].name, "host") == 0) {
			seen_host = true;
			cr_assert_str_eq(ns[i].driver, "host");
		}
		docker_network_free(&ns[i]);
	}
	cr_assert(seen_host);
	free(ns);
	free(j);
}

Test(docker_json, exec_inspect)
{
	bool running;
	int code;
	char *err = NULL;
	cr_assert_eq(docker_parse_exec_inspect("{\"ExitCode\":3,\"Running\":false,\"Pid\":12}", &running, &code, &err), 0);
	cr_assert_not(running);
	cr_assert_eq(code, 3);
	cr_assert_eq(docker_parse_exec_inspect("{\"ExitCode\":null,\"Running\":true}", &running, &code, &err), 0);
	cr_assert(running);
	cr_assert_eq(code, -1);
}

/* ---- frames ---- */

struct frames {
	struct buf out, err;
	int calls;
};

static void collect_frames(int stream, const char *p, size_t n, void *ud)
{
	struct frames *f = ud;
	f->calls++;
	buf_append(stream == 2 ? &f->err : &f->out, p, n);
}

/* Feeds data cut at i and j (i <= j) and checks the payloads come out whole. */
static void demux_split(const char *data, size_t len, size_t i, size_t j, const char *want_out, const char *want_err)
{
	struct docker_demux d = {0};
	struct frames f = {0};
	cr_assert_eq(docker_demux_feed(&d, data, i, collect_frames, &f), 0);
	cr_assert_eq(docker_demux_feed(&d, data + i, j - i, collect_frames, &f), 0);
	cr_assert_eq(docker_demux_feed(&d, data + j, len - j, collect_frames, &f), 0);
	cr_assert(docker_demux_complete(&d), "split %zu/%zu", i, j);
	cr_assert_str_eq(buf_cstr(&f.out), want_out, "split %zu/%zu", i, j);
	cr_assert_str_eq(buf_cstr(&f.err), want_err, "split %zu/%zu", i, j);
	buf_free(&f.out);
	buf_free(&f.err);
}

Test(docker_frames, exec_every_split)
{
	size_t len;
	char *data = slurp("sample-dockerd-20.10-exec-start-multiplexed.bin", &len);
	cr_assert_eq(len, 70);
	for (size_t i = 0; i <= len; i++)
		for (size_t j = i; j <= len; j++)
			demux_split(data, len, i, j, "104857600\n", "postconf: warning: bogus: unknown parameter\n");
	/* one byte at a time */
	struct docker_demux d = {0};
	struct frames f = {0};
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(docker_demux_feed(&d, data + i, 1, collect_frames, &f), 0);
	cr_assert(docker_demux_complete(&d));
	cr_assert_str_eq(buf_cstr(&f.out), "104857600\n");
	buf_free(&f.out);
	buf_free(&f.err);

	struct buf out = {0}, err = {0};
	cr_assert_eq(docker_frames_demux(data, len, &out, &err), 0);
	cr_assert_str_eq(buf_cstr(&out), "104857600\n");
	buf_free(&out);
	buf_free(&err);
	/* cut inside the second frame: incomplete */
	cr_assert_eq(docker_frames_demux(data, len - 5, NULL, NULL), -1);
	/* cut inside the first header */
	cr_assert_eq(docker_frames_demux(data, 5, NULL, NULL), -1);
	free(data);
}

Test(docker_frames, logs_every_split)
{
	size_t len;
	char *data = slurp("sample-dockerd-20.10-logs-multiplexed.bin", &len);
	for (size_t i = 0; i <= len; i++)
		for (size_t j = i; j <= len; j++)
			demux_split(data, len, i, j, "2026-11-29T23:53:31.496557492Z out 7\n",
			            "2026-11-29T23:53:31.497202434Z err 7\n");
	free(data);
}

Test(docker_frames, raw_tty_is_not_multiplexed)
{
	size_t len;
	char *data = slurp("sample-podman-4.3.1-exec-start-tty.bin", &len);
	cr_assert_eq(docker_frames_demux(data, len, NULL, NULL), -1, "\"104857600\\r\\n\" has no frame header");
	struct docker_demux d = {0};
	struct frames f = {0};
	cr_assert_eq(docker_demux_feed(&d, data, len, collect_frames, &f), -1);
	cr_assert_eq(f.calls, 0);
	cr_assert_eq(docker_demux_feed(&d, "\x01\0\0\0\0\0\0\x01x", 9, collect_frames, &f), -1, "stays bad");
	free(data);
}

Test(docker_frames, empty_and_large_frames)
{
	/* an empty frame, then a frame whose size needs all four length bytes */
	size_t big = 70000;
	char *data = xmalloc(16 + big);
	memcpy(data, "\x01\0\0\0\0\0\0\0", 8);
	memcpy(data + 8, "\x02\0\0\0\0\x01\x11\x70", 8);
	memset(data + 16, 'e', big);
	struct buf out = {0}, err = {0};
	cr_assert_eq(docker_frames_demux(data, 16 + big, &out, &err), 0);
	cr_assert_eq(out.len, 0);
	cr_assert_eq(err.len, big);
	buf_free(&out);
	buf_free(&err);
	free(data);
}

/* ---- events ---- */

struct seen {
	int n, health, connect, die;
	char *last_action, *last_service, *last_container;
	enum health last_health;
};

static void on_ev(const struct docker_event *ev, void *ud)
{
	struct seen *s = ud;
	s->n++;
	if (ev->is_health) {
		s->health++;
		s->last_health = ev->health;
	}
	if (ev->type && strcmp(ev->type, "network") == 0 && ev->action && strcmp(ev->action, "connect") == 0)
		s->connect++;
	if (ev->action && strcmp(ev->action, "die") == 0)
		s->die++;
	free(s->last_action);
	free(s->last_service);
	free(s->last_container);
	s->last_action = xstrdup(ev->action);
	s->last_service = xstrdup(ev->service);
	s->last_container = xstrdup(ev->container);
}

static void seen_free(struct seen *s)
{
	free(s->last_action);
	free(s->last_service);
	free(s->last_container);
	memset(s, 0, sizeof(*s));
}

Test(docker_events, single_dockerd_events)
{
	char *h = slurp("sample-dockerd-20.10-event-health_status.json", NULL);
	struct seen s = {0};
	cr_assert_eq(docker_event_parse(h, strlen(h), on_ev, &s), 0);
	cr_assert_eq(s.health, 1);
	cr_assert_eq(s.last_health, HEALTH_HEALTHY);
	cr_assert_str_eq(s.last_action, "health_status: healthy");
	cr_assert_str_eq(s.last_service, "postfix-mailcow");
	cr_assert_str_eq(s.last_container, "8143307b94f69a8a7f61b39c5cf187f7bb2716b592ebfa6fe6003c7314bb0390");
	seen_free(&s);
	free(h);

	char *c = slurp("sample-dockerd-20.10-event-network-connect.json", NULL);
	cr_assert_eq(docker_event_parse(c, strlen(c), on_ev, &s), 0);
	cr_assert_eq(s.connect, 1);
	cr_assert_null(s.last_service, "network events carry no labels");
	cr_assert_str_eq(s.last_container, "8143307b94f69a8a7f61b39c5cf187f7bb2716b592ebfa6fe6003c7314bb0390",
	                 "the container attribute, not the network id");
	seen_free(&s);
	free(c);
}

static void check_attrs(const struct docker_event *ev, void *ud)
{
	(void)ud;
	cr_assert_str_eq(ev->type, "container");
	cr_assert_str_eq(docker_event_attr(ev, "exitCode"), "0");
	cr_assert_str_eq(docker_event_attr(ev, "name"), "mailcowdockerized-nginx-mailcow-1");
	cr_assert_str_eq(ev->name, "mailcowdockerized-nginx-mailcow-1");
	cr_assert_str_eq(ev->project, "mailcowdockerized");
	cr_assert_null(docker_event_attr(ev, "nosuch"));
	cr_assert_eq(ev->time, 1795996377);
	cr_assert_eq(ev->time_nano, 1795996377300606550LL);
	cr_assert_not(ev->is_health);
}

Test(docker_events, attributes)
{
	char *d = slurp("sample-dockerd-20.10-event-die.json", NULL);
	cr_assert_eq(docker_event_parse(d, strlen(d), check_attrs, NULL), 0);
	free(d);
}

Test(docker_events, podman_differences)
{
	char *h = slurp("sample-podman-4.3.1-event-health_status.json", NULL);
	struct seen s = {0};
	cr_assert_eq(docker_event_parse(h, strlen(h), on_ev, &s), 0);
	cr_assert_eq(s.health, 1);
	cr_assert_str_eq(s.last_action, "health_status");
	cr_assert_eq(s.last_health, HEALTH_STARTING, "podman's top-level HealthStatus");
	seen_free(&s);
	free(h);
	char *c = slurp("sample-podman-4.3.1-event-network-connect.json", NULL);
	cr_assert_eq(docker_event_parse(c, strlen(c), on_ev, &s), 0);
	cr_assert_eq(s.connect, 1);
	cr_assert_str_eq(s.last_container, "799b3b788ab7454ab8deb7d6bb82c9b2dffd2ffafdc5cae7bbc8bc31cd306b8e",
	                 "podman's Actor is the container");
	seen_free(&s);
	free(c);
}

/* Every split point of a stream made of the single-event samples. */
Test(docker_events, split_at_every_byte)
{
	const char *files[] = {
	    "sample-dockerd-20.10-event-health_status.json", "sample-dockerd-20.10-event-network-connect.json",
	    "sample-dockerd-20.10-event-die.json", "sample-podman-4.3.1-event-health_status.json",
	    "sample-podman-4.3.1-event-network-connect.json", "sample-podman-4.3.1-event-die.json",
	};
	struct buf all = {0};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *t = slurp(files[i], NULL);
		char *trim = str_trim(t);
		size_t l = strlen(trim);
		while (l && trim[l - 1] == '\n')
			trim[--l] = '\0';
		buf_puts(&all, trim);
		/* newline separated, except the last two run together as some servers send */
		if (i != 4)
			buf_putc(&all, '\n');
		free(t);
	}
	const char *data = buf_cstr(&all);
	size_t len = all.len;
	for (size_t cut = 0; cut <= len; cut++) {
		struct docker_events e;
		struct seen s = {0};
		docker_events_init(&e, on_ev, &s);
		int n1 = docker_events_feed(&e, data, cut);
		int n2 = docker_events_feed(&e, data + cut, len - cut);
		cr_assert_eq(n1 + n2, 6, "cut at %zu: %d + %d events", cut, n1, n2);
		cr_assert_eq(s.n, 6);
		cr_assert_eq(s.health, 2);
		cr_assert_eq(s.connect, 2);
		cr_assert_eq(s.die, 2);
		cr_assert_eq(e.errors, 0);
		cr_assert_eq(e.pending.len, 0);
		docker_events_free(&e);
		seen_free(&s);
	}
	/* and one byte at a time */
	struct docker_events e;
	struct seen s = {0};
	docker_events_init(&e, on_ev, &s);
	for (size_t i = 0; i < len; i++)
		docker_events_feed(&e, data + i, 1);
	cr_assert_eq(s.n, 6);
	docker_events_free(&e);
	seen_free(&s);
	buf_free(&all);
}

static unsigned lcg(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

Test(docker_events, captured_streams_in_random_chunks)
{
	size_t len;
	char *data = slurp("sample-dockerd-20.10-events-stream.jsonl", &len);
	for (unsigned seed = 1; seed <= 5; seed++) {
		struct docker_events e;
		struct seen s = {0};
		docker_events_init(&e, on_ev, &s);
		unsigned st = seed;
		for (size_t off = 0; off < len;) {
			size_t n = 1 + lcg(&st) % (seed * 700);
			if (n > len - off)
				n = len - off;
			docker_events_feed(&e, data + off, n);
			off += n;
		}
		cr_assert_eq(s.n, 475, "seed %u: %d events", seed, s.n);
		cr_assert_eq(s.health, 3);
		cr_assert_eq(s.connect, 9);
		cr_assert_eq(e.errors, 0);
		docker_events_free(&e);
		seen_free(&s);
	}
	free(data);

	data = slurp("sample-podman-4.3.1-events-stream.jsonl", &len);
	struct docker_events e;
	struct seen s = {0};
	docker_events_init(&e, on_ev, &s);
	for (size_t i = 0; i < len; i++)
		docker_events_feed(&e, data + i, 1);
	cr_assert_eq(s.n, 53);
	cr_assert_eq(s.health, 6);
	cr_assert_eq(s.connect, 2);
	docker_events_free(&e);
	seen_free(&s);
	free(data);
}

Test(docker_events, garbage_is_counted_and_skipped)
{
	const char *stream =
	    "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"a\",\"Attributes\":{\"note\":\"} { \\\" ]\"}}}\n"
	    "not json at all\n"
	    "{\"Type\": nope}\n"
	    "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"b\"}}\n";
	struct docker_events e;
	struct seen s = {0};
	docker_events_init(&e, on_ev, &s);
	cr_assert_eq(docker_events_feed(&e, stream, strlen(stream)), 2);
	cr_assert_eq(s.n, 2, "braces and quotes inside strings do not confuse the scanner");
	cr_assert_gt(e.errors, 0);
	cr_assert_str_eq(s.last_action, "die");
	docker_events_free(&e);
	seen_free(&s);
}

/* ---- logs ---- */

Test(docker_logs, multiplexed_with_timestamps)
{
	size_t len;
	char *data = slurp("sample-dockerd-20.10-logs-multiplexed.bin", &len);
	struct docker_logs l;
	cr_assert_eq(docker_logs_parse(data, len, false, true, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.lines[0].stream, 1);
	cr_assert_str_eq(l.lines[0].text, "out 7");
	cr_assert_str_eq(l.lines[0].ts, "2026-11-29T23:53:31.496557492Z");
	cr_assert_eq(l.lines[0].time, time_parse_rfc3339("2026-11-29T23:53:31Z"));
	cr_assert_eq(l.lines[1].stream, 2);
	cr_assert_str_eq(l.lines[1].text, "err 7");
	docker_logs_free(&l);

	/* The same body read as raw (a wrong Tty guess): frame headers stay in the text. */
	cr_assert_eq(docker_logs_parse(data, len, true, true, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_null(l.lines[0].ts, "the frame header hides the timestamp");
	cr_assert_eq(l.lines[0].text[0], '\x01');
	cr_assert_eq(l.lines[0].text[1], '?', "NUL bytes are replaced, not cutting the line");
	docker_logs_free(&l);
	free(data);
}

Test(docker_logs, raw_tty_crlf_and_partial_lines)
{
	const char *raw = "2026-11-29T23:53:31.000000001Z dovecot: master: starting up\r\n"
	                  "2026-11-29T23:53:32Z second\r\nno newline at the end";
	struct docker_logs l;
	cr_assert_eq(docker_logs_parse(raw, strlen(raw), true, true, &l), 0);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.lines[0].text, "dovecot: master: starting up");
	cr_assert_eq(l.lines[0].stream, 0);
	cr_assert_str_eq(l.lines[1].text, "second");
	cr_assert_str_eq(l.lines[1].ts, "2026-11-29T23:53:32Z");
	cr_assert_str_eq(l.lines[2].text, "no newline at the end");
	cr_assert_null(l.lines[2].ts);
	docker_logs_free(&l);

	/* A line split over two frames, and a frame holding two lines. */
	const char mux[] = "\x01\0\0\0\0\0\0\x05hello"
	                   "\x01\0\0\0\0\0\0\x0d world\nline2\n";
	cr_assert_eq(docker_logs_parse(mux, sizeof(mux) - 1, false, false, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.lines[0].text, "hello world");
	cr_assert_str_eq(l.lines[1].text, "line2");
	docker_logs_free(&l);

	cr_assert_eq(docker_logs_parse("plain text\n", 11, false, true, &l), -1);
	cr_assert(strstr(l.error, "not a multiplexed stream"), "%s", l.error);
	docker_logs_free(&l);
}
