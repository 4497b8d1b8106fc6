/* Table-driven cases for the round-2 rules: outbound.ip (FCrDNS and blocklists, IPv4 and
 * IPv6), containers.network (services off docker.network, host networking), relay.outbound
 * (own relayhost, Postfix's global relayhost, relay.smarthost patterns) and dns.resolver
 * (one result per server). Each case builds a snapshot by hand and names the one result
 * and its expected status; expected texts are written here. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checks.h"
#include "core/dns.h"
#include "core/outbound.h"
#include "core/postfix_relay.h"
#include "tests/support/tsnap.h"

#define W STATUS_WARNING
#define C STATUS_CRITICAL
#define U STATUS_UNKNOWN
#define K STATUS_OK

#define OB_CONF "[outbound]\nip = 203.0.113.25\ndnsbl = zen.spamhaus.org, bl.spamcop.net\n"
#define OB6_CONF "[outbound]\nip = 2001:db8::25\ndnsbl = zen.spamhaus.org\n"

static void named(struct dns_answer *a, const char *name, int type)
{
	tsnap_set(&a->name, name);
	a->type = type;
}

/* A healthy outbound part for 203.0.113.25: PTR mail.example.org -> 203.0.113.25, listed nowhere. */
static void ob_healthy(struct snapshot *s)
{
	struct outbound_state *o = &s->outbound;
	o->ip = xstrdup("203.0.113.25");
	named(&o->ptr, "25.113.0.203.in-addr.arpa", DNS_T_PTR);
	tsnap_answer(&o->ptr, DNS_OK, "mail.example.org", NULL);
	named(&o->forward, "mail.example.org", DNS_T_A);
	tsnap_answer(&o->forward, DNS_OK, "203.0.113.25", NULL);
	o->n_dnsbl = 2;
	o->dnsbl = xcalloc(2, sizeof(*o->dnsbl));
	named(&o->dnsbl[0], "25.113.0.203.zen.spamhaus.org", DNS_T_A);
	tsnap_answer(&o->dnsbl[0], DNS_NXDOMAIN, NULL);
	named(&o->dnsbl[1], "25.113.0.203.bl.spamcop.net", DNS_T_A);
	tsnap_answer(&o->dnsbl[1], DNS_NXDOMAIN, NULL);
}

#define S(x) static void x(struct snapshot *s)
S(m_none) { (void)s; }
S(ob_ok) { ob_healthy(s); }
S(ob_no_ptr) { ob_healthy(s); tsnap_answer(&s->outbound.ptr, DNS_NXDOMAIN, NULL);
	dns_answer_clear(&s->outbound.forward); }
S(ob_ptr_elsewhere) { ob_healthy(s); tsnap_answer(&s->outbound.forward, DNS_OK, "198.51.100.7", NULL); }
S(ob_ptr_name_gone) { ob_healthy(s); tsnap_answer(&s->outbound.forward, DNS_NXDOMAIN, NULL); }
S(ob_ptr_timeout) { ob_healthy(s); tsnap_answer(&s->outbound.ptr, DNS_TIMEOUT, NULL);
	dns_answer_clear(&s->outbound.forward); }
S(ob_listed) { ob_healthy(s); tsnap_answer(&s->outbound.dnsbl[0], DNS_OK, "127.0.0.4", NULL); }
S(ob_refused) { ob_healthy(s); tsnap_answer(&s->outbound.dnsbl[0], DNS_OK, "127.255.255.254", NULL); }
S(ob_bl_timeout) { ob_healthy(s); tsnap_answer(&s->outbound.dnsbl[1], DNS_TIMEOUT, NULL); }
S(ob_bl_servfail) { ob_healthy(s); tsnap_answer(&s->outbound.dnsbl[1], DNS_SERVFAIL, NULL); }
S(ob_listed_and_refused) { ob_listed(s); tsnap_answer(&s->outbound.dnsbl[1], DNS_OK, "127.255.255.252", NULL); }
S(ob_bad_ptr_and_timeout) { ob_ptr_elsewhere(s); tsnap_answer(&s->outbound.dnsbl[1], DNS_TIMEOUT, NULL); }
S(ob_v6) {
	struct outbound_state *o = &s->outbound;
	o->ip = xstrdup("2001:db8::25");
	named(&o->ptr, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DNS_T_PTR);
	tsnap_answer(&o->ptr, DNS_OK, "mail6.example.org", NULL);
	named(&o->forward, "mail6.example.org", DNS_T_AAAA);
	tsnap_answer(&o->forward, DNS_OK, "2001:db8:0:0::25", NULL);
	o->n_dnsbl = 1;
	o->dnsbl = xcalloc(1, sizeof(*o->dnsbl));
	named(&o->dnsbl[0], "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org", DNS_T_A);
	tsnap_answer(&o->dnsbl[0], DNS_NXDOMAIN, NULL);
}
S(ob_v6_elsewhere) { ob_v6(s); tsnap_answer(&s->outbound.forward, DNS_OK, "2001:db8::26", NULL); }

S(net_sogo_off) {
	struct container *c = tsnap_container(s, "sogo-mailcow");
	free(c->nets[0].network);
	c->nets[0].network = xstrdup("bridge");
}
S(net_none) {
	struct container *c = tsnap_container(s, "php-fpm-mailcow");
	free(c->nets[0].network);
	c->nets[0].network = xstrdup("mailcowdockerized_other");
}
S(net_netfilter_bridge) {
	/* netfilter without host networking must be on the bridge like any other */
	struct container *c = tsnap_container(s, "netfilter-mailcow");
	free(c->network_mode);
	c->network_mode = xstrdup("mailcowdockerized_default");
}

static struct mc_domain *mcd(struct snapshot *s, const char *name)
{
	return (struct mc_domain *)tsnap_domain(s, name)->mc;
}
S(rel_global) {
	tsnap_set(&mcd(s, "example.com")->relayhost_id, "0");
	s->postfix_relay.relayhost = xstrdup("[smtp.mxroute.com]:587");
	s->postfix_relay.file = xstrdup("/opt/mailcow-dockerized/data/conf/postfix/extra.cf:3");
}
S(rel_global_off) { rel_global(s); tsnap_set(&s->postfix_relay.relayhost, "[smtp.sendgrid.net]:587"); }
S(rel_own_off) { tsnap_set(&s->mailcow.relayhosts[0].hostname, "[smtp.sendgrid.net]:587"); }
S(rel_none) { tsnap_set(&mcd(s, "example.com")->relayhost_id, "0"); }
S(rel_files_fail) { rel_none(s); tsnap_fail(&s->postfix_relay.err, "extra.cf: Permission denied"); }
S(rel_inactive_global) { rel_global(s); s->mailcow.relayhosts[0].active = false; }

static void probes(struct snapshot *s, enum dns_status a, enum dns_status b)
{
	s->n_resolver_probes = 2;
	s->resolver_probes = xcalloc(2, sizeof(*s->resolver_probes));
	named(&s->resolver_probes[0], ".", DNS_T_A);
	tsnap_answer(&s->resolver_probes[0], a, NULL);
	named(&s->resolver_probes[1], ".", DNS_T_A);
	tsnap_answer(&s->resolver_probes[1], b, NULL);
}
S(res_both) { probes(s, DNS_NODATA, DNS_REFUSED); }
S(res_second_dead) { probes(s, DNS_NODATA, DNS_TIMEOUT); }
S(res_both_dead) { probes(s, DNS_TIMEOUT, DNS_TIMEOUT); tsnap_fail(&s->dns_err, "answered none of 9 queries"); }
S(res_one) {
	s->n_resolver_probes = 1;
	s->resolver_probes = xcalloc(1, sizeof(*s->resolver_probes));
	named(&s->resolver_probes[0], ".", DNS_T_A);
	tsnap_answer(&s->resolver_probes[0], DNS_TIMEOUT, NULL);
}

struct tcase {
	const char *name;
	void (*mutate)(struct snapshot *);
	const char *conf;
	const char *check, *target;
	enum status want;
	const char *summary_has, *hint_has;
	size_t count;   /* results of the check expected, 0 = do not count */
};

#define TWO_DNS "[dns]\nservers = 127.0.0.1:53, 127.0.0.2:53\n"

static const struct tcase cases[] = {
	{"outbound healthy", ob_ok, OB_CONF, "outbound.ip", "203.0.113.25", K,
	 "PTR mail.example.org -> 203.0.113.25; zen.spamhaus.org not listed; bl.spamcop.net not listed", NULL, 1},
	{"PTR missing", ob_no_ptr, OB_CONF, "outbound.ip", "203.0.113.25", W, "no PTR (25.113.0.203.in-addr.arpa", "PTR", 1},
	{"PTR resolves elsewhere", ob_ptr_elsewhere, OB_CONF, "outbound.ip", "203.0.113.25", W,
	 "PTR mail.example.org -> 198.51.100.7", "does not resolve back to 203.0.113.25", 1},
	{"PTR name has no address", ob_ptr_name_gone, OB_CONF, "outbound.ip", "203.0.113.25", W, "-> nxdomain",
	 "publish mail.example.org A 203.0.113.25", 1},
	{"PTR timeout", ob_ptr_timeout, OB_CONF, "outbound.ip", "203.0.113.25", U, "not resolved", "resolver", 1},
	{"listed", ob_listed, OB_CONF, "outbound.ip", "203.0.113.25", C, "zen.spamhaus.org LISTED (127.0.0.4)",
	 "delisting", 1},
	{"refusal code", ob_refused, OB_CONF, "outbound.ip", "203.0.113.25", U,
	 "zen.spamhaus.org refused the query (127.255.255.254)", "public resolver", 1},
	{"blocklist timeout", ob_bl_timeout, OB_CONF, "outbound.ip", "203.0.113.25", U, "bl.spamcop.net no answer",
	 "listing is unknown", 1},
	{"blocklist servfail", ob_bl_servfail, OB_CONF, "outbound.ip", "203.0.113.25", U, "bl.spamcop.net no answer", NULL, 1},
	{"listed beats refusal", ob_listed_and_refused, OB_CONF, "outbound.ip", "203.0.113.25", C, "bl.spamcop.net refused",
	 "delisting", 1},
	{"bad PTR and a timeout", ob_bad_ptr_and_timeout, OB_CONF, "outbound.ip", "203.0.113.25", U, "198.51.100.7",
	 "does not resolve back", 1},
	{"IPv6 healthy", ob_v6, OB6_CONF, "outbound.ip", "2001:db8::25", K, "PTR mail6.example.org -> 2001:db8:0:0::25", NULL, 1},
	{"IPv6 elsewhere", ob_v6_elsewhere, OB6_CONF, "outbound.ip", "2001:db8::25", W, "-> 2001:db8::26",
	 "publish mail6.example.org AAAA 2001:db8::25", 1},

	{"service off the bridge", net_sogo_off, NULL, "containers.network", "sogo-mailcow", C,
	 "sogo-mailcow is not attached to mailcowdockerized_mailcow-network (on bridge)", "docker-compose.override.yml", 0},
	{"service on another network", net_none, NULL, "containers.network", "php-fpm-mailcow", C,
	 "not attached to mailcowdockerized_mailcow-network (on mailcowdockerized_other)", "PHP-FPM", 0},
	{"netfilter on host networking", m_none, NULL, "containers.network", "netfilter-mailcow", K, "host networking",
	 NULL, 18},
	{"netfilter off host networking", net_netfilter_bridge, NULL, "containers.network", "netfilter-mailcow", C,
	 "not attached", NULL, 0},
	{"a service on the bridge", m_none, NULL, "containers.network", "redis-mailcow", K,
	 "redis-mailcow is attached to mailcowdockerized_mailcow-network", NULL, 0},

	{"own relayhost", m_none, NULL, "relay.outbound", "example.com", K,
	 "example.com sends through smtp.mxroute.com via relayhost 1", NULL, 0},
	{"global relayhost", rel_global, NULL, "relay.outbound", "example.com", K,
	 "sends through smtp.mxroute.com via the global relayhost [smtp.mxroute.com]:587 (/opt/mailcow-dockerized/data/conf/"
	 "postfix/extra.cf:3)", NULL, 0},
	{"global off-pattern", rel_global_off, NULL, "relay.outbound", "example.com", W,
	 "host smtp.sendgrid.net matches none of *.mxrouting.net, *.mxroute.com", "Relayhost", 0},
	{"own off-pattern", rel_own_off, NULL, "relay.outbound", "example.net", W, "relayhost 1 ([smtp.sendgrid.net]:587)",
	 NULL, 0},
	{"smarthost narrower than mx", m_none, "[relay]\nsmarthost = *.mxrouting.net\n", "relay.outbound", "example.com", W,
	 "smtp.mxroute.com matches none of *.mxrouting.net", NULL, 0},
	{"smarthost matches", m_none, "[relay]\nsmarthost = smtp.mxroute.com\n", "relay.outbound", "example.com", K,
	 "smtp.mxroute.com", NULL, 0},
	{"no relayhost at all", rel_none, NULL, "relay.outbound", "example.com", W, "mail goes direct", "Relayhost", 0},
	{"Postfix files unreadable", rel_files_fail, NULL, "relay.outbound", "example.com", U, "Permission denied", NULL, 0},
	{"inactive own, global covers", rel_inactive_global, NULL, "relay.outbound", "example.net", K, "global relayhost",
	 NULL, 0},

	{"two resolvers answer", res_both, TWO_DNS, "dns.resolver", "127.0.0.2:53", K, "answers", NULL, 2},
	{"secondary dead", res_second_dead, TWO_DNS, "dns.resolver", "127.0.0.2:53", W, "127.0.0.2:53 does not answer",
	 "dns.servers", 2},
	{"primary fine beside a dead secondary", res_second_dead, TWO_DNS, "dns.resolver", "127.0.0.1:53", K, "answers",
	 NULL, 2},
	{"both dead", res_both_dead, TWO_DNS, "dns.resolver", "127.0.0.1:53", U, "does not answer", NULL, 2},
	{"single resolver dead", res_one, NULL, "dns.resolver", "127.0.0.1:53", U, "does not answer", NULL, 1},
};

static void run_case(const struct tcase *tc, struct check_run *run)
{
	struct config cfg;
	tsnap_config(&cfg, tc->conf);
	struct snapshot *s = tsnap_site();
	tc->mutate(s);
	checks_run(s, &cfg, NULL, run);
	tsnap_free(s);
	config_free(&cfg);
}

Test(check_outbound, every_case)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *tc = &cases[i];
		struct check_run run;
		run_case(tc, &run);
		const struct check_result *r = tsnap_result(&run, tc->check, tc->target);
		cr_expect_not_null(r, "[%s] no %s result for %s", tc->name, tc->check, tc->target);
		if (r) {
			cr_expect_eq(r->status, tc->want, "[%s] status %s, want %s: %s", tc->name, status_name(r->status),
				     status_name(tc->want), r->summary);
			cr_expect(strstr(r->summary, tc->summary_has), "[%s] summary \"%s\" lacks \"%s\"", tc->name, r->summary,
				  tc->summary_has);
			if (tc->hint_has)
				cr_expect(r->hint && strstr(r->hint, tc->hint_has), "[%s] hint \"%s\" lacks \"%s\"", tc->name,
					  r->hint ? r->hint : "(none)", tc->hint_has);
			if (tc->want == K)
				cr_expect_null(r->hint, "[%s] an ok result has a hint", tc->name);
		}
		if (tc->count)
			cr_expect_eq(tsnap_count(&run, tc->check), tc->count, "[%s] %zu results of %s, want %zu", tc->name,
				     tsnap_count(&run, tc->check), tc->check, tc->count);
		check_run_free(&run);
	}
}

/* Without outbound.ip there is nothing to check: no result at all (the linked pending item
 * stays "no record", never green). */
Test(check_outbound, unset_gives_no_result)
{
	struct config cfg;
	tsnap_config(&cfg, NULL);
	struct snapshot *s = tsnap_site();
	struct check_run run;
	checks_run(s, &cfg, NULL, &run);
	cr_expect_eq(tsnap_count(&run, "outbound.ip"), 0);
	check_run_free(&run);
	tsnap_free(s);
	config_free(&cfg);
}

/* The healthy site with every round-2 part filled gives no warning at all. */
Test(check_outbound, healthy_site_gives_no_warning)
{
	struct config cfg;
	tsnap_config(&cfg, OB_CONF TWO_DNS);
	struct snapshot *s = tsnap_site();
	ob_healthy(s);
	probes(s, DNS_NODATA, DNS_NODATA);
	struct check_run run;
	checks_run(s, &cfg, NULL, &run);
	for (size_t i = 0; i < run.n; i++)
		cr_expect_eq(run.results[i].status, STATUS_OK, "%s %s: %s", run.results[i].check, run.results[i].target,
			     run.results[i].summary);
	check_run_free(&run);
	tsnap_free(s);
	config_free(&cfg);
}

Test(check_outbound, reverse_names)
{
	bool v6 = true;
	char *r = outbound_reverse("203.0.113.25", &v6);
	cr_expect_str_eq(r, "25.113.0.203");
	cr_expect_not(v6);
	free(r);
	r = outbound_reverse("2001:db8::567:89ab", &v6);
	cr_expect_str_eq(r, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
	cr_expect(v6);
	free(r);
	cr_expect_null(outbound_reverse("mail.example.org", &v6));
	cr_expect(outbound_same_ip("2001:db8:0:0::25", "2001:DB8::25"));
	cr_expect_not(outbound_same_ip("203.0.113.25", "203.0.113.26"));
	cr_expect_not(outbound_same_ip("203.0.113.25", "::ffff:203.0.113.26"));
}

Test(check_outbound, relayhost_host)
{
	static const struct { const char *in, *want; } hosts[] = {
		{"[smtp.mxroute.com]:587", "smtp.mxroute.com"}, {"Relay.Example.NET:25", "relay.example.net"},
		{"  [heracles.mxrouting.net]", "heracles.mxrouting.net"}, {"smtp.example.org", "smtp.example.org"},
	};
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		char *h = postfix_relay_host(hosts[i].in);
		cr_expect_str_eq(h, hosts[i].want, "%s", hosts[i].in);
		free(h);
	}
	cr_expect_null(postfix_relay_host(""));
	cr_expect_null(postfix_relay_host(NULL));
}

Test(check_outbound, config_rejects_a_bad_address)
{
	struct config cfg;
	char *err = NULL;
	cr_assert_eq(config_load_string(&cfg, "[outbound]\nip = mail.example.org\n", "t.conf", &err), -1);
	cr_expect(strstr(err, "outbound.ip"), "%s", err);
	free(err);
	config_free(&cfg);
	cr_assert_eq(config_load_string(&cfg, "[outbound]\nip = 2001:db8::25\n", "t.conf", &err), 0, "%s", err);
	cr_expect_eq(cfg.outbound_dnsbl.n, 2);
	cr_expect_str_eq(cfg.outbound_dnsbl.v[0], "zen.spamhaus.org");
	cr_expect_eq(cfg.relay_smarthost.n, 0);
	config_free(&cfg);
}

/* extra.cf overrides main.cf; a missing file is no error; an empty value is no relayhost. */
Test(check_outbound, postfix_relay_files)
{
	char tmpl[] = "/tmp/mcon-relay.XXXXXX";
	char *dir = mkdtemp(tmpl);
	cr_assert(dir);
	char *conf = xasprintf("%s/data/conf/postfix", dir);
	char *cmd = xasprintf("mkdir -p '%s'", conf);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	struct postfix_relay pr = {0};
	postfix_relay_read(dir, &pr);
	cr_expect_null(pr.relayhost);
	cr_expect_not(pr.err.failed);

	char *main_cf = xasprintf("%s/main.cf", conf), *extra_cf = xasprintf("%s/extra.cf", conf);
	const char *m = "# relayhost = [commented.example]:25\nmyhostname = mail.example.org\nrelayhost =\n";
	cr_assert_eq(file_write_atomic(main_cf, m, strlen(m), 0644), 0);
	postfix_relay_read(dir, &pr);
	cr_expect_null(pr.relayhost, "an empty relayhost is none");
	const char *x = "smtp_sasl_auth_enable = yes\nrelayhost =\n  [smtp.mxroute.com]:587\n";
	cr_assert_eq(file_write_atomic(extra_cf, x, strlen(x), 0644), 0);
	free(pr.file);
	pr.file = NULL;
	postfix_relay_read(dir, &pr);
	cr_expect_str_eq(pr.relayhost, "[smtp.mxroute.com]:587", "a continued line, from extra.cf");
	cr_expect(pr.file && strstr(pr.file, "extra.cf:2"), "%s", pr.file ? pr.file : "(null)");
	free(pr.relayhost);
	free(pr.file);
	part_error_clear(&pr.err);
	unlink(main_cf);
	unlink(extra_cf);
	cmd = xasprintf("rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
	free(main_cf);
	free(extra_cf);
	free(conf);
}
