/* The round-2 checks end to end on the simulator's demo: outbound.ip, containers.network,
 * relay.outbound and dns.resolver are OK on the demo as shipped, and each fault planted
 * through the control channel gives exactly its result. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/support/simproc.h"
#include "tests/support/trun.h"

static json_t *check_json(struct simproc *sp)
{
	const char *argv[] = {trun_bin(), "--config", sp->conf, "check", "--json", NULL};
	struct trun r;
	trun(&r, NULL, argv);
	json_error_t e;
	json_t *j = json_loads(r.out ? r.out : "", 0, &e);
	cr_assert(j, "check --json: %s: %.300s", e.text, r.out ? r.out : "");
	trun_free(&r);
	return j;
}

/* The result of check for target in j (borrowed), NULL when absent. */
static json_t *find(json_t *j, const char *check, const char *target)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(j, "results"), i, r) {
		if (strcmp(json_string_value(json_object_get(r, "check")), check) == 0 &&
		    strcmp(json_string_value(json_object_get(r, "target")), target) == 0)
			return r;
	}
	return NULL;
}

static void expect(struct simproc *sp, const char *check, const char *target, const char *status, const char *has)
{
	json_t *j = check_json(sp);
	json_t *r = find(j, check, target);
	cr_expect_not_null(r, "no %s result for %s", check, target);
	if (r) {
		const char *st = json_string_value(json_object_get(r, "status"));
		const char *sum = json_string_value(json_object_get(r, "summary"));
		cr_expect_str_eq(st, status, "%s %s: %s", check, target, sum);
		cr_expect(strstr(sum, has), "%s %s: \"%s\" lacks \"%s\"", check, target, sum, has);
	}
	json_decref(j);
}

static void ctl(struct simproc *sp, const char *cmd)
{
	cr_assert(simproc_ctl_ok(sp, "%s", cmd), "mcon-sim ctl %s failed", cmd);
}

Test(check_outbound_sim, demo_rows_and_planted_faults)
{
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp, "mcon-sim did not start");
	const char *ip = "192.0.2.25";
	expect(sp, "outbound.ip", ip, "ok",
	       "192.0.2.25: PTR out.netgrimoire.com -> 192.0.2.25; zen.spamhaus.org not listed; bl.spamcop.net not listed");
	expect(sp, "containers.network", "netfilter-mailcow", "ok", "host networking");
	expect(sp, "containers.network", "sogo-mailcow", "ok", "sogo-mailcow is attached to mailcowdockerized_mailcow-network");
	expect(sp, "relay.outbound", "netgrimoire.com", "ok",
	       "netgrimoire.com sends through arrow-relay.mxrouting.net via relayhost 1");
	char *server = xasprintf("127.0.0.1:%d", sp->dns_port);
	expect(sp, "dns.resolver", server, "ok", "answers");
	free(server);

	ctl(sp, "dns add 25.2.0.192.zen.spamhaus.org A 127.0.0.2");
	expect(sp, "outbound.ip", ip, "critical", "zen.spamhaus.org LISTED (127.0.0.2)");
	ctl(sp, "dns del 25.2.0.192.zen.spamhaus.org");
	ctl(sp, "dns add 25.2.0.192.zen.spamhaus.org A 127.255.255.254");
	expect(sp, "outbound.ip", ip, "unknown", "zen.spamhaus.org refused the query (127.255.255.254)");
	ctl(sp, "dns del 25.2.0.192.zen.spamhaus.org");
	ctl(sp, "fault dns timeout match=25.2.0.192.bl.spamcop.net");
	expect(sp, "outbound.ip", ip, "unknown", "bl.spamcop.net no answer");
	ctl(sp, "fault dns off");
	ctl(sp, "dns del 25.2.0.192.in-addr.arpa PTR");
	expect(sp, "outbound.ip", ip, "warning", "no PTR (25.2.0.192.in-addr.arpa nxdomain)");
	ctl(sp, "dns add 25.2.0.192.in-addr.arpa PTR mxroute.com.");
	expect(sp, "outbound.ip", ip, "warning", "PTR mxroute.com -> 198.51.100.10");

	ctl(sp, "container sogo-mailcow disconnect mailcowdockerized_mailcow-network");
	expect(sp, "containers.network", "sogo-mailcow", "critical",
	       "sogo-mailcow is not attached to mailcowdockerized_mailcow-network");
	cr_expect_eq(simproc_stop(sp), 0, "mcon-sim did not stop cleanly");
}
