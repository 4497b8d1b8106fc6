/* The simulator's answers against captured real responses (tests/data/captured, tests/data/mailcow-real):
 * every field a captured body has, the simulator's body has too, with the same JSON type, down to the
 * leaves (maps keyed by data, such as labels and networks, are compared value by value). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/support/simproc.h"

static struct simproc *sp;

static void start(void)
{
	sp = simproc_start(NULL, NULL);
	cr_assert_not_null(sp, "mcon-sim did not start");
}

static void stop(void)
{
	cr_expect_eq(simproc_stop(sp), 0);
	sp = NULL;
}

TestSuite(fidelity, .init = start, .fini = stop);

/* Objects whose keys are data (names, ids, labels), not field names. */
static bool is_map(const char *path)
{
	static const char *const maps[] = {"Labels", "Networks", "Containers", "Options", "Attributes", "PortBindings",
					   "Ports", "Config", "ExposedPorts", "status"};
	const char *last = strrchr(path, '.');
	last = last ? last + 1 : path;
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++)
		if (strcmp(last, maps[i]) == 0)
			return true;
	return false;
}

static const char *jtype(json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

/* Fields whose JSON type MailCow picks by content: the domain's SUM() over Dovecot's quota rows is a
 * DECIMAL string, or the number 0 when there are no rows (as in the capture, which runs no Dovecot). */
static bool typed_by_content(const char *path)
{
	return str_ends_with(path, ".bytes_total") || str_ends_with(path, ".msgs_total");
}

static void shape(json_t *ref, json_t *got, const char *path, struct buf *diff)
{
	if (json_is_null(ref) || typed_by_content(path))
		return; /* unset in the capture, or typed by content: any value will do */
	if (!got) {
		buf_printf(diff, "%s: missing\n", path);
		return;
	}
	bool same = strcmp(jtype(ref), jtype(got)) == 0;
	/* an empty map or list may be null on the other side, as Go emits either */
	if (!same && !json_is_null(got)) {
		buf_printf(diff, "%s: %s in the capture, %s here\n", path, jtype(ref), jtype(got));
		return;
	}
	if (json_is_array(ref) && json_is_array(got) && json_array_size(ref) && json_array_size(got)) {
		char *p = xasprintf("%s[]", path);
		shape(json_array_get(ref, 0), json_array_get(got, 0), p, diff);
		free(p);
	} else if (json_is_object(ref) && json_is_object(got)) {
		if (is_map(path) && *path) {
			const char *k;
			json_t *v;
			json_t *sample = NULL;
			json_object_foreach(got, k, v) if (!sample) sample = v;
			json_object_foreach(ref, k, v) {
				if (!json_is_object(v) || !sample)
					break;
				char *p = xasprintf("%s.*", path);
				shape(v, sample, p, diff);
				free(p);
				break;
			}
			return;
		}
		const char *k;
		json_t *v;
		json_object_foreach(ref, k, v) {
			char *p = *path ? xasprintf("%s.%s", path, k) : xstrdup(k);
			shape(v, json_object_get(got, k), p, diff);
			free(p);
		}
	}
}

static json_t *load_captured(const char *name)
{
	char *path = xasprintf("tests/data/captured/%s", name);
	json_error_t je;
	json_t *j = json_load_file(path, JSON_DECODE_ANY, &je);
	cr_assert_not_null(j, "%s: %s", path, je.text);
	free(path);
	return j;
}

static json_t *fetch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *fetch(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	int st;
	char *out = simproc_sh(sp, &st, "%s", cmd);
	json_error_t je;
	json_t *j = json_loads(out, JSON_DECODE_ANY, &je);
	cr_assert_not_null(j, "`%s` did not give JSON (%s): %s", cmd, je.text, out);
	free(cmd);
	free(out);
	return j;
}

static void compare(const char *captured, json_t *got, const char *root)
{
	json_t *ref = load_captured(captured);
	struct buf diff = {0};
	shape(ref, got, root, &diff);
	cr_expect_eq(diff.len, 0u, "%s differs from the simulator's answer:\n%s", captured, buf_cstr(&diff));
	buf_free(&diff);
	json_decref(ref);
	json_decref(got);
}

#define DOCKER(path) "curl -s --unix-socket \"$SIM_DIR/docker.sock\" 'http://d/v1.41" path "'"
#define MAILCOW "curl -s --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" \"$SIM_API"

Test(fidelity, docker_container_list)
{
	compare("sample-dockerd-20.10-containers-json.json", fetch(DOCKER("/containers/json?all=1")), "");
}

Test(fidelity, docker_inspect_with_health)
{
	compare("sample-dockerd-20.10-inspect-postfix.json", fetch(DOCKER("/containers/mailcowdockerized-clamd-mailcow-1/json")), "");
}

Test(fidelity, docker_inspect_with_restart_policy)
{
	compare("sample-dockerd-20.10-inspect-nginx.json", fetch(DOCKER("/containers/mailcowdockerized-nginx-mailcow-1/json")), "");
}

Test(fidelity, docker_networks)
{
	compare("sample-dockerd-20.10-networks.json", fetch(DOCKER("/networks")), "");
	compare("sample-dockerd-20.10-network-overlay-swarm.json", fetch(DOCKER("/networks/netgrimoire")), "");
}

Test(fidelity, docker_events)
{
	/* The window from before the actions to after them, read from the clock the simulator
	 * stamps events with (time() is the coarse clock, a few ms behind). */
	struct timespec t0, t1;
	clock_gettime(CLOCK_REALTIME, &t0);
	cr_assert(simproc_ctl_ok(sp, "container clamd-mailcow unhealthy"));
	cr_assert(simproc_ctl_ok(sp, "container nginx-mailcow restart"));
	clock_gettime(CLOCK_REALTIME, &t1);
	char *cmd = xasprintf(DOCKER("/events?since=%ld&until=%ld"), (long)t0.tv_sec - 1, (long)t1.tv_sec + 1);
	int st;
	char *out = simproc_sh(sp, &st, "%s", cmd);
	free(cmd);
	json_t *die = NULL, *health = NULL, *connect = NULL;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		json_t *ev = json_loads(line, 0, NULL);
		cr_assert_not_null(ev, "an event line is one JSON object: %s", line);
		const char *action = json_string_value(json_object_get(ev, "Action"));
		json_t **slot = strcmp(action, "die") == 0 ? &die : str_starts_with(action, "health_status") ? &health
				: strcmp(action, "connect") == 0 ? &connect : NULL;
		if (slot && !*slot)
			*slot = ev;
		else
			json_decref(ev);
	}
	free(out);
	cr_assert(die && health && connect, "die, health_status and connect events");
	compare("sample-dockerd-20.10-event-die.json", die, "");
	compare("sample-dockerd-20.10-event-health_status.json", health, "");
	compare("sample-dockerd-20.10-event-network-connect.json", connect, "");
}

/* MailCow's answers: real captures (tests/data/mailcow-real, made by scripts/mailcow-capture), except the
 * Postfix log, which the capture fixture cannot fill (it runs no Postfix). */
Test(fidelity, mailcow_get_bodies)
{
	compare("../mailcow-real/GET_get__domain__all.json", fetch(MAILCOW "/get/domain/all\""), "");
	compare("../mailcow-real/GET_get__alias__all.json", fetch(MAILCOW "/get/alias/all\""), "");
	compare("../mailcow-real/GET_get__mailbox__all.json", fetch(MAILCOW "/get/mailbox/all\""), "");
	compare("../mailcow-real/GET_get__dkim__netgrimoire.com.json", fetch(MAILCOW "/get/dkim/netgrimoire.com\""),
		"");
	compare("../mailcow-real/GET_get__relayhost__all.json", fetch(MAILCOW "/get/relayhost/all\""), "");
	compare("../mailcow-real/GET_get__mailq__all_with-queue.json", fetch(MAILCOW "/get/mailq/all\""), "");
	compare("../mailcow-real/GET_get__status__containers.json", fetch(MAILCOW "/get/status/containers\""),
		"status");
	compare("get_logs_postfix_2.json", fetch(MAILCOW "/get/logs/postfix/2\""), "");
}

Test(fidelity, mailcow_write_answers)
{
	compare("../mailcow-real/POST_add__alias_ok.json",
		fetch(MAILCOW "/add/alias\" -H 'Content-Type: application/json' -d '{\"address\":\"@gnarlypandaproductions.com\","
			      "\"goto\":\"studio@gnarlypandaproductions.com\",\"active\":1}'"), "");
	compare("../mailcow-real/POST_add__domain_restart_sogo.json",
		fetch(MAILCOW "/add/domain\" -H 'Content-Type: application/json' -d '{\"domain\":\"fidelity.example\","
			      "\"dkim_selector\":\"mailcow\",\"key_size\":1024}'"), "");
}
