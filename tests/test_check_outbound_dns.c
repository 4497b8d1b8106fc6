/* outbound.ip and dns.resolver where the rules meet a real name server: the collector asks
 * NSD (tests/fixtures/nsd.sh, zones of tests/dns) for the PTR, the forward address and the
 * blocklist answers, and the check judges them. Expected results are written here. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/checks.h"
#include "core/collect.h"
#include "core/config.h"
#include "core/snapshot.h"
#include "core/util.h"

static const char *nsd(void)
{
	const char *v = getenv("MCON_TEST_DNS");
	if (!v || !*v)
		cr_assert_fail("MCON_TEST_DNS is not set: run through tests/run (fixture tests/fixtures/nsd.sh)");
	return v;
}

/* Collects with only DNS reachable and runs the checks; returns the run (caller frees). */
static void run_with(const char *extra, struct check_run *run, struct snapshot **snap)
{
	char *text = xasprintf("[docker]\nhost = unix:///nonexistent/docker.sock\n[mailcow]\ndir = /nonexistent\n"
			       "[dns]\nservers = %s\ntimeout_ms = 1500\n%s", nsd(), extra);
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load_string(&cfg, text, "t.conf", &err), 0, "%s", err);
	free(text);
	struct collect_opts o = {.cancel_fd = -1};
	struct snapshot *s = collect_run(&cfg, &o);
	checks_run(s, &cfg, NULL, run);
	config_free(&cfg);
	*snap = s;
}

static const struct check_result *result(const struct check_run *r, const char *check, const char *target)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->results[i].check, check) == 0 && strcmp(r->results[i].target, target) == 0)
			return &r->results[i];
	return NULL;
}

struct ocase {
	const char *name, *ip, *zones;
	enum status want;
	const char *summary_has[3];
};

static const struct ocase ocases[] = {
	{"forward-confirmed, not listed", "203.0.113.25", "dnsbl.test", STATUS_OK,
	 {"203.0.113.25: PTR mail.outbound.test -> 203.0.113.25; dnsbl.test not listed"}},
	{"PTR to a name that resolves elsewhere, listed", "203.0.113.26", "dnsbl.test", STATUS_CRITICAL,
	 {"PTR elsewhere.outbound.test -> 198.51.100.9", "dnsbl.test LISTED (127.0.0.2)"}},
	{"PTR missing, refusal code", "203.0.113.27", "dnsbl.test", STATUS_UNKNOWN,
	 {"no PTR (27.113.0.203.in-addr.arpa nxdomain)", "dnsbl.test refused the query (127.255.255.254)"}},
	{"PTR missing, clean list", "203.0.113.28", "dnsbl.test", STATUS_WARNING,
	 {"no PTR (28.113.0.203.in-addr.arpa nxdomain)", "dnsbl.test not listed"}},
	{"a blocklist that fails", "203.0.113.25", "dnsbl.test, servfail.test", STATUS_UNKNOWN,
	 {"dnsbl.test not listed", "servfail.test no answer (25.113.0.203.servfail.test A: servfail"}},
	{"IPv6 through ip6.arpa", "2001:db8::25", "dnsbl.test", STATUS_OK,
	 {"2001:db8::25: PTR mail6.outbound.test -> 2001:db8::25", "dnsbl.test not listed"}},
};

Test(check_outbound_dns, outbound_ip_cases)
{
	for (size_t i = 0; i < sizeof(ocases) / sizeof(ocases[0]); i++) {
		const struct ocase *tc = &ocases[i];
		char *extra = xasprintf("[outbound]\nip = %s\ndnsbl = %s\n", tc->ip, tc->zones);
		struct check_run run;
		struct snapshot *s;
		run_with(extra, &run, &s);
		free(extra);
		const struct check_result *r = result(&run, "outbound.ip", tc->ip);
		cr_expect_not_null(r, "[%s] no outbound.ip result", tc->name);
		if (r) {
			cr_expect_eq(r->status, tc->want, "[%s] %s, want %s: %s", tc->name, status_name(r->status),
				     status_name(tc->want), r->summary);
			for (size_t k = 0; k < 3 && tc->summary_has[k]; k++)
				cr_expect(strstr(r->summary, tc->summary_has[k]), "[%s] \"%s\" lacks \"%s\"", tc->name,
					  r->summary, tc->summary_has[k]);
		}
		check_run_free(&run);
		snapshot_free(s);
	}
}

/* Two resolvers, the second a closed port: one result each, the dead one a warning. */
Test(check_outbound_dns, dead_secondary_resolver_shows)
{
	struct check_run run;
	struct snapshot *s;
	char *extra = xasprintf("[dns]\nservers = %s, 127.0.0.1:9\n", nsd());
	char *text = xasprintf("[docker]\nhost = unix:///nonexistent/docker.sock\n[mailcow]\ndir = /nonexistent\n"
			       "[dns]\ntimeout_ms = 500\n%s", extra);
	free(extra);
	/* the [dns] section twice: the later servers line wins */
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load_string(&cfg, text, "t.conf", &err), 0, "%s", err);
	free(text);
	struct collect_opts o = {.cancel_fd = -1};
	s = collect_run(&cfg, &o);
	checks_run(s, &cfg, NULL, &run);
	size_t n = 0;
	for (size_t i = 0; i < run.n; i++)
		n += strcmp(run.results[i].check, "dns.resolver") == 0;
	cr_expect_eq(n, 2, "one dns.resolver result per server, got %zu", n);
	const struct check_result *live = result(&run, "dns.resolver", nsd());
	const struct check_result *dead = result(&run, "dns.resolver", "127.0.0.1:9");
	cr_assert_not_null(live);
	cr_assert_not_null(dead);
	cr_expect_eq(live->status, STATUS_OK, "%s", live->summary);
	cr_expect_eq(dead->status, STATUS_WARNING, "%s", dead->summary);
	cr_expect(strstr(dead->summary, "127.0.0.1:9 does not answer"), "%s", dead->summary);
	check_run_free(&run);
	snapshot_free(s);
	config_free(&cfg);
}
