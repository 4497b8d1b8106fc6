/* mcon-sim scenario: reads the scenario JSON into the simulator's state, checking every
 * field's type and rejecting unknown keys, so a mistake names its path
 * (".containers[3].networks: expected an array"). */
#include "tests/sim/sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rd {
	const char *file;
	char *err;
};

static bool fail(struct rd *r, const char *path, const char *fmt, ...) ATTR_PRINTF(3, 4);
static bool fail(struct rd *r, const char *path, const char *fmt, ...)
{
	if (r->err)
		return false;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	r->err = xasprintf("%s: %s: %s", r->file, *path ? path : ".", msg);
	free(msg);
	return false;
}

static const char *type_name(int t)
{
	switch (t) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a whole number";
	case JSON_TRUE: return "true or false";
	default: return "a value";
	}
}

/* Every key of obj must be in the comma list allowed. */
static bool keys_check(struct rd *r, json_t *obj, const char *path, const char *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		const char *p = allowed;
		size_t kl = strlen(k);
		bool ok = false;
		while (*p && !ok) {
			const char *e = strchr(p, ',');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			ok = l == kl && strncmp(p, k, l) == 0;
			p += l + (e ? 1 : 0);
		}
		if (!ok)
			return fail(r, path, "unknown key '%s' (expected one of: %s)", k, allowed);
	}
	return true;
}

static bool is_type(json_t *v, int t)
{
	if (t == JSON_TRUE)
		return json_is_boolean(v);
	return json_typeof(v) == (json_type)t;
}

/* The member key of obj with type t; NULL when absent or null (an error when required). */
static json_t *get(struct rd *r, json_t *obj, const char *path, const char *key, int t, bool required)
{
	json_t *v = json_object_get(obj, key);
	char p[512];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (!v || json_is_null(v)) {
		if (required)
			fail(r, p, "missing (expected %s)", type_name(t));
		return NULL;
	}
	if (!is_type(v, t)) {
		fail(r, p, "expected %s", type_name(t));
		return NULL;
	}
	return v;
}

static char *get_str(struct rd *r, json_t *obj, const char *path, const char *key, bool required, const char *def)
{
	json_t *v = get(r, obj, path, key, JSON_STRING, required);
	return xstrdup(v ? json_string_value(v) : def);
}

static long long get_int(struct rd *r, json_t *obj, const char *path, const char *key, long long def)
{
	json_t *v = get(r, obj, path, key, JSON_INTEGER, false);
	return v ? json_integer_value(v) : def;
}

static bool get_bool(struct rd *r, json_t *obj, const char *path, const char *key, bool def)
{
	json_t *v = json_object_get(obj, key);
	if (v && json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		return json_integer_value(v) == 1;
	v = get(r, obj, path, key, JSON_TRUE, false);
	return v ? json_is_true(v) : def;
}

/* A list of strings (or one string) into out. */
static void get_strv(struct rd *r, json_t *obj, const char *path, const char *key, struct strv *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return;
	char p[512];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (json_is_string(v)) {
		strv_push(out, json_string_value(v));
		return;
	}
	if (!json_is_array(v)) {
		fail(r, p, "expected an array of strings");
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			char pe[560];
			snprintf(pe, sizeof(pe), "%s[%zu]", p, i);
			fail(r, pe, "expected a string");
			return;
		}
		strv_push(out, json_string_value(e));
	}
}

static int64_t get_ago(struct rd *r, json_t *obj, const char *path, const char *key, const char *def)
{
	json_t *v = get(r, obj, path, key, JSON_STRING, false);
	const char *s = v ? json_string_value(v) : def;
	long secs = duration_parse(s);
	if (secs < 0) {
		char p[512];
		snprintf(p, sizeof(p), "%s.%s", path, key);
		fail(r, p, "'%s' is not a duration like 90s, 45m, 6h, 3d or 2w", s);
		return 0;
	}
	return sim_now_ns() - (int64_t)secs * 1000000000;
}

/* ---------------------------------------------------------------- docker */

static char *swarm_id(const char *name)
{
	char hex[65];
	char *seed = xasprintf("swarm-network:%s", name);
	sha256_hex(seed, hex);
	free(seed);
	char *id = xmalloc(26);
	for (int i = 0; i < 25; i++) {
		unsigned v = (unsigned)((hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10) * 16 +
					(hex[i + 25] <= '9' ? hex[i + 25] - '0' : hex[i + 25] - 'a' + 10));
		id[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[v % 36];
	}
	id[25] = '\0';
	return id;
}

static void load_networks(struct rd *r, json_t *arr)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		char p[64];
		snprintf(p, sizeof(p), ".networks[%zu]", i);
		if (!json_is_object(o)) {
			fail(r, p, "expected an object");
			return;
		}
		if (!keys_check(r, o, p, "name,id,driver,scope,subnet,gateway,attachable,internal,ingress,labels,options,created_ago,compose"))
			return;
		struct sim_net *n = xcalloc(1, sizeof(*n));
		ptrv_push(&sim.nets, n);
		n->name = get_str(r, o, p, "name", true, NULL);
		n->driver = get_str(r, o, p, "driver", false, "bridge");
		n->scope = get_str(r, o, p, "scope", false, strcmp(n->driver, "overlay") == 0 ? "swarm" : "local");
		n->subnet = get_str(r, o, p, "subnet", false, NULL);
		n->gateway = get_str(r, o, p, "gateway", false, NULL);
		n->attachable = get_bool(r, o, p, "attachable", false);
		n->internal = get_bool(r, o, p, "internal", false);
		n->ingress = get_bool(r, o, p, "ingress", false);
		json_t *labels = get(r, o, p, "labels", JSON_OBJECT, false);
		json_t *options = get(r, o, p, "options", JSON_OBJECT, false);
		n->labels = labels ? json_deep_copy(labels) : json_object();
		n->options = options ? json_deep_copy(options) : json_object();
		if (get_bool(r, o, p, "compose", false) && n->name) {
			size_t pl = strlen(sim.project);
			const char *short_name = strncmp(n->name, sim.project, pl) == 0 && n->name[pl] == '_' ? n->name + pl + 1 : n->name;
			json_object_set_new(n->labels, "com.docker.compose.network", json_string(short_name));
			json_object_set_new(n->labels, "com.docker.compose.project", json_string(sim.project));
			json_object_set_new(n->labels, "com.docker.compose.version", json_string(sim.compose_version));
		}
		if (r->err)
			return;
		if (net_find(n->name) != n) {
			fail(r, p, "network '%s' is listed twice", n->name);
			return;
		}
		char *id = get_str(r, o, p, "id", false, NULL);
		if (!id) {
			char hex[65], *seed = xasprintf("network:%s", n->name);
			sha256_hex(seed, hex);
			free(seed);
			id = strcmp(n->scope, "swarm") == 0 ? swarm_id(n->name) : xstrdup(hex);
		}
		n->id = id;
		char t[48];
		fmt_time_ns(get_ago(r, o, p, "created_ago", "30d"), t);
		n->created = xstrdup(t);
		n->next_host = 2;
	}
}

static void parse_port(struct rd *r, const char *p, const char *spec, json_t *ports)
{
	char ip[64] = "", proto[8] = "tcp";
	unsigned pub = 0, priv = 0;
	char *s = xstrdup(spec), *slash = strchr(s, '/');
	if (slash) {
		snprintf(proto, sizeof(proto), "%s", slash + 1);
		*slash = '\0';
	}
	int n = sscanf(s, "%63[0-9.]:%u:%u", ip, &pub, &priv);
	if (n != 3) {
		ip[0] = '\0';
		n = sscanf(s, "%u:%u", &pub, &priv) == 2 ? 2 : 0;
	}
	free(s);
	if (!n || pub > 65535 || priv > 65535 || (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)) {
		fail(r, p, "'%s' is not a port like 25:25, 127.0.0.1:13306:3306 or 53:53/udp", spec);
		return;
	}
	if (*ip) {
		json_array_append_new(ports, json_pack("{s:s,s:i,s:i,s:s}", "IP", ip, "PrivatePort", priv,
						       "PublicPort", pub, "Type", proto));
	} else {
		json_array_append_new(ports, json_pack("{s:s,s:i,s:i,s:s}", "IP", "0.0.0.0", "PrivatePort", priv,
						       "PublicPort", pub, "Type", proto));
		json_array_append_new(ports, json_pack("{s:s,s:i,s:i,s:s}", "IP", "::", "PrivatePort", priv,
						       "PublicPort", pub, "Type", proto));
	}
}

static json_t *load_healthcheck(struct rd *r, json_t *o, const char *path)
{
	if (!keys_check(r, o, path, "test,interval,timeout,start_period,retries"))
		return NULL;
	json_t *hc = json_object();
	json_t *test = get(r, o, path, "test", JSON_ARRAY, true);
	if (test) {
		size_t i;
		json_t *e;
		json_array_foreach(test, i, e) if (!json_is_string(e)) {
			char p[560];
			snprintf(p, sizeof(p), "%s.test[%zu]", path, i);
			fail(r, p, "expected a string");
		}
		json_object_set(hc, "Test", test);
	}
	static const char *const dur[][2] = {{"interval", "Interval"}, {"timeout", "Timeout"}, {"start_period", "StartPeriod"}};
	for (size_t i = 0; i < ARRAY_SIZE(dur); i++) {
		json_t *v = get(r, o, path, dur[i][0], JSON_STRING, false);
		if (!v)
			continue;
		long s = duration_parse(json_string_value(v));
		if (s < 0) {
			char p[560];
			snprintf(p, sizeof(p), "%s.%s", path, dur[i][0]);
			fail(r, p, "'%s' is not a duration", json_string_value(v));
		}
		json_object_set_new(hc, dur[i][1], json_integer((json_int_t)s * 1000000000));
	}
	long long retries = get_int(r, o, path, "retries", 0);
	if (retries)
		json_object_set_new(hc, "Retries", json_integer(retries));
	return hc;
}

static const char *const default_logs[][2] = {
	{"postfix-mailcow", "postfix/master[310]: daemon started -- version 3.10.1, configuration /etc/postfix"},
	{"dovecot-mailcow", "master: Dovecot v2.3.21.1 (d492236fa0) starting up for imap, pop3, lmtp, sieve"},
	{"rspamd-mailcow", "rspamd_main: rspamd 3.11.1 is loading configuration, build id: release"},
	{"clamd-mailcow", "Sun Nov 29 06:12:30 2026 -> Listening daemon: PID: 1"},
	{"nginx-mailcow", "nginx: [notice] start worker processes"},
	{"unbound-mailcow", "[1:0] info: start of service (unbound 1.21.1)."},
};

static void load_containers(struct rd *r, json_t *arr)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		char p[64];
		snprintf(p, sizeof(p), ".containers[%zu]", i);
		if (!json_is_object(o)) {
			fail(r, p, "expected an object");
			return;
		}
		if (!keys_check(r, o, p, "service,name,image,command,networks,network_mode,state,exit_code,started_ago,"
				"created_ago,health,health_output,healthcheck,restart_count,restart_policy,tty,ports,labels,logs"))
			return;
		struct sim_container *c = xcalloc(1, sizeof(*c));
		ptrv_push(&sim.containers, c);
		c->service = get_str(r, o, p, "service", true, NULL);
		if (r->err)
			return;
		char *defname = xasprintf("%s-%s-1", sim.project, c->service);
		c->name = get_str(r, o, p, "name", false, defname);
		free(defname);
		if (container_find(c->name) != c) {
			fail(r, p, "container '%s' is listed twice", c->name);
			return;
		}
		c->image = get_str(r, o, p, "image", true, NULL);
		if (r->err)
			return;
		char hex[65], *seed = xasprintf("container:%s", c->name);
		sha256_hex(seed, hex);
		free(seed);
		c->id = xstrdup(hex);
		c->hostname = xstrndup(hex, 12);
		seed = xasprintf("image:%s", c->image);
		sha256_hex(seed, hex);
		free(seed);
		c->image_id = xasprintf("sha256:%s", hex);

		struct strv cmd = {0};
		get_strv(r, o, p, "command", &cmd);
		if (!cmd.n)
			strv_push(&cmd, "/docker-entrypoint.sh");
		c->path = xstrdup(cmd.v[0]);
		for (size_t k = 1; k < cmd.n; k++)
			strv_push(&c->args, cmd.v[k]);
		strv_free(&cmd);

		c->state = get_str(r, o, p, "state", false, "running");
		static const char *const states[] = {"created", "running", "paused", "restarting", "exited", "dead"};
		bool ok = false;
		for (size_t k = 0; k < ARRAY_SIZE(states); k++)
			ok |= strcmp(c->state, states[k]) == 0;
		if (!ok) {
			char pp[96];
			snprintf(pp, sizeof(pp), "%s.state", p);
			fail(r, pp, "'%s' is not a container state (created running paused restarting exited dead)", c->state);
			return;
		}
		c->exit_code = (int)get_int(r, o, p, "exit_code", strcmp(c->state, "exited") == 0 ? 0 : 0);
		c->created_ns = get_ago(r, o, p, "created_ago", "30d");
		c->started_ns = get_ago(r, o, p, "started_ago", "6d");
		if (strcmp(c->state, "exited") == 0 || strcmp(c->state, "dead") == 0) {
			c->finished_ns = c->started_ns + 3600000000000LL;
			if (c->finished_ns > sim_now_ns())
				c->finished_ns = sim_now_ns() - 60000000000LL;
		} else if (strcmp(c->state, "created") == 0) {
			c->started_ns = 0;
		} else {
			static int pid = 2100;
			c->pid = pid += 37;
		}
		c->restart_count = (int)get_int(r, o, p, "restart_count", 0);
		c->restart_policy = get_str(r, o, p, "restart_policy", false, "always");
		c->tty = get_bool(r, o, p, "tty", false);

		json_t *hc = get(r, o, p, "healthcheck", JSON_OBJECT, false);
		char hp[96];
		snprintf(hp, sizeof(hp), "%s.healthcheck", p);
		if (hc)
			c->healthcheck = load_healthcheck(r, hc, hp);
		c->health = get_str(r, o, p, "health", false, NULL);
		if (c->health && strcmp(c->health, "healthy") != 0 && strcmp(c->health, "unhealthy") != 0 &&
		    strcmp(c->health, "starting") != 0) {
			snprintf(hp, sizeof(hp), "%s.health", p);
			fail(r, hp, "'%s' is not a health status (healthy unhealthy starting, or null)", c->health);
			return;
		}
		if (c->health && !c->healthcheck)
			c->healthcheck = json_pack("{s:[s,s], s:I, s:I, s:I}", "Test", "CMD-SHELL", "/healthcheck.sh",
						   "Interval", (json_int_t)30000000000LL, "Timeout", (json_int_t)30000000000LL,
						   "Retries", (json_int_t)5);
		if (c->healthcheck && !c->health)
			c->health = xstrdup("healthy");
		if (c->health && strcmp(c->health, "unhealthy") == 0)
			c->failing_streak = 3;
		c->health_output = get_str(r, o, p, "health_output", false, NULL);

		c->ports = json_array();
		struct strv ports = {0};
		get_strv(r, o, p, "ports", &ports);
		for (size_t k = 0; k < ports.n && !r->err; k++) {
			char pp[96];
			snprintf(pp, sizeof(pp), "%s.ports[%zu]", p, k);
			parse_port(r, pp, ports.v[k], c->ports);
		}
		strv_free(&ports);

		/* labels: what Compose sets, then the scenario's own */
		c->labels = json_object();
		char cfg[65], *cs = xasprintf("config:%s", c->service);
		sha256_hex(cs, cfg);
		free(cs);
		char *files = xasprintf("%s/docker-compose.yml", sim.working_dir);
		json_object_set_new(c->labels, "com.docker.compose.config-hash", json_string(cfg));
		json_object_set_new(c->labels, "com.docker.compose.container-number", json_string("1"));
		json_object_set_new(c->labels, "com.docker.compose.depends_on", json_string(""));
		json_object_set_new(c->labels, "com.docker.compose.image", json_string(c->image_id));
		json_object_set_new(c->labels, "com.docker.compose.oneoff", json_string("False"));
		json_object_set_new(c->labels, "com.docker.compose.project", json_string(sim.project));
		json_object_set_new(c->labels, "com.docker.compose.project.config_files", json_string(files));
		json_object_set_new(c->labels, "com.docker.compose.project.working_dir", json_string(sim.working_dir));
		json_object_set_new(c->labels, "com.docker.compose.service", json_string(c->service));
		json_object_set_new(c->labels, "com.docker.compose.version", json_string(sim.compose_version));
		free(files);
		json_t *labels = get(r, o, p, "labels", JSON_OBJECT, false);
		if (labels) {
			const char *k;
			json_t *v;
			json_object_foreach(labels, k, v) {
				if (!json_is_string(v)) {
					char pp[600];
					snprintf(pp, sizeof(pp), "%s.labels.%s", p, k);
					fail(r, pp, "expected a string");
					return;
				}
				json_object_set(c->labels, k, v);
			}
		}

		/* networks */
		c->network_mode = get_str(r, o, p, "network_mode", false, NULL);
		json_t *nets = json_object_get(o, "networks");
		char np[96];
		snprintf(np, sizeof(np), "%s.networks", p);
		if (nets && !json_is_array(nets)) {
			fail(r, np, "expected an array");
			return;
		}
		if (c->network_mode && strcmp(c->network_mode, "host") == 0) {
			struct sim_net *host = net_find("host");
			if (!host) {
				fail(r, p, "network_mode host needs a network named 'host' in .networks");
				return;
			}
			endpoint_add(c, host, NULL, NULL);
		}
		size_t k;
		json_t *ne;
		json_array_foreach(nets, k, ne) {
			char pp[128];
			snprintf(pp, sizeof(pp), "%s[%zu]", np, k);
			const char *name = NULL, *ip = NULL;
			struct strv aliases = {0};
			if (json_is_string(ne)) {
				name = json_string_value(ne);
			} else if (json_is_object(ne)) {
				if (!keys_check(r, ne, pp, "name,ip,aliases"))
					return;
				json_t *nv = get(r, ne, pp, "name", JSON_STRING, true);
				json_t *iv = get(r, ne, pp, "ip", JSON_STRING, false);
				name = nv ? json_string_value(nv) : NULL;
				ip = iv ? json_string_value(iv) : NULL;
				get_strv(r, ne, pp, "aliases", &aliases);
			} else {
				fail(r, pp, "expected a network name or an object {name, ip, aliases}");
				return;
			}
			if (r->err) {
				strv_free(&aliases);
				return;
			}
			struct sim_net *n = net_find(name);
			if (!n) {
				strv_free(&aliases);
				fail(r, pp, "no network named '%s' in .networks", name);
				return;
			}
			/* Compose puts the service name and the container name among the aliases */
			struct strv all = {0};
			strv_push(&all, c->name);
			strv_push(&all, c->service);
			for (size_t a = 0; a < aliases.n; a++)
				if (!strv_contains(&all, aliases.v[a]))
					strv_push(&all, aliases.v[a]);
			endpoint_add(c, n, ip, &all);
			strv_free(&all);
			strv_free(&aliases);
			if (!c->network_mode)
				c->network_mode = xstrdup(n->name);
		}
		if (!c->network_mode)
			c->network_mode = xstrdup("default");

		/* logs */
		json_t *logs = get(r, o, p, "logs", JSON_ARRAY, false);
		json_t *le;
		int64_t t = c->started_ns ? c->started_ns : c->created_ns;
		json_array_foreach(logs, k, le) {
			char pp[128];
			snprintf(pp, sizeof(pp), "%s.logs[%zu]", p, k);
			if (json_is_string(le)) {
				container_add_log(c, t + (int64_t)k * 1500000000LL, 1, json_string_value(le));
			} else if (json_is_object(le) && keys_check(r, le, pp, "stream,text")) {
				char *stream = get_str(r, le, pp, "stream", false, "stdout");
				char *text = get_str(r, le, pp, "text", true, NULL);
				if (text)
					container_add_log(c, t + (int64_t)k * 1500000000LL, strcmp(stream, "stderr") == 0 ? 2 : 1, text);
				free(stream);
				free(text);
			} else {
				fail(r, pp, "expected a string or an object {stream, text}");
			}
			if (r->err)
				return;
		}
		if (!logs) {
			const char *line = NULL;
			for (size_t d = 0; d < ARRAY_SIZE(default_logs); d++)
				if (strcmp(default_logs[d][0], c->service) == 0)
					line = default_logs[d][1];
			char *gen = xasprintf("%s: starting", c->service);
			container_add_log(c, t, 1, gen);
			free(gen);
			if (line)
				container_add_log(c, t + 2000000000LL, 1, line);
		}
		if (r->err)
			return;
	}
}

/* The events the daemon's ring would still hold about the scenario's containers. */
static int ev_cmp(const void *a, const void *b)
{
	const struct sim_container *x = *(const struct sim_container *const *)a, *y = *(const struct sim_container *const *)b;
	return x->started_ns < y->started_ns ? -1 : x->started_ns > y->started_ns;
}

static void initial_events(void)
{
	struct sim_container **v = xcalloc(sim.containers.n + 1, sizeof(*v));
	memcpy(v, sim.containers.v, sim.containers.n * sizeof(*v));
	qsort(v, sim.containers.n, sizeof(*v), ev_cmp);
	for (size_t i = 0; i < sim.containers.n; i++) {
		struct sim_container *c = v[i];
		if (!c->started_ns)
			continue;
		for (size_t j = 0; j < c->endpoints.n; j++) {
			struct sim_endpoint *e = c->endpoints.v[j];
			event_emit_network(e->net, "connect", c, c->started_ns - 1000000);
		}
		event_emit_container(c, "start", NULL, c->started_ns);
		if (c->health && strcmp(c->health, "starting") != 0) {
			char action[64];
			snprintf(action, sizeof(action), "health_status: %s", c->health);
			event_emit_container(c, action, NULL, c->started_ns + 31000000000LL);
		}
		if (c->finished_ns) {
			char code[16];
			snprintf(code, sizeof(code), "%d", c->exit_code);
			event_emit_container(c, "die", json_pack("{s:s}", "exitCode", code), c->finished_ns);
		}
	}
	free(v);
}

/* ---------------------------------------------------------------- mailcow */

static void load_domains(struct rd *r, json_t *arr)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		char p[64];
		snprintf(p, sizeof(p), ".mailcow.domains[%zu]", i);
		if (!json_is_object(o)) {
			fail(r, p, "expected an object");
			return;
		}
		if (!keys_check(r, o, p, "name,description,active,relayhost,created,modified,max_aliases,max_mailboxes,"
				"def_quota_mib,max_quota_mib,quota_mib,bytes_total,msgs_total,backupmx,gal,relay_all_recipients,"
				"relay_unknown_only,tags,dkim,mta_sts,dns"))
			return;
		struct sim_domain *d = xcalloc(1, sizeof(*d));
		ptrv_push(&sim.domains, d);
		d->name = get_str(r, o, p, "name", true, NULL);
		if (r->err)
			return;
		str_lower(d->name);
		if (domain_find(d->name) != d) {
			fail(r, p, "domain '%s' is listed twice", d->name);
			return;
		}
		d->description = get_str(r, o, p, "description", false, d->name);
		d->active = get_bool(r, o, p, "active", true);
		d->relayhost = (long)get_int(r, o, p, "relayhost", 0);
		d->created = get_str(r, o, p, "created", false, "2026-04-12 10:00:00");
		d->modified = get_str(r, o, p, "modified", false, NULL);
		d->max_aliases = (long)get_int(r, o, p, "max_aliases", 400);
		d->max_mailboxes = (long)get_int(r, o, p, "max_mailboxes", 10);
		d->def_quota = get_int(r, o, p, "def_quota_mib", 3072) * 1048576;
		d->max_quota = get_int(r, o, p, "max_quota_mib", 10240) * 1048576;
		d->quota = get_int(r, o, p, "quota_mib", 10240) * 1048576;
		d->bytes_total = get_int(r, o, p, "bytes_total", 0);
		d->msgs_total = get_int(r, o, p, "msgs_total", 0);
		d->backupmx = get_bool(r, o, p, "backupmx", false);
		d->gal = get_bool(r, o, p, "gal", true);
		d->relay_all = get_bool(r, o, p, "relay_all_recipients", false);
		d->relay_unknown = get_bool(r, o, p, "relay_unknown_only", false);
		json_t *tags = get(r, o, p, "tags", JSON_ARRAY, false);
		d->tags = tags ? json_deep_copy(tags) : NULL;
		if (d->relayhost) {
			bool found = false;
			for (size_t k = 0; k < sim.relayhosts.n; k++)
				found |= ((struct sim_relayhost *)sim.relayhosts.v[k])->id == d->relayhost;
			if (!found) {
				char pp[96];
				snprintf(pp, sizeof(pp), "%s.relayhost", p);
				fail(r, pp, "no relayhost with id %ld in .mailcow.relayhosts", d->relayhost);
				return;
			}
		}
		json_t *dk = get(r, o, p, "dkim", JSON_OBJECT, false);
		if (dk) {
			char pp[96];
			snprintf(pp, sizeof(pp), "%s.dkim", p);
			if (!keys_check(r, dk, pp, "selector,pubkey,bits"))
				return;
			d->dkim_selector = get_str(r, dk, pp, "selector", false, "dkim");
			d->dkim_pubkey = get_str(r, dk, pp, "pubkey", true, NULL);
			d->dkim_bits = (int)get_int(r, dk, pp, "bits", 2048);
		}
		json_t *st = get(r, o, p, "mta_sts", JSON_OBJECT, false);
		if (st) {
			char pp[96];
			snprintf(pp, sizeof(pp), "%s.mta_sts", p);
			if (!keys_check(r, st, pp, "version,mode,max_age,mx,id,active"))
				return;
			d->sts_version = get_str(r, st, pp, "version", false, "stsv1");
			d->sts_mode = get_str(r, st, pp, "mode", false, "enforce");
			d->sts_max_age = (long)get_int(r, st, pp, "max_age", 604800);
			struct strv mx = {0};
			get_strv(r, st, pp, "mx", &mx);
			d->sts_mx = strv_join(&mx, ",");
			strv_free(&mx);
			d->sts_id = get_str(r, st, pp, "id", false, "20260412100000");
			d->sts_active = get_bool(r, st, pp, "active", true);
			if (!r->err && strcmp(d->sts_mode, "enforce") != 0 && strcmp(d->sts_mode, "testing") != 0 &&
			    strcmp(d->sts_mode, "none") != 0) {
				char mp[128];
				snprintf(mp, sizeof(mp), "%s.mode", pp);
				fail(r, mp, "'%s' is not an MTA-STS mode (enforce testing none)", d->sts_mode);
			}
		}
		if (r->err)
			return;
	}
}

static void load_shorthand(struct rd *r, json_t *o, const char *p, struct dns_shorthand *s)
{
	if (!keys_check(r, o, p, "mx,txt,dmarc,tls_rpt,mta_sts,mta_sts_host,dkim,autodiscover"))
		return;
	get_strv(r, o, p, "mx", &s->mx);
	get_strv(r, o, p, "txt", &s->txt);
	s->dmarc = get_str(r, o, p, "dmarc", false, NULL);
	s->tls_rpt = get_str(r, o, p, "tls_rpt", false, NULL);
	s->mta_sts = get_str(r, o, p, "mta_sts", false, NULL);
	s->mta_sts_host = get_bool(r, o, p, "mta_sts_host", false);
	s->autodiscover = get_bool(r, o, p, "autodiscover", false);
	json_t *dk = get(r, o, p, "dkim", JSON_OBJECT, false);
	if (dk) {
		const char *k;
		json_t *v;
		json_object_foreach(dk, k, v) if (!json_is_string(v)) {
			char pp[600];
			snprintf(pp, sizeof(pp), "%s.dkim.%s", p, k);
			fail(r, pp, "expected a string (a TXT value, or \"=mailcow\" for MailCow's key)");
			return;
		}
		s->dkim = json_deep_copy(dk);
	}
}

void shorthand_free(struct dns_shorthand *s)
{
	strv_free(&s->mx);
	strv_free(&s->txt);
	free(s->dmarc);
	free(s->tls_rpt);
	free(s->mta_sts);
	json_decref(s->dkim);
	memset(s, 0, sizeof(*s));
}

static char *subst(const char *tmpl, const char *domain)
{
	struct buf b = {0};
	for (const char *p = tmpl; *p;) {
		if (strncmp(p, "{domain}", 8) == 0) {
			buf_puts(&b, domain);
			p += 8;
		} else {
			buf_putc(&b, *p++);
		}
	}
	return buf_steal(&b);
}

int shorthand_publish(const struct dns_shorthand *s, const char *domain, int parts, char **err)
{
	struct sim_domain *d = domain_find(domain);
	dns_ensure_zone(domain);
	int rc = 0;
	char *name;
	if (parts & PUB_BASE) {
		for (size_t i = 0; i < s->mx.n && !rc; i++) {
			char *v = subst(s->mx.v[i], domain);
			rc = dns_add_record(domain, 3600, "MX", v, err);
			free(v);
		}
		for (size_t i = 0; i < s->txt.n && !rc; i++) {
			char *v = subst(s->txt.v[i], domain);
			rc = dns_add_txt(domain, 3600, v);
			free(v);
		}
		if (s->dmarc && !rc) {
			char *v = subst(s->dmarc, domain);
			name = xasprintf("_dmarc.%s", domain);
			rc = dns_add_txt(name, 3600, v);
			free(name);
			free(v);
		}
		const char *sel;
		json_t *val;
		json_object_foreach(s->dkim, sel, val) {
			const char *text = json_string_value(val);
			char *v = NULL;
			if (strcmp(text, "=mailcow") == 0) {
				if (!d || !d->dkim_pubkey)
					continue;
				v = dkim_txt_value(d);
			} else {
				v = subst(text, domain);
			}
			name = xasprintf("%s._domainkey.%s", sel, domain);
			if (!rc)
				rc = dns_add_txt(name, 3600, v);
			free(name);
			free(v);
		}
		if (s->autodiscover && !rc) {
			char *target = xasprintf("%s.", sim.hostname);
			name = xasprintf("autodiscover.%s", domain);
			rc = dns_add_record(name, 3600, "CNAME", target, err);
			free(name);
			name = xasprintf("autoconfig.%s", domain);
			if (!rc)
				rc = dns_add_record(name, 3600, "CNAME", target, err);
			free(name);
			free(target);
		}
	}
	if (parts & PUB_STS) {
		if (s->mta_sts && !rc) {
			char *v = NULL;
			if (strcmp(s->mta_sts, "=policy") == 0) {
				if (d && d->sts_mode && d->sts_active)
					v = xasprintf("v=STSv1; id=%s", d->sts_id);
			} else {
				v = subst(s->mta_sts, domain);
			}
			if (v) {
				name = xasprintf("_mta-sts.%s", domain);
				rc = dns_add_txt(name, 3600, v);
				free(name);
				free(v);
			}
		}
		if (s->mta_sts_host && !rc) {
			char *target = xasprintf("%s.", sim.hostname);
			name = xasprintf("mta-sts.%s", domain);
			rc = dns_add_record(name, 3600, "CNAME", target, err);
			free(name);
			free(target);
		}
		if (s->tls_rpt && !rc) {
			char *v = subst(s->tls_rpt, domain);
			name = xasprintf("_smtp._tls.%s", domain);
			rc = dns_add_txt(name, 3600, v);
			free(name);
			free(v);
		}
	}
	if (rc && err && !*err)
		*err = xasprintf("cannot publish the records of %s", domain);
	return rc ? -1 : 0;
}

static void load_dns(struct rd *r, json_t *dns, json_t *domains)
{
	if (dns && !keys_check(r, dns, ".dns", "zones,records,auto_publish,publish"))
		return;
	struct strv zones = {0};
	if (dns)
		get_strv(r, dns, ".dns", "zones", &zones);
	for (size_t i = 0; i < zones.n; i++)
		dns_ensure_zone(zones.v[i]);
	strv_free(&zones);
	for (size_t i = 0; i < sim.domains.n; i++)
		dns_ensure_zone(((struct sim_domain *)sim.domains.v[i])->name);
	if (r->err)
		return;

	/* per-domain records */
	size_t i;
	json_t *o;
	json_array_foreach(domains, i, o) {
		json_t *ds = json_object_get(o, "dns");
		if (!ds || json_is_null(ds))
			continue;
		char p[96];
		snprintf(p, sizeof(p), ".mailcow.domains[%zu].dns", i);
		if (!json_is_object(ds)) {
			fail(r, p, "expected an object");
			return;
		}
		struct dns_shorthand s = {0};
		load_shorthand(r, ds, p, &s);
		char *err = NULL;
		if (!r->err && shorthand_publish(&s, ((struct sim_domain *)sim.domains.v[i])->name, PUB_ALL, &err) < 0)
			fail(r, p, "%s", err);
		free(err);
		shorthand_free(&s);
		if (r->err)
			return;
	}
	if (!dns)
		return;
	sim.auto_publish = get_bool(r, dns, ".dns", "auto_publish", false);
	json_t *pub = get(r, dns, ".dns", "publish", JSON_OBJECT, false);
	if (pub)
		load_shorthand(r, pub, ".dns.publish", &sim.publish);

	json_t *recs = get(r, dns, ".dns", "records", JSON_ARRAY, false);
	json_array_foreach(recs, i, o) {
		char p[64];
		snprintf(p, sizeof(p), ".dns.records[%zu]", i);
		if (!json_is_object(o)) {
			fail(r, p, "expected an object {name, type, data, ttl}");
			return;
		}
		if (!keys_check(r, o, p, "name,type,data,ttl"))
			return;
		char *name = get_str(r, o, p, "name", true, NULL);
		char *type = get_str(r, o, p, "type", true, NULL);
		long ttl = (long)get_int(r, o, p, "ttl", 3600);
		json_t *data = json_object_get(o, "data");
		char pd[96];
		snprintf(pd, sizeof(pd), "%s.data", p);
		if (!r->err) {
			char *err = NULL;
			if (json_is_string(data) && strcasecmp(type, "TXT") == 0) {
				if (dns_add_txt(name, (int)ttl, json_string_value(data)) < 0)
					fail(r, pd, "not a valid TXT value");
			} else if (json_is_array(data) && strcasecmp(type, "TXT") == 0) {
				struct buf b = {0};
				size_t k;
				json_t *e;
				json_array_foreach(data, k, e) {
					if (!json_is_string(e) || strlen(json_string_value(e)) > 255) {
						char pe[128];
						snprintf(pe, sizeof(pe), "%s[%zu]", pd, k);
						fail(r, pe, "expected a string of at most 255 characters");
						break;
					}
					buf_putc(&b, k ? ' ' : '"');
					if (k)
						buf_putc(&b, '"');
					for (const char *c = json_string_value(e); *c; c++) {
						if (*c == '"' || *c == '\\')
							buf_putc(&b, '\\');
						buf_putc(&b, *c);
					}
					buf_putc(&b, '"');
				}
				if (!r->err && dns_add_record(name, (int)ttl, "TXT", buf_cstr(&b), &err) < 0)
					fail(r, pd, "%s", err);
				buf_free(&b);
			} else if (json_is_string(data)) {
				if (dns_add_record(name, (int)ttl, type, json_string_value(data), &err) < 0)
					fail(r, p, "%s", err);
			} else {
				fail(r, pd, data ? "expected a string (or, for TXT, an array of strings)" : "missing (expected a string)");
			}
			free(err);
		}
		free(name);
		free(type);
		if (r->err)
			return;
	}
}

static void load_mailcow(struct rd *r, json_t *mc)
{
	const char *p = ".mailcow";
	if (!keys_check(r, mc, p, "hostname,version,relayhosts,domains,mailboxes,aliases,mailq,logs"))
		return;
	sim.hostname = get_str(r, mc, p, "hostname", true, NULL);
	sim.mailcow_version = get_str(r, mc, p, "version", false, "2026-07a");
	if (r->err)
		return;
	str_lower(sim.hostname);

	size_t i;
	json_t *o;
	json_t *rh = get(r, mc, p, "relayhosts", JSON_ARRAY, false);
	json_array_foreach(rh, i, o) {
		char pp[64];
		snprintf(pp, sizeof(pp), ".mailcow.relayhosts[%zu]", i);
		if (!json_is_object(o)) {
			fail(r, pp, "expected an object");
			return;
		}
		if (!keys_check(r, o, pp, "id,hostname,username,password,active"))
			return;
		struct sim_relayhost *h = xcalloc(1, sizeof(*h));
		ptrv_push(&sim.relayhosts, h);
		h->id = (long)get_int(r, o, pp, "id", (long long)i + 1);
		h->hostname = get_str(r, o, pp, "hostname", true, NULL);
		h->username = get_str(r, o, pp, "username", false, "");
		h->password = get_str(r, o, pp, "password", false, "");
		h->active = get_bool(r, o, pp, "active", true);
	}
	if (r->err)
		return;
	json_t *domains = get(r, mc, p, "domains", JSON_ARRAY, false);
	load_domains(r, domains);
	if (r->err)
		return;

	json_t *mb = get(r, mc, p, "mailboxes", JSON_ARRAY, false);
	json_array_foreach(mb, i, o) {
		char pp[64];
		snprintf(pp, sizeof(pp), ".mailcow.mailboxes[%zu]", i);
		if (!json_is_object(o)) {
			fail(r, pp, "expected an object");
			return;
		}
		if (!keys_check(r, o, pp, "username,name,active,quota_mib,quota_used,messages,last_imap_login,created,modified"))
			return;
		struct sim_mailbox *m = xcalloc(1, sizeof(*m));
		ptrv_push(&sim.mailboxes, m);
		m->username = get_str(r, o, pp, "username", true, NULL);
		if (r->err)
			return;
		const char *at = strchr(m->username, '@');
		if (!at || !domain_find(at + 1)) {
			char up[96];
			snprintf(up, sizeof(up), "%s.username", pp);
			fail(r, up, "'%s' is not an address in one of .mailcow.domains", m->username);
			return;
		}
		m->domain = xstrdup(at + 1);
		m->name = get_str(r, o, pp, "name", false, "");
		m->active = get_bool(r, o, pp, "active", true);
		m->quota = get_int(r, o, pp, "quota_mib", 3072) * 1048576;
		m->quota_used = get_int(r, o, pp, "quota_used", 0);
		m->messages = get_int(r, o, pp, "messages", 0);
		m->last_imap_login = (long)get_int(r, o, pp, "last_imap_login", 0);
		m->created = get_str(r, o, pp, "created", false, "2026-04-12 10:05:00");
		m->modified = get_str(r, o, pp, "modified", false, NULL);
	}
	if (r->err)
		return;

	sim.next_alias_id = 1;
	json_t *al = get(r, mc, p, "aliases", JSON_ARRAY, false);
	json_array_foreach(al, i, o) {
		char pp[64];
		snprintf(pp, sizeof(pp), ".mailcow.aliases[%zu]", i);
		if (!json_is_object(o)) {
			fail(r, pp, "expected an object");
			return;
		}
		if (!keys_check(r, o, pp, "id,address,goto,active,sogo_visible,sender_allowed,internal,public_comment,"
				"private_comment,created,modified"))
			return;
		struct sim_alias *a = xcalloc(1, sizeof(*a));
		ptrv_push(&sim.aliases, a);
		a->id = (long)get_int(r, o, pp, "id", sim.next_alias_id);
		if (a->id >= sim.next_alias_id)
			sim.next_alias_id = a->id + 1;
		a->address = get_str(r, o, pp, "address", true, NULL);
		a->go_to = get_str(r, o, pp, "goto", true, NULL);
		if (r->err)
			return;
		const char *at = strchr(a->address, '@');
		if (!at || !domain_find(at + 1)) {
			char up[96];
			snprintf(up, sizeof(up), "%s.address", pp);
			fail(r, up, "'%s' is not an address (or @domain) in one of .mailcow.domains", a->address);
			return;
		}
		a->domain = xstrdup(at + 1);
		a->active = get_bool(r, o, pp, "active", true);
		a->sogo_visible = get_bool(r, o, pp, "sogo_visible", true);
		a->sender_allowed = get_bool(r, o, pp, "sender_allowed", true);
		a->internal = get_bool(r, o, pp, "internal", false);
		a->public_comment = get_str(r, o, pp, "public_comment", false, NULL);
		a->private_comment = get_str(r, o, pp, "private_comment", false, NULL);
		a->created = get_str(r, o, pp, "created", false, "2026-04-12 10:10:00");
		a->modified = get_str(r, o, pp, "modified", false, NULL);
	}
	if (r->err)
		return;

	json_t *mq = json_object_get(mc, "mailq");
	if (json_is_object(mq)) {
		if (!keys_check(r, mq, ".mailcow.mailq", "deferred,active,hold"))
			return;
		static const char *const queues[] = {"deferred", "active", "hold"};
		long n = 0;
		for (size_t q = 0; q < ARRAY_SIZE(queues); q++) {
			long count = (long)get_int(r, mq, ".mailcow.mailq", queues[q], 0);
			for (long k = 0; k < count; k++, n++) {
				struct sim_qitem *it = xcalloc(1, sizeof(*it));
				char id[16];
				random_hex(id, 11);
				for (char *c = id; *c; c++)
					if (*c >= 'a' && *c <= 'f')
						*c = (char)(*c - 'a' + 'A');
				it->queue_name = xstrdup(queues[q]);
				it->queue_id = xasprintf("4c%s", id);
				it->sender = xstrdup(sim.domains.n ? "admin@netgrimoire.com" : "root@localhost");
				it->arrival = (long)(sim_now_ns() / 1000000000) - 600 * (n + 1);
				it->size = 18000 + 7919 * n;
				char *rcpt = xasprintf("user%ld@example.net (connect to mx%ld.example.net[203.0.113.%ld]:25: Connection timed out)",
						       n + 1, n % 3 + 1, n % 200 + 10);
				strv_push_owned(&it->recipients, rcpt);
				ptrv_push(&sim.mailq, it);
			}
		}
	} else if (json_is_array(mq)) {
		json_array_foreach(mq, i, o) {
			char pp[64];
			snprintf(pp, sizeof(pp), ".mailcow.mailq[%zu]", i);
			if (!json_is_object(o)) {
				fail(r, pp, "expected an object");
				return;
			}
			if (!keys_check(r, o, pp, "queue_name,queue_id,arrival_time,message_size,sender,recipients"))
				return;
			struct sim_qitem *it = xcalloc(1, sizeof(*it));
			ptrv_push(&sim.mailq, it);
			it->queue_name = get_str(r, o, pp, "queue_name", false, "deferred");
			it->queue_id = get_str(r, o, pp, "queue_id", true, NULL);
			it->arrival = (long)get_int(r, o, pp, "arrival_time", sim_now_ns() / 1000000000 - 600);
			it->size = (long)get_int(r, o, pp, "message_size", 20000);
			it->sender = get_str(r, o, pp, "sender", false, "");
			get_strv(r, o, pp, "recipients", &it->recipients);
		}
	} else if (mq && !json_is_null(mq)) {
		fail(r, ".mailcow.mailq", "expected an array of queue items or an object {deferred, active, hold}");
		return;
	}

	json_t *logs = get(r, mc, p, "logs", JSON_OBJECT, false);
	sim.logs = logs ? json_deep_copy(logs) : json_object();
	const char *k;
	json_t *v;
	json_object_foreach(sim.logs, k, v) if (!json_is_array(v)) {
		char pp[128];
		snprintf(pp, sizeof(pp), ".mailcow.logs.%s", k);
		fail(r, pp, "expected an array of log entries (newest first)");
		return;
	}
	if (!json_object_get(sim.logs, "api"))
		json_object_set_new(sim.logs, "api", json_array());
}

static void load_limits(struct rd *r, json_t *l)
{
	const char *p = ".limits";
	if (!keys_check(r, l, p, "postfix_message_size_limit,postfix_extra_message_size_limit,rspamd_max_message,"
			"antivirus_max_size,clamd_stream_max_length,clamd_max_file_size,clamd_max_scan_size,oletools_max_size"))
		return;
	get(r, l, p, "postfix_message_size_limit", JSON_INTEGER, true);
	get(r, l, p, "postfix_extra_message_size_limit", JSON_INTEGER, false);
	json_t *rm = json_object_get(l, "rspamd_max_message");
	if (rm && !json_is_null(rm) && !json_is_string(rm) && !json_is_integer(rm))
		fail(r, ".limits.rspamd_max_message", "expected a size (\"100Mb\" or bytes) or null for unset");
	get(r, l, p, "antivirus_max_size", JSON_INTEGER, false);
	get(r, l, p, "oletools_max_size", JSON_INTEGER, false);
	static const char *const clam[] = {"clamd_stream_max_length", "clamd_max_file_size", "clamd_max_scan_size"};
	for (size_t i = 0; i < ARRAY_SIZE(clam); i++) {
		json_t *v = json_object_get(l, clam[i]);
		if (v && !json_is_string(v) && !json_is_integer(v)) {
			char pp[96];
			snprintf(pp, sizeof(pp), ".limits.%s", clam[i]);
			fail(r, pp, "expected a size (\"25M\" or bytes)");
		}
	}
	sim.limits = json_deep_copy(l);
}

int scenario_load(const char *text, const char *name, char **err)
{
	struct rd r = {.file = name};
	json_error_t je;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		*err = xasprintf("%s:%d:%d: %s", name, je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		fail(&r, "", "expected an object");
		goto out;
	}
	if (!keys_check(&r, root, "", "site,description,planted,config,compose,networks,containers,mailcow,limits,roundcube,dns"))
		goto out;
	sim.site = get_str(&r, root, "", "site", true, NULL);
	json_t *planted = get(&r, root, "", "planted", JSON_ARRAY, false);
	size_t i;
	json_t *o;
	json_array_foreach(planted, i, o) {
		char p[64];
		snprintf(p, sizeof(p), ".planted[%zu]", i);
		if (!json_is_object(o) || !keys_check(&r, o, p, "check,target,note")) {
			fail(&r, p, "expected an object {check, target, note}");
			goto out;
		}
		struct planted *pl = xcalloc(1, sizeof(*pl));
		ptrv_push(&sim.planted, pl);
		pl->check = get_str(&r, o, p, "check", true, NULL);
		pl->target = get_str(&r, o, p, "target", true, NULL);
		get(&r, o, p, "note", JSON_STRING, false);
	}
	json_t *cfg = get(&r, root, "", "config", JSON_OBJECT, false);
	sim.config = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(cfg, k, v) {
		char p[256];
		snprintf(p, sizeof(p), ".config.%s", k);
		const char *dot = strchr(k, '.');
		if (!dot || dot == k || !dot[1]) {
			fail(&r, p, "keys are section.key, as in mcon.conf");
			goto out;
		}
		if (json_is_string(v)) {
			json_object_set(sim.config, k, v);
		} else if (json_is_array(v)) {
			struct strv sv = {0};
			size_t j;
			json_t *e;
			json_array_foreach(v, j, e) {
				if (!json_is_string(e)) {
					fail(&r, p, "expected a string or an array of strings");
					break;
				}
				strv_push(&sv, json_string_value(e));
			}
			char *joined = strv_join(&sv, ", ");
			json_object_set_new(sim.config, k, json_string(joined));
			free(joined);
			strv_free(&sv);
		} else if (json_is_boolean(v) || json_is_integer(v)) {
			char *s = json_dumps(v, JSON_ENCODE_ANY);
			json_object_set_new(sim.config, k, json_string(s));
			free(s);
		} else {
			fail(&r, p, "expected a string, number, boolean or array of strings");
		}
		if (r.err)
			goto out;
	}
	json_t *compose = get(&r, root, "", "compose", JSON_OBJECT, false);
	if (compose && !keys_check(&r, compose, ".compose", "project,working_dir,version"))
		goto out;
	sim.project = get_str(&r, compose, ".compose", "project", false, "mailcowdockerized");
	sim.working_dir = get_str(&r, compose, ".compose", "working_dir", false, "/opt/mailcow-dockerized");
	sim.compose_version = get_str(&r, compose, ".compose", "version", false, "2.29.7");
	if (r.err)
		goto out;

	json_t *nets = get(&r, root, "", "networks", JSON_ARRAY, false);
	load_networks(&r, nets);
	if (r.err)
		goto out;
	json_t *ctrs = get(&r, root, "", "containers", JSON_ARRAY, false);
	load_containers(&r, ctrs);
	if (r.err)
		goto out;

	json_t *mc = get(&r, root, "", "mailcow", JSON_OBJECT, true);
	if (mc)
		load_mailcow(&r, mc);
	if (r.err)
		goto out;
	json_t *lim = get(&r, root, "", "limits", JSON_OBJECT, true);
	if (lim)
		load_limits(&r, lim);
	json_t *rc = get(&r, root, "", "roundcube", JSON_OBJECT, false);
	if (rc) {
		if (keys_check(&r, rc, ".roundcube", "imap_host,smtp_host,imap_conn_options")) {
			get(&r, rc, ".roundcube", "imap_host", JSON_STRING, true);
			get(&r, rc, ".roundcube", "smtp_host", JSON_STRING, false);
			json_t *co = get(&r, rc, ".roundcube", "imap_conn_options", JSON_OBJECT, false);
			if (co && keys_check(&r, co, ".roundcube.imap_conn_options", "verify_peer,verify_peer_name,allow_self_signed")) {
				get(&r, co, ".roundcube.imap_conn_options", "verify_peer", JSON_TRUE, false);
				get(&r, co, ".roundcube.imap_conn_options", "verify_peer_name", JSON_TRUE, false);
				get(&r, co, ".roundcube.imap_conn_options", "allow_self_signed", JSON_TRUE, false);
			}
		}
		sim.roundcube = json_deep_copy(rc);
	}
	if (r.err)
		goto out;
	json_t *dns = get(&r, root, "", "dns", JSON_OBJECT, false);
	load_dns(&r, dns, json_object_get(mc, "domains"));
	if (r.err)
		goto out;
	initial_events();
out:
	json_decref(root);
	if (r.err) {
		*err = r.err;
		return -1;
	}
	return 0;
}
