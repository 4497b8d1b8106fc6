/* mcon-sim Docker Engine API on DIR/docker.sock: ping and version negotiation, containers
 * (list with filters, inspect, logs, start/stop), networks, the never-ending /events
 * stream, and exec with the hijacked, 8-byte-framed stream, shaped like dockerd 27.3
 * (API 1.47, minimum 1.24) so that the docker CLI works against it. */
#include "tests/sim/http.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct dreq {
	struct http_req *rq;
	struct http_resp *rs;
	int minor;                 /* API version 1.<minor> of the request */
	char *parts[8];            /* path split on '/', after the version */
	int nparts;
};

static void djson(struct http_resp *rs, unsigned status, json_t *j)
{
	http_json(rs, status, j, JSON_COMPACT);
	buf_putc(&rs->body, '\n');
}

static void derr(struct http_resp *rs, unsigned status, const char *fmt, ...) ATTR_PRINTF(3, 4);
static void derr(struct http_resp *rs, unsigned status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	/* messages quote what the client sent: keep them valid JSON strings */
	for (unsigned char *p = (unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	djson(rs, status, json_pack("{s:s}", "message", msg));
	free(msg);
}

static void docker_status_body(unsigned status, struct http_resp *rs)
{
	http_add_header(rs, "Api-Version", SIM_API_MAX);
	http_add_header(rs, "Server", "Docker/" SIM_ENGINE_VERSION " (linux)");
	const char *msg = status == 500 ? "Internal Server Error" : status == 503 ? "Service Unavailable" : "error";
	derr(rs, status, "%s", msg);
}

static bool is_running(const struct sim_container *c)
{
	return strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0 ||
	       strcmp(c->state, "restarting") == 0;
}

/* ---------------------------------------------------------------- filters */

struct filters {
	json_t *map; /* key -> array of strings */
};

static const char *go_json_error(const char *text, const json_error_t *je)
{
	static __thread char msg[128];
	size_t pos = (size_t)je->position;
	if (pos > strlen(text))
		pos = strlen(text);
	char c = text[pos > 0 ? pos - 1 : 0];
	if (!c)
		snprintf(msg, sizeof(msg), "unexpected end of JSON input");
	else
		snprintf(msg, sizeof(msg), "invalid character '%c' looking for beginning of value", c);
	return msg;
}

/* Parses ?filters= in both the current ({"k":["v"]}) and the legacy ({"k":{"v":true}}) form,
 * checking keys against allowed. Returns false with the answer set on error. */
static bool filters_parse(struct dreq *d, const char *allowed[], struct filters *f)
{
	f->map = json_object();
	const char *raw = http_arg(d->rq, "filters");
	if (!raw || !*raw)
		return true;
	json_error_t je;
	json_t *j = json_loads(raw, JSON_DECODE_ANY, &je);
	if (!j) {
		derr(d->rs, 400, "%s", go_json_error(raw, &je));
		return false;
	}
	if (!json_is_object(j)) {
		derr(d->rs, 400, "json: cannot unmarshal %s into Go value of type map[string]map[string]bool",
		     json_is_array(j) ? "array" : json_is_null(j) ? "null" : "string");
		json_decref(j);
		return false;
	}
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			ok |= strcmp(allowed[i], k) == 0;
		if (!ok) {
			derr(d->rs, 400, "invalid filter '%s'", k);
			json_decref(j);
			return false;
		}
		json_t *vals = json_array();
		if (json_is_array(v)) {
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e) if (json_is_string(e)) json_array_append(vals, e);
		} else if (json_is_object(v)) {
			const char *vk;
			json_t *vv;
			json_object_foreach(v, vk, vv) if (json_is_true(vv)) json_array_append_new(vals, json_string(vk));
		} else {
			json_decref(vals);
			derr(d->rs, 400, "json: cannot unmarshal %s into Go value of type map[string]bool",
			     json_is_string(v) ? "string" : "number");
			json_decref(j);
			return false;
		}
		json_object_set_new(f->map, k, vals);
	}
	json_decref(j);
	return true;
}

static json_t *fvals(struct filters *f, const char *key)
{
	return json_object_get(f->map, key);
}

static bool f_exact(struct filters *f, const char *key, const char *value)
{
	json_t *vals = fvals(f, key);
	if (!vals || !json_array_size(vals))
		return true;
	size_t i;
	json_t *e;
	json_array_foreach(vals, i, e) if (value && strcmp(json_string_value(e), value) == 0) return true;
	return false;
}

static bool f_prefix(struct filters *f, const char *key, const char *value)
{
	json_t *vals = fvals(f, key);
	if (!vals || !json_array_size(vals))
		return true;
	size_t i;
	json_t *e;
	json_array_foreach(vals, i, e) if (value && str_starts_with(value, json_string_value(e))) return true;
	return false;
}

/* label=key or label=key=value, all of them must hold */
static bool f_labels(struct filters *f, json_t *labels)
{
	json_t *vals = fvals(f, "label");
	size_t i;
	json_t *e;
	json_array_foreach(vals, i, e) {
		const char *s = json_string_value(e), *eq = strchr(s, '=');
		char *key = eq ? xstrndup(s, (size_t)(eq - s)) : xstrdup(s);
		json_t *have = json_object_get(labels, key);
		free(key);
		if (!have || (eq && strcmp(json_string_value(have), eq + 1) != 0))
			return false;
	}
	return true;
}

static bool f_regex(struct filters *f, const char *key, const char *value)
{
	json_t *vals = fvals(f, key);
	if (!vals || !json_array_size(vals))
		return true;
	size_t i;
	json_t *e;
	json_array_foreach(vals, i, e) {
		regex_t re;
		if (regcomp(&re, json_string_value(e), REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		bool hit = regexec(&re, value, 0, NULL, 0) == 0;
		regfree(&re);
		if (hit)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------- containers */

static char *command_line(const struct sim_container *c)
{
	struct buf b = {0};
	buf_puts(&b, c->path);
	for (size_t i = 0; i < c->args.n; i++) {
		const char *a = c->args.v[i];
		buf_putc(&b, ' ');
		if (!*a || strpbrk(a, " \t\"'$;&|<>*?()")) {
			buf_putc(&b, '\'');
			for (const char *p = a; *p; p++) {
				if (*p == '\'')
					buf_puts(&b, "'\\''");
				else
					buf_putc(&b, *p);
			}
			buf_putc(&b, '\'');
		} else {
			buf_puts(&b, a);
		}
	}
	return buf_steal(&b);
}

static char *status_text(const struct sim_container *c, int64_t now)
{
	char dur[48];
	if (strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0) {
		fmt_human_duration((now - c->started_ns) / 1000000000, dur);
		const char *h = !c->health ? ""
				: strcmp(c->health, "healthy") == 0 ? " (healthy)"
				: strcmp(c->health, "unhealthy") == 0 ? " (unhealthy)" : " (health: starting)";
		return xasprintf("Up %s%s%s", dur, strcmp(c->state, "paused") == 0 ? " (Paused)" : "", h);
	}
	if (strcmp(c->state, "restarting") == 0) {
		fmt_human_duration((now - c->finished_ns) / 1000000000, dur);
		return xasprintf("Restarting (%d) %s ago", c->exit_code, dur);
	}
	if (strcmp(c->state, "exited") == 0 || strcmp(c->state, "dead") == 0) {
		fmt_human_duration((now - c->finished_ns) / 1000000000, dur);
		return xasprintf("Exited (%d) %s ago", c->exit_code, dur);
	}
	return xstrdup("Created");
}

static int prefix_len(const struct sim_net *n)
{
	const char *slash = n->subnet ? strchr(n->subnet, '/') : NULL;
	return slash ? atoi(slash + 1) : 0;
}

static json_t *endpoint_json(const struct sim_container *c, const struct sim_endpoint *e, int minor, bool inspect)
{
	bool up = is_running(c) && strcmp(c->state, "restarting") != 0;
	json_t *aliases = json_null();
	if (inspect && e->aliases.n) {
		aliases = json_array();
		for (size_t i = 0; i < e->aliases.n; i++)
			json_array_append_new(aliases, json_string(e->aliases.v[i]));
		if (minor < 45)
			json_array_append_new(aliases, json_string(c->hostname));
	}
	json_t *ipam = e->fixed_ip ? json_pack("{s:s}", "IPv4Address", e->ip) : inspect ? json_null() : json_null();
	json_t *o = json_pack("{s:o, s:n, s:o, s:s, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i}",
			      "IPAMConfig", ipam, "Links", "Aliases", aliases, "MacAddress", up && e->mac ? e->mac : "",
			      "DriverOpts", "NetworkID", e->net->id, "EndpointID", up ? e->endpoint_id : "",
			      "Gateway", up && e->net->gateway ? e->net->gateway : "", "IPAddress", up && e->ip ? e->ip : "",
			      "IPPrefixLen", up && e->ip ? prefix_len(e->net) : 0, "IPv6Gateway", "", "GlobalIPv6Address", "",
			      "GlobalIPv6PrefixLen", 0);
	if (minor >= 44) {
		json_t *dns = json_null();
		if (inspect && strcmp(e->net->driver, "host") != 0) {
			dns = json_array();
			for (size_t i = 0; i < e->aliases.n; i++)
				json_array_append_new(dns, json_string(e->aliases.v[i]));
			json_array_append_new(dns, json_string(c->hostname));
		}
		json_object_set_new(o, "DNSNames", dns);
	}
	return o;
}

static json_t *networks_json(const struct sim_container *c, int minor, bool inspect)
{
	json_t *nets = json_object();
	for (size_t i = 0; i < c->endpoints.n; i++) {
		struct sim_endpoint *e = c->endpoints.v[i];
		json_object_set_new(nets, e->net->name, endpoint_json(c, e, minor, inspect));
	}
	json_t *sorted = json_sorted(nets);
	json_decref(nets);
	return sorted;
}

static json_t *container_summary(const struct sim_container *c, int minor, int64_t now)
{
	char *cmd = command_line(c), *status = status_text(c, now);
	char *name = xasprintf("/%s", c->name);
	json_t *o = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:I, s:O, s:o, s:s, s:s, s:{s:s}, s:{s:o}, s:[]}",
			      "Id", c->id, "Names", name, "Image", c->image, "ImageID", c->image_id, "Command", cmd,
			      "Created", (json_int_t)(c->created_ns / 1000000000), "Ports", c->ports,
			      "Labels", json_sorted(c->labels), "State", c->state, "Status", status,
			      "HostConfig", "NetworkMode", c->network_mode,
			      "NetworkSettings", "Networks", networks_json(c, minor, false), "Mounts");
	free(cmd);
	free(status);
	free(name);
	return o;
}

static json_t *health_json(const struct sim_container *c, int64_t now)
{
	json_t *log = json_array();
	int n = strcmp(c->health, "starting") == 0 ? 1 : 5;
	json_int_t interval = json_integer_value(json_object_get(c->healthcheck, "Interval"));
	if (interval <= 0)
		interval = 30000000000LL;
	bool failing = strcmp(c->health, "unhealthy") == 0;
	for (int i = n - 1; i >= 0; i--) {
		int64_t start = now - (int64_t)(i + 1) * interval + 512345678;
		if (start < c->started_ns)
			start = c->started_ns + 1000000;
		char s[48], e[48];
		fmt_time_ns(start, s);
		fmt_time_ns(start + 183456789, e);
		bool fail = failing && i < c->failing_streak;
		json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s}", "Start", s, "End", e, "ExitCode", fail ? 1 : 0,
						     "Output", fail ? (c->health_output ? c->health_output : "") : ""));
	}
	return json_pack("{s:s, s:i, s:o}", "Status", c->health, "FailingStreak", c->failing_streak, "Log", log);
}

static json_t *port_bindings(const struct sim_container *c)
{
	json_t *pb = json_object();
	size_t i;
	json_t *p;
	json_array_foreach(c->ports, i, p) {
		char key[32];
		snprintf(key, sizeof(key), "%lld/%s", (long long)json_integer_value(json_object_get(p, "PrivatePort")),
			 json_string_value(json_object_get(p, "Type")));
		const char *ip = json_string_value(json_object_get(p, "IP"));
		if (strcmp(ip, "::") == 0)
			continue;
		json_t *arr = json_object_get(pb, key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(pb, key, arr);
		}
		char port[16];
		snprintf(port, sizeof(port), "%lld", (long long)json_integer_value(json_object_get(p, "PublicPort")));
		json_array_append_new(arr, json_pack("{s:s, s:s}", "HostIp", strcmp(ip, "0.0.0.0") == 0 ? "" : ip,
						     "HostPort", port));
	}
	json_t *s = json_sorted(pb);
	json_decref(pb);
	return s;
}

/* HostConfig as dockerd 20.10 writes it for a compose container (captured); the
 * per-container fields are set over it. */
static const char hostconfig_json[] =
	"{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}},\"NetworkMode\":\"mailc"
	"owdockerized_mailcow-network\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},"
	"\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":"
	"\"private\",\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAdd\":null,\"IpcMode\":\"priva"
	"te\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false"
	",\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\",\"ShmSize\":67108864,\"Runtime\""
	":\"runc\",\"ConsoleSize\":[0,0],\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":\"\",\""
	"BlkioWeight\":0,\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],\"BlkioDeviceR"
	"eadIOps\":[],\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtimePeriod\":0,\"CpuRealtimeR"
	"untime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgroupRules\":null,\"DeviceRequests\":nul"
	"l,\"KernelMemory\":0,\"KernelMemoryTCP\":0,\"MemoryReservation\":0,\"MemorySwap\":0,\"MemorySwappiness\":null,"
	"\"OomKillDisable\":false,\"PidsLimit\":null,\"Ulimits\":[],\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\":0,\""
	"IOMaximumBandwidth\":0,\"MaskedPaths\":[\"/proc/asound\",\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/l"
	"atency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/firmware"
	"\"],\"ReadonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}";

static json_t *hostconfig_cached;

static void hostconfig_load(void)
{
	hostconfig_cached = json_loads(hostconfig_json, 0, NULL);
}

static json_t *hostconfig_template(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, hostconfig_load);
	return hostconfig_cached ? json_deep_copy(hostconfig_cached) : json_object();
}

static json_t *container_inspect(const struct sim_container *c, int minor, int64_t now)
{
	char created[48], started[48], finished[48];
	fmt_time_ns(c->created_ns, created);
	fmt_time_ns(c->started_ns, started);
	fmt_time_ns(c->finished_ns, finished);
	bool running = strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0 ||
		       strcmp(c->state, "restarting") == 0;
	json_t *state = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}",
				  "Status", c->state, "Running", running, "Paused", strcmp(c->state, "paused") == 0,
				  "Restarting", strcmp(c->state, "restarting") == 0, "OOMKilled", 0,
				  "Dead", strcmp(c->state, "dead") == 0, "Pid", c->pid, "ExitCode", c->exit_code, "Error", "",
				  "StartedAt", started, "FinishedAt", finished);
	if (c->health)
		json_object_set_new(state, "Health", health_json(c, now));
	json_t *args = json_array(), *cmd = json_array();
	json_array_append_new(cmd, json_string(c->path));
	for (size_t i = 0; i < c->args.n; i++) {
		json_array_append_new(args, json_string(c->args.v[i]));
		json_array_append_new(cmd, json_string(c->args.v[i]));
	}
	char *name = xasprintf("/%s", c->name);
	char *rc = xasprintf("/var/lib/docker/containers/%s/resolv.conf", c->id);
	char *hn = xasprintf("/var/lib/docker/containers/%s/hostname", c->id);
	char *hs = xasprintf("/var/lib/docker/containers/%s/hosts", c->id);
	char *lp = xasprintf("/var/lib/docker/containers/%s/%s-json.log", c->id, c->id);
	json_t *execs = json_null();
	if (c->exec_ids.n) {
		execs = json_array();
		for (size_t i = 0; i < c->exec_ids.n; i++)
			json_array_append_new(execs, json_string(c->exec_ids.v[i]));
	}
	bool host = c->network_mode && strcmp(c->network_mode, "host") == 0;
	json_t *hostconfig = hostconfig_template();
	json_object_set_new(hostconfig, "NetworkMode", json_string(c->network_mode));
	json_object_set_new(hostconfig, "PortBindings", port_bindings(c));
	json_object_set_new(hostconfig, "RestartPolicy", json_pack("{s:s, s:i}", "Name", c->restart_policy, "MaximumRetryCount", 0));
	json_object_set_new(hostconfig, "Privileged", json_boolean(host));
	if (host)
		json_object_set_new(hostconfig, "CapAdd", json_pack("[s, s]", "NET_ADMIN", "NET_RAW"));
	json_t *config = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:{}, s:b, s:b, s:b, s:[s,s], s:o, s:s, s:n, "
				   "s:s, s:n, s:n, s:o}",
				   "Hostname", c->hostname, "Domainname", "", "User", "", "AttachStdin", 0,
				   "AttachStdout", 1, "AttachStderr", 1, "ExposedPorts", "Tty", c->tty, "OpenStdin", 0,
				   "StdinOnce", 0, "Env", "TZ=Europe/Berlin",
				   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "Cmd", cmd,
				   "Image", c->image, "Volumes", "WorkingDir", "", "Entrypoint", "OnBuild",
				   "Labels", json_sorted(c->labels));
	if (c->healthcheck)
		json_object_set(config, "Healthcheck", c->healthcheck);
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, "
			      "s:s, s:o, s:o, s:{s:n, s:s}, s:[], s:o}",
			      "Id", c->id, "Created", created, "Path", c->path, "Args", args, "State", state,
			      "Image", c->image_id, "ResolvConfPath", rc, "HostnamePath", hn, "HostsPath", hs,
			      "LogPath", lp, "Name", name, "RestartCount", c->restart_count, "Driver", "overlay2",
			      "Platform", "linux", "MountLabel", "", "ProcessLabel", "", "AppArmorProfile", "",
			      "ExecIDs", execs, "HostConfig", hostconfig, "GraphDriver", "Data", "Name", "overlay2",
			      "Mounts", "Config", config);
	char sandbox[65], *seed = xasprintf("sandbox:%s", c->id);
	sha256_hex(seed, sandbox);
	free(seed);
	char *sandbox_key = xasprintf("/var/run/docker/netns/%.12s", sandbox);
	/* the published ports, as bound while the container runs */
	json_t *ports = json_object();
	size_t pi;
	json_t *pv;
	json_array_foreach(c->ports, pi, pv) {
		if (!running)
			break;
		char key[32], port[16];
		snprintf(key, sizeof(key), "%lld/%s", (long long)json_integer_value(json_object_get(pv, "PrivatePort")),
			 json_string_value(json_object_get(pv, "Type")));
		snprintf(port, sizeof(port), "%lld", (long long)json_integer_value(json_object_get(pv, "PublicPort")));
		json_t *arr = json_object_get(ports, key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(ports, key, arr);
		}
		json_array_append_new(arr, json_pack("{s:s, s:s}", "HostIp", json_string_value(json_object_get(pv, "IP")),
						     "HostPort", port));
	}
	json_t *sorted_ports = json_sorted(ports);
	json_decref(ports);
	json_t *ns = json_pack("{s:s, s:s, s:b, s:s, s:i, s:o, s:s, s:n, s:n}",
			       "Bridge", "", "SandboxID", running ? sandbox : "", "HairpinMode", 0,
			       "LinkLocalIPv6Address", "", "LinkLocalIPv6PrefixLen", 0, "Ports", sorted_ports,
			       "SandboxKey", running ? sandbox_key : "", "SecondaryIPAddresses", "SecondaryIPv6Addresses");
	free(sandbox_key);
	/* the deprecated top-level address fields, empty for non-default networks */
	json_object_set_new(ns, "EndpointID", json_string(""));
	json_object_set_new(ns, "Gateway", json_string(""));
	json_object_set_new(ns, "GlobalIPv6Address", json_string(""));
	json_object_set_new(ns, "GlobalIPv6PrefixLen", json_integer(0));
	json_object_set_new(ns, "IPAddress", json_string(""));
	json_object_set_new(ns, "IPPrefixLen", json_integer(0));
	json_object_set_new(ns, "IPv6Gateway", json_string(""));
	json_object_set_new(ns, "MacAddress", json_string(""));
	json_object_set_new(ns, "Networks", networks_json(c, minor, true));
	json_object_set_new(o, "NetworkSettings", ns);
	free(name);
	free(rc);
	free(hn);
	free(hs);
	free(lp);
	return o;
}

static int cmp_created(const void *a, const void *b)
{
	const struct sim_container *x = *(const struct sim_container *const *)a, *y = *(const struct sim_container *const *)b;
	return x->created_ns > y->created_ns ? -1 : x->created_ns < y->created_ns ? 1 : strcmp(x->name, y->name);
}

static struct list_cache {
	char *key, *body;
	size_t len;
	uint64_t seq;
	int64_t sec;
} list_cache[8];
static unsigned list_cache_next;

static const char *container_filter_keys[] = {"ancestor", "before", "expose", "exited", "health", "id", "isolation",
					      "is-task", "label", "name", "network", "publish", "since", "status",
					      "volume", NULL};

static void containers_list(struct dreq *d)
{
	struct filters f;
	if (!filters_parse(d, container_filter_keys, &f)) {
		json_decref(f.map);
		return;
	}
	const char *all_s = http_arg(d->rq, "all"), *limit_s = http_arg(d->rq, "limit");
	bool all = all_s && (strcmp(all_s, "1") == 0 || strcasecmp(all_s, "true") == 0);
	long limit = limit_s ? strtol(limit_s, NULL, 10) : -1;
	static const char *const states[] = {"created", "running", "paused", "restarting", "removing", "exited", "dead"};
	size_t i;
	json_t *e;
	json_array_foreach(fvals(&f, "status"), i, e) {
		bool ok = false;
		for (size_t k = 0; k < ARRAY_SIZE(states); k++)
			ok |= strcmp(states[k], json_string_value(e)) == 0;
		if (!ok) {
			derr(d->rs, 400, "invalid filter 'status=%s'", json_string_value(e));
			json_decref(f.map);
			return;
		}
		all = true;
	}
	json_array_foreach(fvals(&f, "health"), i, e) {
		const char *h = json_string_value(e);
		if (strcmp(h, "starting") != 0 && strcmp(h, "healthy") != 0 && strcmp(h, "unhealthy") != 0 &&
		    strcmp(h, "none") != 0) {
			derr(d->rs, 400, "Unrecognised filter value for health: %s", h);
			json_decref(f.map);
			return;
		}
	}
	if (limit > 0)
		all = true;
	int64_t now = sim_now_ns();
	/* The list only changes with an event (ev_seq) or as uptimes tick over (the second):
	 * serialising 18 containers costs far more than answering from the last copy. */
	char *key = xasprintf("%d|%d|%ld|%s", d->minor, all, limit, http_arg(d->rq, "filters") ? http_arg(d->rq, "filters") : "");
	pthread_mutex_lock(&sim.lock);
	for (size_t ci = 0; ci < ARRAY_SIZE(list_cache); ci++) {
		struct list_cache *lc = &list_cache[ci];
		if (lc->key && strcmp(lc->key, key) == 0 && lc->seq == sim.ev_seq && lc->sec == now / 1000000000) {
			buf_reset(&d->rs->body);
			buf_append(&d->rs->body, lc->body, lc->len);
			d->rs->status = 200;
			d->rs->ctype = "application/json";
			pthread_mutex_unlock(&sim.lock);
			free(key);
			json_decref(f.map);
			return;
		}
	}
	json_t *out = json_array();
	struct sim_container **v = xcalloc(sim.containers.n + 1, sizeof(*v));
	memcpy(v, sim.containers.v, sim.containers.n * sizeof(*v));
	qsort(v, sim.containers.n, sizeof(*v), cmp_created);
	for (size_t k = 0; k < sim.containers.n; k++) {
		struct sim_container *c = v[k];
		if (!all && !is_running(c))
			continue;
		char *name = xasprintf("/%s", c->name);
		char code[16];
		snprintf(code, sizeof(code), "%d", c->exit_code);
		bool net_ok = !fvals(&f, "network");
		for (size_t j = 0; j < c->endpoints.n && !net_ok; j++) {
			struct sim_endpoint *ep = c->endpoints.v[j];
			net_ok = f_exact(&f, "network", ep->net->name) || f_prefix(&f, "network", ep->net->id);
		}
		bool hit = f_labels(&f, c->labels) && f_regex(&f, "name", name) && f_prefix(&f, "id", c->id) &&
			   f_exact(&f, "status", c->state) && f_exact(&f, "health", c->health ? c->health : "none") &&
			   (f_exact(&f, "exited", code) && (!fvals(&f, "exited") || strcmp(c->state, "exited") == 0)) &&
			   f_regex(&f, "ancestor", c->image) && net_ok;
		free(name);
		if (!hit)
			continue;
		json_array_append_new(out, container_summary(c, d->minor, now));
		if (limit > 0 && (long)json_array_size(out) >= limit)
			break;
	}
	free(v);
	djson(d->rs, 200, out);
	struct list_cache *lc = &list_cache[list_cache_next++ % ARRAY_SIZE(list_cache)];
	free(lc->key);
	free(lc->body);
	lc->key = key;
	lc->body = xstrndup(d->rs->body.data, d->rs->body.len);
	lc->len = d->rs->body.len;
	lc->seq = sim.ev_seq;
	lc->sec = now / 1000000000;
	pthread_mutex_unlock(&sim.lock);
	json_decref(f.map);
}

void docker_free(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(list_cache); i++) {
		free(list_cache[i].key);
		free(list_cache[i].body);
		list_cache[i].key = list_cache[i].body = NULL;
	}
	json_decref(hostconfig_cached);
	hostconfig_cached = NULL;
}

/* ---------------------------------------------------------------- logs */

static void frame(struct buf *b, int stream, const char *data, size_t len)
{
	unsigned char h[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
			      (unsigned char)(len >> 8), (unsigned char)len};
	buf_append(b, h, 8);
	buf_append(b, data, len);
}

static int64_t parse_time_arg(const char *s, bool *ok)
{
	*ok = true;
	if (!s || !*s)
		return 0;
	char *end;
	double v = strtod(s, &end);
	if (*end == '\0')
		return (int64_t)(v * 1e9);
	time_t t = time_parse_rfc3339(s);
	if (t != (time_t)-1)
		return (int64_t)t * 1000000000;
	long dur = duration_parse(s);
	if (dur >= 0)
		return sim_now_ns() - (int64_t)dur * 1000000000;
	*ok = false;
	return 0;
}

static void log_line(struct buf *b, const struct sim_logline *l, bool tty, bool ts)
{
	struct buf line = {0};
	if (ts) {
		char t[48];
		fmt_time_ns(l->t_ns, t);
		/* dockerd pads the fraction to nine digits in log timestamps */
		char *dot = strchr(t, '.');
		if (dot) {
			size_t fl = strlen(dot + 1) - 1; /* without Z */
			buf_append(&line, t, (size_t)(dot - t) + 1 + fl);
			for (; fl < 9; fl++)
				buf_putc(&line, '0');
			buf_puts(&line, "Z ");
		} else {
			buf_append(&line, t, strlen(t) - 1);
			buf_puts(&line, ".000000000Z ");
		}
	}
	buf_puts(&line, l->text);
	buf_puts(&line, tty ? "\r\n" : "\n");
	if (tty)
		buf_append(b, line.data, line.len);
	else
		frame(b, l->stream, line.data, line.len);
	buf_free(&line);
}

struct log_follow {
	char *id;
	bool tty, ts, out, err;
	int64_t last_ns;
	struct buf pending;
	size_t off;
	struct MHD_Connection *conn;
	struct http_server *srv;
};

static ssize_t follow_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct log_follow *lf = cls;
	for (;;) {
		if (lf->off < lf->pending.len) {
			size_t n = lf->pending.len - lf->off;
			if (n > max)
				n = max;
			memcpy(out, lf->pending.data + lf->off, n);
			lf->off += n;
			if (lf->off == lf->pending.len) {
				buf_reset(&lf->pending);
				lf->off = 0;
			}
			return (ssize_t)n;
		}
		if (!http_conn_alive(lf->conn, lf->srv))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		pthread_mutex_lock(&sim.lock);
		struct sim_container *c = container_find(lf->id);
		if (!c) {
			pthread_mutex_unlock(&sim.lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		for (size_t i = 0; i < c->logs.n; i++) {
			struct sim_logline *l = c->logs.v[i];
			if (l->t_ns <= lf->last_ns || (l->stream == 1 && !lf->out) || (l->stream == 2 && !lf->err))
				continue;
			log_line(&lf->pending, l, lf->tty, lf->ts);
			lf->last_ns = l->t_ns;
		}
		if (!lf->pending.len) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&sim.ev_cond, &sim.lock, &ts);
		}
		pthread_mutex_unlock(&sim.lock);
	}
}

static void follow_free(void *cls)
{
	struct log_follow *lf = cls;
	free(lf->id);
	buf_free(&lf->pending);
	free(lf);
}

static bool truthy(const char *s)
{
	return s && (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0);
}

static void container_logs(struct dreq *d, struct sim_container *c)
{
	bool out = truthy(http_arg(d->rq, "stdout")), err = truthy(http_arg(d->rq, "stderr"));
	if (!out && !err) {
		derr(d->rs, 400, "Bad parameters: you must choose at least one stream");
		return;
	}
	bool ts = truthy(http_arg(d->rq, "timestamps")), follow = truthy(http_arg(d->rq, "follow"));
	const char *tail_s = http_arg(d->rq, "tail");
	long tail = -1;
	if (tail_s && strcmp(tail_s, "all") != 0 && *tail_s) {
		char *end;
		tail = strtol(tail_s, &end, 10);
		if (*end || tail < 0)
			tail = -1;
	}
	bool ok1, ok2;
	int64_t since = parse_time_arg(http_arg(d->rq, "since"), &ok1), until = parse_time_arg(http_arg(d->rq, "until"), &ok2);
	if (!ok1 || !ok2) {
		derr(d->rs, 400, "invalid value for \"%s\"", ok1 ? "until" : "since");
		return;
	}
	struct buf b = {0};
	size_t first = 0, count = 0;
	int64_t last_ns = sim_now_ns();
	for (size_t i = 0; i < c->logs.n; i++) {
		struct sim_logline *l = c->logs.v[i];
		if ((l->stream == 1 && out) || (l->stream == 2 && err))
			count++;
	}
	if (tail >= 0 && (size_t)tail < count)
		first = count - (size_t)tail;
	size_t k = 0;
	for (size_t i = 0; i < c->logs.n; i++) {
		struct sim_logline *l = c->logs.v[i];
		if (!((l->stream == 1 && out) || (l->stream == 2 && err)))
			continue;
		if (k++ < first)
			continue;
		if ((since && l->t_ns < since) || (until && l->t_ns > until))
			continue;
		log_line(&b, l, c->tty, ts);
	}
	if (d->minor >= 42)
		d->rs->ctype = c->tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
	else
		d->rs->ctype = NULL;
	d->rs->status = 200;
	if (follow && !until) {
		struct log_follow *lf = xcalloc(1, sizeof(*lf));
		lf->id = xstrdup(c->id);
		lf->tty = c->tty;
		lf->ts = ts;
		lf->out = out;
		lf->err = err;
		lf->last_ns = last_ns;
		lf->pending = b;
		lf->conn = d->rq->conn;
		lf->srv = d->rq->srv;
		d->rs->raw = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, follow_reader, lf, follow_free);
		if (d->rs->ctype)
			MHD_add_response_header(d->rs->raw, MHD_HTTP_HEADER_CONTENT_TYPE, d->rs->ctype);
		return;
	}
	buf_free(&d->rs->body);
	d->rs->body = b;
}

/* ---------------------------------------------------------------- exec */

struct exec_out {
	struct buf b;
	bool tty;
	int code;
};

static void out_text(struct exec_out *o, int stream, const char *text)
{
	if (!*text)
		return;
	if (o->tty) {
		for (const char *p = text; *p; p++) {
			if (*p == '\n')
				buf_putc(&o->b, '\r');
			buf_putc(&o->b, *p);
		}
	} else {
		frame(&o->b, stream, text, strlen(text));
	}
}

static const char *const postfix_defaults[][2] = {
	{"mail_version", "3.7.11"},
	{"mailbox_size_limit", "0"},
	{"virtual_mailbox_limit", "51200000"},
	{"queue_directory", "/var/spool/postfix"},
	{"compatibility_level", "3.6"},
	{"maximal_queue_lifetime", "5d"},
	{"bounce_queue_lifetime", "1d"},
	{"smtputf8_enable", "no"},
};

static char *postconf_value(const char *name, bool defaults)
{
	if (defaults) {
		if (strcmp(name, "message_size_limit") == 0)
			return xstrdup("10240000");
	} else {
		char *v = postfix_param(name);
		if (v)
			return v;
	}
	for (size_t i = 0; i < ARRAY_SIZE(postfix_defaults); i++)
		if (strcmp(postfix_defaults[i][0], name) == 0)
			return xstrdup(postfix_defaults[i][1]);
	if (defaults)
		return postfix_param(name);
	return NULL;
}

static void run_postconf(struct exec_out *o, struct strv *argv)
{
	bool h = false, dflt = false, n = false;
	size_t i = 1;
	for (; i < argv->n && argv->v[i][0] == '-'; i++) {
		for (const char *p = argv->v[i] + 1; *p; p++) {
			if (*p == 'h')
				h = true;
			else if (*p == 'd')
				dflt = true;
			else if (*p == 'n')
				n = true;
			else if (*p != 'x') {
				char *msg = xasprintf("postconf: invalid option -- '%c'\npostconf: fatal: usage: postconf [-bcCdfhHlmMnoPtTvx] [name...]\n", *p);
				out_text(o, 2, msg);
				free(msg);
				o->code = 1;
				return;
			}
		}
	}
	struct strv names = {0};
	for (; i < argv->n; i++)
		strv_push(&names, argv->v[i]);
	if (!names.n) {
		static const char *const shown[] = {"message_size_limit", "mailbox_size_limit", "milter_default_action",
						    "myhostname", "relayhost", "smtpd_milters"};
		for (size_t k = 0; k < ARRAY_SIZE(shown); k++)
			strv_push(&names, shown[k]);
		(void)n;
	}
	for (size_t k = 0; k < names.n; k++) {
		char *v = postconf_value(names.v[k], dflt);
		if (!v) {
			char *msg = xasprintf("postconf: warning: %s: unknown parameter\n", names.v[k]);
			out_text(o, 2, msg);
			free(msg);
			continue;
		}
		char *line = h ? xasprintf("%s\n", v) : xasprintf("%s = %s\n", names.v[k], v);
		out_text(o, 1, line);
		free(line);
		free(v);
	}
	strv_free(&names);
}

static void run_postqueue(struct exec_out *o, struct strv *argv)
{
	bool json = argv->n > 1 && strcmp(argv->v[1], "-j") == 0;
	bool list = argv->n > 1 && strcmp(argv->v[1], "-p") == 0;
	if (!json && !list) {
		out_text(o, 2, "postqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site\n");
		o->code = 1;
		return;
	}
	pthread_mutex_lock(&sim.lock);
	if (list && !sim.mailq.n)
		out_text(o, 1, "Mail queue is empty\n");
	long total = 0;
	for (size_t i = 0; i < sim.mailq.n; i++) {
		struct sim_qitem *q = sim.mailq.v[i];
		if (json) {
			json_t *rc = json_array();
			for (size_t k = 0; k < q->recipients.n; k++) {
				char *addr = xstrdup(q->recipients.v[k]), *sp = strstr(addr, " (");
				json_t *r = json_object();
				if (sp) {
					*sp = '\0';
					char *reason = xstrdup(sp + 2);
					size_t rl = strlen(reason);
					if (rl && reason[rl - 1] == ')')
						reason[rl - 1] = '\0';
					json_object_set_new(r, "address", json_string(addr));
					json_object_set_new(r, "delay_reason", json_string(reason));
					free(reason);
				} else {
					json_object_set_new(r, "address", json_string(addr));
				}
				json_array_append_new(rc, r);
				free(addr);
			}
			json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:b, s:s, s:o}", "queue_name", q->queue_name,
					      "queue_id", q->queue_id, "arrival_time", (json_int_t)q->arrival,
					      "message_size", (json_int_t)q->size, "forced_expire", 0, "sender", q->sender,
					      "recipients", rc);
			char *s = json_dumps(j, JSON_COMPACT);
			char *line = xasprintf("%s\n", s);
			out_text(o, 1, line);
			free(line);
			free(s);
			json_decref(j);
		} else {
			if (i == 0)
				out_text(o, 1, "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n");
			char when[32];
			time_t t = q->arrival;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%a %b %e %H:%M:%S", &tm);
			char *line = xasprintf("%-11s %8ld %s  %s\n", q->queue_id, q->size, when, q->sender);
			out_text(o, 1, line);
			free(line);
			for (size_t k = 0; k < q->recipients.n; k++) {
				char *r = xasprintf("                                         %s\n\n", q->recipients.v[k]);
				out_text(o, 1, r);
				free(r);
			}
			total += q->size;
		}
	}
	if (list && sim.mailq.n) {
		char *s = xasprintf("-- %ld Kbytes in %zu Requests.\n", total / 1024, sim.mailq.n);
		out_text(o, 1, s);
		free(s);
	}
	pthread_mutex_unlock(&sim.lock);
}

/* Runs one simple command; false when it does not exist in this container. */
/* What a command sees of its container; copied so that it runs without the lock. */
struct exec_ctx {
	char *service, *hostname;
};

static bool run_simple(struct exec_out *o, const struct exec_ctx *c, struct strv *argv)
{
	const char *cmd = argv->v[0], *base = strrchr(cmd, '/');
	base = base ? base + 1 : cmd;
	o->code = 0;
	bool postfix = strcmp(c->service, "postfix-mailcow") == 0;
	if (strcmp(base, "postconf") == 0 && postfix) {
		run_postconf(o, argv);
	} else if (strcmp(base, "postqueue") == 0 && postfix) {
		run_postqueue(o, argv);
	} else if (strcmp(base, "echo") == 0) {
		struct buf b = {0};
		for (size_t i = 1; i < argv->n; i++) {
			if (i > 1)
				buf_putc(&b, ' ');
			buf_puts(&b, argv->v[i]);
		}
		buf_putc(&b, '\n');
		out_text(o, 1, buf_cstr(&b));
		buf_free(&b);
	} else if (strcmp(base, "true") == 0 || strcmp(base, "sleep") == 0) {
	} else if (strcmp(base, "false") == 0) {
		o->code = 1;
	} else if (strcmp(base, "hostname") == 0) {
		char *s = xasprintf("%s\n", c->hostname);
		out_text(o, 1, s);
		free(s);
	} else if (strcmp(base, "cat") == 0) {
		for (size_t i = 1; i < argv->n; i++) {
			if (strcmp(argv->v[i], "/etc/hostname") == 0) {
				char *s = xasprintf("%s\n", c->hostname);
				out_text(o, 1, s);
				free(s);
			} else {
				char *s = xasprintf("cat: %s: No such file or directory\n", argv->v[i]);
				out_text(o, 2, s);
				free(s);
				o->code = 1;
			}
		}
	} else {
		return false;
	}
	return true;
}

/* Splits a shell command line on blanks, honouring single and double quotes. */
static void shell_words(const char *s, struct strv *out)
{
	struct buf w = {0};
	bool in = false;
	char q = 0;
	for (const char *p = s;; p++) {
		if (!*p || (!q && (*p == ' ' || *p == '\t' || *p == '\n'))) {
			if (in)
				strv_push(out, buf_cstr(&w));
			buf_reset(&w);
			in = false;
			if (!*p)
				break;
			continue;
		}
		in = true;
		if (q) {
			if (*p == q)
				q = 0;
			else
				buf_putc(&w, *p);
		} else if (*p == '\'' || *p == '"') {
			q = *p;
		} else {
			buf_putc(&w, *p);
		}
	}
	buf_free(&w);
}

static void exec_run(struct exec_out *o, const struct exec_ctx *c, const struct strv *cmd)
{
	const char *base = strrchr(cmd->v[0], '/');
	base = base ? base + 1 : cmd->v[0];
	if ((strcmp(base, "sh") == 0 || strcmp(base, "bash") == 0 || strcmp(base, "ash") == 0) && cmd->n >= 3 &&
	    strcmp(cmd->v[1], "-c") == 0) {
		char *script = xstrdup(cmd->v[2]);
		o->code = 0;
		char *save = NULL;
		for (char *seg = strtok_r(script, ";\n", &save); seg; seg = strtok_r(NULL, ";\n", &save)) {
			struct strv w = {0};
			shell_words(seg, &w);
			if (!w.n) {
				strv_free(&w);
				continue;
			}
			if (strcmp(w.v[0], "exit") == 0) {
				o->code = w.n > 1 ? atoi(w.v[1]) : o->code;
				strv_free(&w);
				break;
			}
			if (!run_simple(o, c, &w)) {
				char *msg = xasprintf("%s: 1: %s: not found\n", base, w.v[0]);
				out_text(o, 2, msg);
				free(msg);
				o->code = 127;
			}
			strv_free(&w);
		}
		free(script);
		return;
	}
	struct strv argv = {0};
	for (size_t i = 0; i < cmd->n; i++)
		strv_push(&argv, cmd->v[i]);
	if (!run_simple(o, c, &argv)) {
		char *msg = xasprintf("OCI runtime exec failed: exec failed: unable to start container process: exec: "
				      "\"%s\": executable file not found in $PATH: unknown\r\n",
				      cmd->v[0]);
		out_text(o, 1, msg);
		free(msg);
		o->code = 127;
	}
	strv_free(&argv);
}

static char *cmd_string(const struct strv *cmd)
{
	return strv_join(cmd, " ");
}

static void exec_create(struct dreq *d, struct sim_container *c)
{
	const char *ct = http_header(d->rq, "Content-Type");
	if (d->rq->body.len && ct && !str_starts_with(ct, "application/json")) {
		derr(d->rs, 400, "unsupported Content-Type header (%s): must be 'application/json'", ct);
		return;
	}
	json_error_t je;
	json_t *j = json_loads(buf_cstr(&d->rq->body), 0, &je);
	if (!j) {
		derr(d->rs, 400, "%s", go_json_error(buf_cstr(&d->rq->body), &je));
		return;
	}
	json_t *cmd = json_object_get(j, "Cmd");
	if (!json_is_array(cmd) || !json_array_size(cmd)) {
		json_decref(j);
		derr(d->rs, 400, "No exec command specified");
		return;
	}
	if (strcmp(c->state, "paused") == 0) {
		json_decref(j);
		derr(d->rs, 409, "container %s is paused, unpause the container before exec", c->id);
		return;
	}
	if (strcmp(c->state, "running") != 0) {
		json_decref(j);
		derr(d->rs, 409, "container %s is not running", c->id);
		return;
	}
	struct sim_exec *e = xcalloc(1, sizeof(*e));
	char id[65];
	random_hex(id, 64);
	e->id = xstrdup(id);
	e->c = c;
	size_t i;
	json_t *v;
	json_array_foreach(cmd, i, v) strv_push(&e->cmd, json_is_string(v) ? json_string_value(v) : "");
	e->tty = json_is_true(json_object_get(j, "Tty"));
	e->attach_stdout = json_is_true(json_object_get(j, "AttachStdout"));
	e->attach_stderr = json_is_true(json_object_get(j, "AttachStderr"));
	e->exit_code = -1;
	json_decref(j);
	/* keep the exec table bounded: forget the oldest finished ones */
	while (sim.execs.n > 512) {
		struct sim_exec *old = sim.execs.v[0];
		for (size_t k = 0; k < old->c->exec_ids.n; k++)
			if (strcmp(old->c->exec_ids.v[k], old->id) == 0) {
				free(old->c->exec_ids.v[k]);
				memmove(old->c->exec_ids.v + k, old->c->exec_ids.v + k + 1,
					(old->c->exec_ids.n - k - 1) * sizeof(char *));
				old->c->exec_ids.n--;
				break;
			}
		free(old->id);
		strv_free(&old->cmd);
		free(old);
		ptrv_remove(&sim.execs, 0);
	}
	ptrv_push(&sim.execs, e);
	strv_push(&c->exec_ids, e->id);
	char *cs = cmd_string(&e->cmd), *action = xasprintf("exec_create: %s", cs);
	event_emit_container(c, action, json_pack("{s:s}", "execID", e->id), sim_now_ns());
	free(cs);
	free(action);
	djson(d->rs, 201, json_pack("{s:s}", "Id", e->id));
}

struct hijack {
	struct buf out;
};

static void hijack_cb(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in, size_t extra_in_size,
		      MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	(void)conn;
	(void)req_cls;
	(void)extra_in;
	(void)extra_in_size;
	struct hijack *h = cls;
	size_t off = 0;
	while (off < h->out.len) {
		ssize_t n = send(sock, h->out.data + off, h->out.len - off, MSG_NOSIGNAL);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	shutdown(sock, SHUT_WR);
	buf_free(&h->out);
	free(h);
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

static void exec_start(struct dreq *d, struct sim_exec *e)
{
	json_t *j = d->rq->body.len ? json_loads(buf_cstr(&d->rq->body), 0, NULL) : json_object();
	if (!j) {
		derr(d->rs, 400, "invalid character looking for beginning of value");
		return;
	}
	bool detach = json_is_true(json_object_get(j, "Detach"));
	json_decref(j);
	if (e->running || e->exit_code >= 0) {
		derr(d->rs, 409, "Error: Exec command %s has already run", e->id);
		return;
	}
	if (strcmp(e->c->state, "running") != 0) {
		derr(d->rs, 409, "container %s is not running", e->c->id);
		return;
	}
	struct sim_container *c = e->c;
	char *cs = cmd_string(&e->cmd), *action = xasprintf("exec_start: %s", cs);
	event_emit_container(c, action, json_pack("{s:s}", "execID", e->id), sim_now_ns());
	free(action);
	free(cs);
	struct exec_out o = {.tty = e->tty};
	e->pid = 40000 + (int)(sim.execs.n % 20000);
	/* postconf reads the mailcow files, postqueue takes the lock itself; the exec and its
	 * container may go away meanwhile (container ... remove), so look them up again after */
	char *id = xstrdup(e->id);
	struct strv cmd = {0};
	for (size_t i = 0; i < e->cmd.n; i++)
		strv_push(&cmd, e->cmd.v[i]);
	struct exec_ctx ctx = {xstrdup(c->service), xstrdup(c->hostname)};
	e->running = true;
	pthread_mutex_unlock(&sim.lock);
	exec_run(&o, &ctx, &cmd);
	pthread_mutex_lock(&sim.lock);
	strv_free(&cmd);
	free(ctx.service);
	free(ctx.hostname);
	e = exec_find(id);
	free(id);
	if (!e) {
		buf_free(&o.b);
		derr(d->rs, 404, "No such exec instance: the container was removed");
		return;
	}
	e->running = false;
	e->exit_code = o.code;
	char code[16];
	snprintf(code, sizeof(code), "%d", o.code);
	c = e->c; /* the exec still exists, so its container does too */
	event_emit_container(c, "exec_die", json_pack("{s:s, s:s}", "execID", e->id, "exitCode", code), sim_now_ns());
	if (!e->attach_stdout && !e->attach_stderr)
		buf_reset(&o.b);
	if (detach) {
		buf_free(&o.b);
		d->rs->status = 200;
		d->rs->ctype = NULL;
		return;
	}
	const char *ctype = e->tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
	if (d->minor < 42)
		ctype = "application/vnd.docker.raw-stream";
	const char *up = http_header(d->rq, "Upgrade");
	if (up && strcasecmp(up, "tcp") == 0) {
		struct hijack *h = xcalloc(1, sizeof(*h));
		h->out = o.b;
		d->rs->raw = MHD_create_response_for_upgrade(hijack_cb, h);
		d->rs->status = 101;
		http_add_header(d->rs, "Content-Type", ctype);
		http_add_header(d->rs, "Upgrade", "tcp");
		return;
	}
	/* without Upgrade dockerd still hijacks: the stream follows the headers until close */
	buf_free(&d->rs->body);
	d->rs->body = o.b;
	d->rs->status = 200;
	d->rs->ctype = ctype;
	d->rs->close = true;
}

static void exec_inspect(struct dreq *d, struct sim_exec *e)
{
	json_t *args = json_array();
	for (size_t i = 1; i < e->cmd.n; i++)
		json_array_append_new(args, json_string(e->cmd.v[i]));
	json_t *o = json_pack("{s:b, s:s, s:s, s:o, s:s, s:b, s:b, s:b, s:{s:o, s:s, s:b, s:b}, s:b, s:i}",
			      "CanRemove", 0, "ContainerID", e->c->id, "DetachKeys", "",
			      "ExitCode", e->exit_code >= 0 ? json_integer(e->exit_code) : json_null(), "ID", e->id,
			      "OpenStderr", e->attach_stderr, "OpenStdin", 0, "OpenStdout", e->attach_stdout,
			      "ProcessConfig", "arguments", args, "entrypoint", e->cmd.v[0], "privileged", 0, "tty", e->tty,
			      "Running", e->running, "Pid", e->exit_code >= 0 ? e->pid : 0);
	djson(d->rs, 200, o);
}

/* ---------------------------------------------------------------- networks */

static bool builtin_net(const struct sim_net *n)
{
	return strcmp(n->name, "bridge") == 0 || strcmp(n->name, "host") == 0 || strcmp(n->name, "none") == 0 ||
	       strcmp(n->name, "ingress") == 0 || strcmp(n->name, "docker_gwbridge") == 0;
}

static json_t *network_json(const struct sim_net *n, int minor, bool detail)
{
	json_t *ipam_cfg = json_array();
	if (n->subnet)
		json_array_append_new(ipam_cfg, n->gateway ? json_pack("{s:s, s:s}", "Subnet", n->subnet, "Gateway", n->gateway)
							   : json_pack("{s:s}", "Subnet", n->subnet));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", n->name, "Id", n->id, "Created", n->created,
			      "Scope", n->scope, "Driver", n->driver);
	if (minor >= 47)
		json_object_set_new(o, "EnableIPv4", json_true());
	json_object_set_new(o, "EnableIPv6", json_false());
	json_object_set_new(o, "IPAM", json_pack("{s:s, s:o, s:o}", "Driver", "default",
						 "Options", strcmp(n->scope, "swarm") == 0 || builtin_net(n) ? json_null() : json_object(),
						 "Config", ipam_cfg));
	json_object_set_new(o, "Internal", json_boolean(n->internal));
	json_object_set_new(o, "Attachable", json_boolean(n->attachable));
	json_object_set_new(o, "Ingress", json_boolean(n->ingress));
	json_object_set_new(o, "ConfigFrom", json_pack("{s:s}", "Network", ""));
	json_object_set_new(o, "ConfigOnly", json_false());
	json_t *ctrs = json_object();
	if (detail) {
		for (size_t i = 0; i < sim.containers.n; i++) {
			struct sim_container *c = sim.containers.v[i];
			if (strcmp(c->state, "running") != 0 && strcmp(c->state, "paused") != 0)
				continue;
			for (size_t j = 0; j < c->endpoints.n; j++) {
				struct sim_endpoint *e = c->endpoints.v[j];
				if (e->net != n)
					continue;
				char *v4 = e->ip ? xasprintf("%s/%d", e->ip, prefix_len(n)) : xstrdup("");
				json_object_set_new(ctrs, c->id, json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", c->name,
									   "EndpointID", e->endpoint_id, "MacAddress",
									   e->mac ? e->mac : "", "IPv4Address", v4, "IPv6Address", ""));
				free(v4);
			}
		}
		if (strcmp(n->driver, "overlay") == 0 && n->subnet) {
			/* the load balancer pseudo-endpoint every swarm overlay has on a node */
			unsigned a, b, cc, dd, bits;
			char *lb_ip = sscanf(n->subnet, "%u.%u.%u.%u/%u", &a, &b, &cc, &dd, &bits) == 5
					      ? xasprintf("%u.%u.%u.254/%u", a, b, cc, bits) : xstrdup("");
			char eid[65], *seed = xasprintf("lb:%s", n->name);
			sha256_hex(seed, eid);
			free(seed);
			char *key = xasprintf("lb-%s", n->name), *nm = xasprintf("%s-endpoint", n->name);
			json_object_set_new(ctrs, key, json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", nm, "EndpointID", eid,
								 "MacAddress", "02:42:0a:00:01:fe", "IPv4Address", lb_ip,
								 "IPv6Address", ""));
			free(key);
			free(nm);
			free(lb_ip);
		}
	}
	json_t *sorted = json_sorted(ctrs);
	json_decref(ctrs);
	json_object_set_new(o, "Containers", sorted);
	json_object_set_new(o, "Options", json_sorted(n->options));
	json_object_set_new(o, "Labels", json_sorted(n->labels));
	if (detail && strcmp(n->scope, "swarm") == 0)
		json_object_set_new(o, "Peers", json_pack("[{s:s, s:s}]", "Name", "8f3c1e2d9a4b", "IP", "192.168.5.16"));
	return o;
}

static const char *network_filter_keys[] = {"dangling", "driver", "id", "label", "name", "scope", "type", NULL};

static void networks_list(struct dreq *d)
{
	struct filters f;
	if (!filters_parse(d, network_filter_keys, &f)) {
		json_decref(f.map);
		return;
	}
	json_t *out = json_array();
	pthread_mutex_lock(&sim.lock);
	for (size_t i = 0; i < sim.nets.n; i++) {
		struct sim_net *n = sim.nets.v[i];
		bool type_ok = !fvals(&f, "type") || f_exact(&f, "type", builtin_net(n) ? "builtin" : "custom");
		if (!type_ok || !f_regex(&f, "name", n->name) || !f_prefix(&f, "id", n->id) || !f_exact(&f, "driver", n->driver) ||
		    !f_exact(&f, "scope", n->scope) || !f_labels(&f, n->labels))
			continue;
		json_array_append_new(out, network_json(n, d->minor, false));
	}
	pthread_mutex_unlock(&sim.lock);
	json_decref(f.map);
	djson(d->rs, 200, out);
}

/* ---------------------------------------------------------------- events */

struct ev_stream {
	struct filters f;
	bool has_since, has_until;
	int64_t since, until;
	uint64_t next;
	struct buf pending;
	size_t off;
	struct MHD_Connection *conn;
	struct http_server *srv;
};

static bool event_matches(struct filters *f, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "Type"));
	const char *action = json_string_value(json_object_get(ev, "Action"));
	const char *scope = json_string_value(json_object_get(ev, "scope"));
	json_t *actor = json_object_get(ev, "Actor");
	const char *id = json_string_value(json_object_get(actor, "ID"));
	json_t *attrs = json_object_get(actor, "Attributes");
	const char *name = json_string_value(json_object_get(attrs, "name"));
	/* health_status, exec_create and exec_start match as prefixes (moby #25798) */
	bool ev_ok = true;
	json_t *evs = fvals(f, "event");
	if (evs && json_array_size(evs)) {
		ev_ok = false;
		size_t i;
		json_t *e;
		json_array_foreach(evs, i, e) {
			const char *want = json_string_value(e);
			bool fuzzy = strcmp(want, "health_status") == 0 || strcmp(want, "exec_create") == 0 ||
				     strcmp(want, "exec_start") == 0;
			if (fuzzy ? str_starts_with(action, want) : strcmp(action, want) == 0)
				ev_ok = true;
		}
	}
	bool ctr_ok = !fvals(f, "container") || f_prefix(f, "container", id) || (name && f_prefix(f, "container", name));
	bool net_ok = !fvals(f, "network") || f_prefix(f, "network", id) || (name && f_prefix(f, "network", name));
	bool img_ok = !fvals(f, "image") || f_exact(f, "image", json_string_value(json_object_get(attrs, "image")));
	return ev_ok && f_exact(f, "type", type) && f_exact(f, "scope", scope) && ctr_ok && net_ok && img_ok &&
	       f_labels(f, attrs);
}

static ssize_t events_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct ev_stream *s = cls;
	for (;;) {
		if (s->off < s->pending.len) {
			size_t n = s->pending.len - s->off;
			if (n > max)
				n = max;
			memcpy(out, s->pending.data + s->off, n);
			s->off += n;
			if (s->off == s->pending.len) {
				buf_reset(&s->pending);
				s->off = 0;
			}
			return (ssize_t)n;
		}
		if (!http_conn_alive(s->conn, s->srv))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		pthread_mutex_lock(&sim.lock);
		uint64_t oldest = sim.ev_seq > ARRAY_SIZE(sim.ev_ring) ? sim.ev_seq - ARRAY_SIZE(sim.ev_ring) : 0;
		if (s->next < oldest)
			s->next = oldest;
		for (; s->next < sim.ev_seq; s->next++) {
			size_t slot = s->next % ARRAY_SIZE(sim.ev_ring);
			int64_t t = sim.ev_time[slot];
			if ((s->has_since && t < s->since) || (s->has_until && t > s->until))
				continue;
			if (!event_matches(&s->f, sim.ev_ring[slot]))
				continue;
			char *line = json_dumps(sim.ev_ring[slot], JSON_COMPACT);
			buf_puts(&s->pending, line);
			buf_putc(&s->pending, '\n');
			free(line);
		}
		bool done = s->has_until && sim_now_ns() >= s->until;
		if (!s->pending.len && !done) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&sim.ev_cond, &sim.lock, &ts);
		}
		pthread_mutex_unlock(&sim.lock);
		if (done && !s->pending.len)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
}

static void events_free(void *cls)
{
	struct ev_stream *s = cls;
	json_decref(s->f.map);
	buf_free(&s->pending);
	free(s);
}

static const char *event_filter_keys[] = {"config", "container", "daemon", "event", "image", "label", "network",
					  "node", "plugin", "scope", "secret", "service", "type", "volume", NULL};

static void events(struct dreq *d)
{
	struct ev_stream *s = xcalloc(1, sizeof(*s));
	if (!filters_parse(d, event_filter_keys, &s->f)) {
		events_free(s);
		return;
	}
	const char *since = http_arg(d->rq, "since"), *until = http_arg(d->rq, "until");
	bool ok1, ok2;
	s->since = parse_time_arg(since, &ok1);
	s->until = parse_time_arg(until, &ok2);
	if (!ok1 || !ok2) {
		derr(d->rs, 400, "failed to parse value %s as a timestamp", ok1 ? until : since);
		events_free(s);
		return;
	}
	s->has_since = since && *since;
	s->has_until = until && *until;
	s->conn = d->rq->conn;
	s->srv = d->rq->srv;
	pthread_mutex_lock(&sim.lock);
	/* without since only new events; with it, what the ring still holds */
	s->next = s->has_since ? 0 : sim.ev_seq;
	pthread_mutex_unlock(&sim.lock);
	d->rs->status = 200;
	d->rs->raw = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, events_reader, s, events_free);
	MHD_add_response_header(d->rs->raw, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
}

/* ---------------------------------------------------------------- misc */

static void version_json(struct dreq *d)
{
	json_t *o = json_pack("{s:{s:s}, s:[{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}], s:s, s:s, "
			      "s:s, s:s, s:s, s:s, s:s, s:s}",
			      "Platform", "Name", "Docker Engine - Community", "Components", "Name", "Engine", "Version",
			      SIM_ENGINE_VERSION, "Details", "ApiVersion", SIM_API_MAX, "Arch", "amd64", "BuildTime",
			      "2024-09-20T11:41:19.000000000+00:00", "Experimental", "false", "GitCommit", "41ca978",
			      "GoVersion", "go1.22.7", "KernelVersion", "6.1.0-28-amd64", "MinAPIVersion", SIM_API_MIN,
			      "Os", "linux", "Version", SIM_ENGINE_VERSION, "ApiVersion", SIM_API_MAX, "MinAPIVersion",
			      SIM_API_MIN, "GitCommit", "41ca978", "GoVersion", "go1.22.7", "Os", "linux", "Arch", "amd64",
			      "KernelVersion", "6.1.0-28-amd64");
	json_object_set_new(o, "BuildTime", json_string("2024-09-20T11:41:19.000000000+00:00"));
	djson(d->rs, 200, o);
}

static void info_json(struct dreq *d)
{
	int running = 0, paused = 0, stopped = 0;
	pthread_mutex_lock(&sim.lock);
	for (size_t i = 0; i < sim.containers.n; i++) {
		struct sim_container *c = sim.containers.v[i];
		if (strcmp(c->state, "running") == 0 || strcmp(c->state, "restarting") == 0)
			running++;
		else if (strcmp(c->state, "paused") == 0)
			paused++;
		else
			stopped++;
	}
	size_t n = sim.containers.n;
	pthread_mutex_unlock(&sim.lock);
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:s, "
			      "s:{s:s, s:s, s:s, s:b, s:s, s:i, s:i}}",
			      "ID", "6d4b3f0a-2c1e-4f5a-9b8c-7d6e5f4a3b2c", "Containers", (int)n, "ContainersRunning",
			      running, "ContainersPaused", paused, "ContainersStopped", stopped, "Images", (int)n,
			      "Driver", "overlay2", "KernelVersion", "6.1.0-28-amd64", "OperatingSystem",
			      "Debian GNU/Linux 12 (bookworm)", "OSVersion", "12", "OSType", "linux", "Architecture",
			      "x86_64", "IndexServerAddress", "https://index.docker.io/v1/", "NCPU", 4, "MemTotal",
			      (json_int_t)16776216576LL, "Name", "docker4", "ServerVersion", SIM_ENGINE_VERSION, "Swarm",
			      "NodeID", "8f3c1e2d9a4b7c6e5f0a1b2c3", "NodeAddr", "192.168.5.16", "LocalNodeState",
			      "active", "ControlAvailable", 1, "Error", "", "Nodes", 1, "Managers", 1);
	json_object_set_new(o, "DockerRootDir", json_string("/var/lib/docker"));
	json_object_set_new(o, "LoggingDriver", json_string("json-file"));
	json_object_set_new(o, "CgroupDriver", json_string("systemd"));
	json_object_set_new(o, "CgroupVersion", json_string("2"));
	djson(d->rs, 200, o);
}

static void images_list(struct dreq *d)
{
	json_t *out = json_array(), *seen = json_object();
	pthread_mutex_lock(&sim.lock);
	for (size_t i = 0; i < sim.containers.n; i++) {
		struct sim_container *c = sim.containers.v[i];
		if (json_object_get(seen, c->image_id))
			continue;
		json_object_set_new(seen, c->image_id, json_true());
		json_array_append_new(out, json_pack("{s:i, s:I, s:s, s:{}, s:s, s:[s], s:[], s:i, s:I}", "Containers", -1,
						     "Created", (json_int_t)(c->created_ns / 1000000000), "Id", c->image_id,
						     "Labels", "ParentId", "", "RepoTags", c->image, "RepoDigests",
						     "SharedSize", -1, "Size", (json_int_t)123456789));
	}
	pthread_mutex_unlock(&sim.lock);
	json_decref(seen);
	djson(d->rs, 200, out);
}

/* POST /containers/{id}/{start,stop,restart,kill,pause,unpause} */
static void container_post(struct dreq *d, struct sim_container *c, const char *op)
{
	const char *err = NULL;
	bool running = strcmp(c->state, "running") == 0 || strcmp(c->state, "restarting") == 0 ||
		       strcmp(c->state, "paused") == 0;
	if ((strcmp(op, "start") == 0 && running) || (strcmp(op, "stop") == 0 && !running)) {
		d->rs->status = 304;
		d->rs->ctype = NULL;
		return;
	}
	if (strcmp(op, "restart") == 0) {
		/* a manual restart: RestartCount stays, the events are kill, die, stop, start, restart */
		if (running)
			container_action(c, "stop", NULL);
		err = container_action(c, "start", NULL);
		if (!err)
			event_emit_container(c, "restart", NULL, sim_now_ns());
	} else {
		err = container_action(c, op, NULL);
	}
	if (err) {
		if (strcmp(op, "kill") == 0)
			derr(d->rs, 409, "Cannot kill container: %s: container %s is not running", c->name, c->id);
		else
			derr(d->rs, 409, "%s", err);
		return;
	}
	d->rs->status = 204;
	d->rs->ctype = NULL;
}

static void container_delete(struct dreq *d, struct sim_container *c)
{
	bool force = truthy(http_arg(d->rq, "force"));
	if (is_running(c) && !force) {
		derr(d->rs, 409, "cannot remove container \"/%s\": container is running: stop the container before removing or force remove",
		     c->name);
		return;
	}
	container_action(c, "remove", NULL);
	d->rs->status = 204;
	d->rs->ctype = NULL;
}

/* ---------------------------------------------------------------- routing */

static int parse_version(const char *s, int *major, int *minor)
{
	char *end;
	*major = (int)strtol(s, &end, 10);
	if (*end != '.')
		return -1;
	*minor = (int)strtol(end + 1, &end, 10);
	return *end ? -1 : 0;
}

static void dispatch(struct dreq *d)
{
	const char *m = d->rq->method;
	bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0, post = strcmp(m, "POST") == 0;
	char **p = d->parts;
	int n = d->nparts;
	if (n == 1 && strcmp(p[0], "_ping") == 0 && get) {
		http_text(d->rs, 200, "text/plain; charset=utf-8", "OK");
		http_add_header(d->rs, "Builder-Version", "2");
		http_add_header(d->rs, "Cache-Control", "no-cache, no-store, must-revalidate");
		http_add_header(d->rs, "Pragma", "no-cache");
		http_add_header(d->rs, "Swarm", "active/manager");
		return;
	}
	if (n == 1 && strcmp(p[0], "version") == 0 && get)
		return version_json(d);
	if (n == 1 && strcmp(p[0], "info") == 0 && get)
		return info_json(d);
	if (n == 1 && strcmp(p[0], "events") == 0 && get)
		return events(d);
	if (n == 2 && strcmp(p[0], "containers") == 0 && strcmp(p[1], "json") == 0 && get)
		return containers_list(d);
	if (n == 2 && strcmp(p[0], "images") == 0 && strcmp(p[1], "json") == 0 && get)
		return images_list(d);
	if (n == 1 && strcmp(p[0], "networks") == 0 && get)
		return networks_list(d);
	if (n == 2 && strcmp(p[0], "networks") == 0 && get) {
		pthread_mutex_lock(&sim.lock);
		struct sim_net *net = net_find(p[1]);
		if (net)
			djson(d->rs, 200, network_json(net, d->minor, true));
		else
			derr(d->rs, 404, "network %s not found", p[1]);
		pthread_mutex_unlock(&sim.lock);
		return;
	}
	if (n == 3 && strcmp(p[0], "images") == 0 && strcmp(p[2], "json") == 0 && get)
		return derr(d->rs, 404, "No such image: %s", p[1]);
	if (n >= 2 && strcmp(p[0], "containers") == 0) {
		bool known = (n == 3 && get && (strcmp(p[2], "json") == 0 || strcmp(p[2], "logs") == 0)) ||
			     (n == 3 && post && (strcmp(p[2], "exec") == 0 || strcmp(p[2], "start") == 0 ||
						 strcmp(p[2], "stop") == 0 || strcmp(p[2], "restart") == 0 ||
						 strcmp(p[2], "kill") == 0 || strcmp(p[2], "pause") == 0 ||
						 strcmp(p[2], "unpause") == 0)) ||
			     (n == 2 && strcmp(m, "DELETE") == 0);
		if (!known)
			return derr(d->rs, 404, "page not found");
		pthread_mutex_lock(&sim.lock);
		struct sim_container *c = container_find(p[1]);
		if (!c)
			derr(d->rs, 404, "No such container: %s", p[1]);
		else if (n == 2)
			container_delete(d, c);
		else if (strcmp(p[2], "json") == 0)
			djson(d->rs, 200, container_inspect(c, d->minor, sim_now_ns()));
		else if (strcmp(p[2], "logs") == 0)
			container_logs(d, c);
		else if (strcmp(p[2], "exec") == 0)
			exec_create(d, c);
		else
			container_post(d, c, p[2]);
		pthread_mutex_unlock(&sim.lock);
		return;
	}
	if (n == 3 && strcmp(p[0], "exec") == 0 &&
	    ((post && (strcmp(p[2], "start") == 0 || strcmp(p[2], "resize") == 0)) || (get && strcmp(p[2], "json") == 0))) {
		pthread_mutex_lock(&sim.lock);
		struct sim_exec *e = exec_find(p[1]);
		if (!e)
			derr(d->rs, 404, "No such exec instance: %s", p[1]);
		else if (strcmp(p[2], "start") == 0)
			exec_start(d, e);
		else if (strcmp(p[2], "json") == 0)
			exec_inspect(d, e);
		else {
			d->rs->status = 200;
			d->rs->ctype = NULL;
		}
		pthread_mutex_unlock(&sim.lock);
		return;
	}
	derr(d->rs, 404, "page not found");
}

static void docker_handle(struct http_req *rq, struct http_resp *rs)
{
	http_add_header(rs, "Api-Version", SIM_API_MAX);
	http_add_header(rs, "Docker-Experimental", "false");
	http_add_header(rs, "Ostype", "linux");
	http_add_header(rs, "Server", "Docker/" SIM_ENGINE_VERSION " (linux)");
	struct dreq d = {.rq = rq, .rs = rs, .minor = 47};
	const char *path = rq->url;
	char *copy = NULL;
	if (path[0] == '/' && path[1] == 'v' && path[2] >= '0' && path[2] <= '9') {
		const char *slash = strchr(path + 2, '/');
		char *ver = slash ? xstrndup(path + 2, (size_t)(slash - path - 2)) : xstrdup(path + 2);
		int major, minor;
		bool digits = strspn(ver, "0123456789.") == strlen(ver);
		if (!digits || parse_version(ver, &major, &minor) < 0) {
			free(ver);
			derr(rs, 404, "page not found");
			return;
		}
		if (major > 1 || (major == 1 && minor > 47)) {
			derr(rs, 400, "client version %s is too new. Maximum supported API version is " SIM_API_MAX, ver);
			free(ver);
			return;
		}
		if (major < 1 || (major == 1 && minor < 24)) {
			derr(rs, 400, "client version %s is too old. Minimum supported API version is " SIM_API_MIN
				      ", please upgrade your client to a newer version", ver);
			free(ver);
			return;
		}
		free(ver);
		d.minor = minor;
		path = slash ? slash : "/";
	}
	copy = xstrdup(path);
	char *save = NULL;
	for (char *tok = strtok_r(copy, "/", &save); tok && d.nparts < (int)ARRAY_SIZE(d.parts); tok = strtok_r(NULL, "/", &save))
		d.parts[d.nparts++] = tok;
	dispatch(&d);
	free(copy);
}

int docker_start(char **err)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->be = BE_DOCKER;
	s->handler = docker_handle;
	s->status_body = docker_status_body;
	s->unix_path = path_join(sim.dir, "docker.sock");
	s->flags = MHD_ALLOW_UPGRADE;
	sim.servers[BE_DOCKER] = s;
	return http_server_start(s, err);
}
