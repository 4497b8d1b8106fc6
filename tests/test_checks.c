/* Table-driven cases for every check of contract section 4: a healthy hand-built snapshot
 * passes everything; each case breaks it in one place and names the one result that must
 * change (every other result must stay ok unless the case says otherwise). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/checks.h"
#include "tests/support/tsnap.h"

#define S(x) static void x(struct snapshot *s)
#define DOM(s) tsnap_domain(s, "example.com")

S(m_none) { (void)s; }
S(m_docker_down) { tsnap_fail(&s->docker.err, "connect to /run/docker.sock: Connection refused"); }
S(m_mailcow_down) { tsnap_fail(&s->mailcow.err, "timed out after 5000 ms"); }
S(m_key_invalid) { s->mailcow.key = KEY_INVALID; tsnap_fail(&s->mailcow.err, "HTTP 401: authentication failed"); }
S(m_bad_domain) { strv_push(&s->mailcow.bad_domains, "evil?[31m.example"); }
S(m_key_ip) { s->mailcow.key = KEY_IP_DENIED; tsnap_fail(&s->mailcow.err, "HTTP 401: api access denied for ip 10.0.0.9"); }
S(m_startup)
{
	s->mailcow.key = KEY_UNCHECKED;
	tsnap_fail(&s->mailcow.err, "HTTP 500: no connection to its dockerapi container");
}
S(m_dns_down) { tsnap_fail(&s->dns_err, "no answer from 127.0.0.1:53"); }
S(m_postfix_exited) { tsnap_set(&tsnap_container(s, "postfix-mailcow")->state, "exited"); tsnap_container(s, "postfix-mailcow")->exit_code = 137; }
S(m_dovecot_missing) { tsnap_remove_container(s, "dovecot-mailcow"); }
S(m_redis_restarting) { tsnap_set(&tsnap_container(s, "redis-mailcow")->state, "restarting"); }
S(m_clamd_unhealthy) { struct container *c = tsnap_container(s, "clamd-mailcow"); c->health = HEALTH_UNHEALTHY; c->failing_streak = 4; tsnap_set(&c->health_output, "clamd\x1b[31m not answering\n"); }
S(m_clamd_starting) { tsnap_container(s, "clamd-mailcow")->health = HEALTH_STARTING; }
S(m_rspamd_restarted) { tsnap_container(s, "rspamd-mailcow")->restart_count = 7; }
S(m_postfix_on_overlay) { tsnap_attach(tsnap_container(s, "postfix-mailcow"), "netgrimoire"); }
S(m_nginx_off_overlay) {
	struct container *c = tsnap_container(s, "nginx-mailcow");
	free(c->nets[1].network); c->nets[1].network = xstrdup("other-net");
}
S(m_domain_inactive) { ((struct mc_domain *)DOM(s)->mc)->active = false; }
S(m_domain_absent) { DOM(s)->mc = NULL; }
S(m_catchall_missing) { tsnap_set(&s->mailcow.aliases[0].address, "info@example.com"); s->mailcow.aliases[0].catch_all = false; }
S(m_catchall_inactive) { s->mailcow.aliases[0].active = false; }
S(m_no_relayhost) { tsnap_set(&((struct mc_domain *)DOM(s)->mc)->relayhost_id, "0"); }
S(m_relayhost_inactive) { s->mailcow.relayhosts[0].active = false; }
S(m_mx_direct) { tsnap_answer(&DOM(s)->dns.mx, DNS_OK, "arrow.mxrouting.net", "mail.example.com", NULL); }
S(m_mx_wildcard_other) { tsnap_answer(&DOM(s)->dns.mx, DNS_OK, "mx1.mxroute.com", NULL); tsnap_set(&DOM(s)->policy.mx.v[0], "*.mxroute.com"); }
S(m_mx_none) { tsnap_answer(&DOM(s)->dns.mx, DNS_NODATA, NULL); }
S(m_mx_timeout) { tsnap_answer(&DOM(s)->dns.mx, DNS_TIMEOUT, NULL); }
S(m_mx_mailcow_host) { tsnap_answer(&DOM(s)->dns.mx, DNS_OK, "mail.example.org.", NULL); }
S(m_spf_none) { DOM(s)->dns.spf.records = 0; free(DOM(s)->dns.spf.record); DOM(s)->dns.spf.record = NULL; }
S(m_spf_two) { DOM(s)->dns.spf.records = 2; }
S(m_spf_no_include) { strv_free(&DOM(s)->dns.spf.includes); strv_push(&DOM(s)->dns.spf.includes, "_spf.google.com"); }
S(m_spf_11) { DOM(s)->dns.spf.lookups = 11; }
S(m_spf_10) { DOM(s)->dns.spf.lookups = 10; }
S(m_spf_void3) { DOM(s)->dns.spf.void_lookups = 3; }
S(m_spf_void2) { DOM(s)->dns.spf.void_lookups = 2; }
S(m_dmarc_none) { tsnap_answer(&DOM(s)->dns.dmarc, DNS_OK, "v=DMARC1; p=none", NULL); }
S(m_dmarc_missing) { tsnap_answer(&DOM(s)->dns.dmarc, DNS_NXDOMAIN, NULL); }
S(m_dmarc_two) { tsnap_answer(&DOM(s)->dns.dmarc, DNS_OK, "v=DMARC1; p=reject", "v=DMARC1;p=none", NULL); }
S(m_dmarc_other_txt) { tsnap_answer(&DOM(s)->dns.dmarc, DNS_OK, "v=DMARC1;p=quarantine", "some-verification=1", NULL); }
S(m_dkim_mc_differs) {
	char *r = xasprintf("v=DKIM1;k=rsa;p=%s", TK_K2048B);
	tsnap_answer(tsnap_dkim(DOM(s), "mailcow"), DNS_OK, r, NULL);
	free(r);
}
S(m_dkim_mc_lenient) {
	/* split strings joined, spaces inside p=, no k=: still equal */
	char *r = xasprintf("v=DKIM1; p=%.*s   %.*s \t %s", 50, TK_K2048, 100, TK_K2048 + 50, TK_K2048 + 150);
	tsnap_answer(tsnap_dkim(DOM(s), "mailcow"), DNS_OK, r, NULL);
	free(r);
}
S(m_dkim_mc_unpublished) { tsnap_answer(tsnap_dkim(DOM(s), "mailcow"), DNS_NXDOMAIN, NULL); }
S(m_dkim_mc_other_selector) { tsnap_set(&DOM(s)->dkim.selector, "dkim"); }
S(m_dkim_mc_nokey) { DOM(s)->dkim.present = false; free(DOM(s)->dkim.pubkey); DOM(s)->dkim.pubkey = NULL; }
S(m_mxroute_missing) { tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_NXDOMAIN, NULL); }
S(m_mxroute_1024) { char *r = xasprintf("v=DKIM1; k=rsa; p=%s", TK_K1024); tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, r, NULL); free(r); }
S(m_mxroute_768) { char *r = xasprintf("v=DKIM1; k=rsa; p=%s", TK_K768); tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, r, NULL); free(r); }
S(m_mxroute_testing) { char *r = xasprintf("v=DKIM1; t=y; p=%s", TK_K2048B); tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, r, NULL); free(r); }
S(m_mxroute_flags_y) { char *r = xasprintf("v=DKIM1; t=s:Y; p=%s", TK_K2048B); tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, r, NULL); free(r); }
S(m_mxroute_flags_s) { char *r = xasprintf("v=DKIM1; t=s::ys; p=%s", TK_K2048B); tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, r, NULL); free(r); }
S(m_mxroute_revoked) { tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, "v=DKIM1; p=", NULL); }
S(m_mxroute_garbage) { tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, "v=DKIM1; p=bm90IGEga2V5", NULL); }
S(m_mxroute_pkcs1) { char *r = xasprintf("v=DKIM1; p=%s", TK_PKCS1); tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, r, NULL); free(r); }
S(m_mxroute_v2) { char *r = xasprintf("v=DKIM2; p=%s", TK_K2048B); tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_OK, r, NULL); free(r); }
S(m_mxroute_timeout) { tsnap_answer(tsnap_dkim(DOM(s), "mxroute"), DNS_TIMEOUT, NULL); }
S(m_sts_missing) { tsnap_answer(&DOM(s)->dns.mta_sts_txt, DNS_NXDOMAIN, NULL); }
S(m_sts_no_id) { tsnap_answer(&DOM(s)->dns.mta_sts_txt, DNS_OK, "v=STSv1;", NULL); }
S(m_sts_spaced) { tsnap_answer(&DOM(s)->dns.mta_sts_txt, DNS_OK, " v=STSv1 ;  id = 20261201 ; ", NULL); }
S(m_sts_two) { tsnap_answer(&DOM(s)->dns.mta_sts_txt, DNS_OK, "v=STSv1; id=1", "v=STSv1; id=2", NULL); }
S(m_pol_testing) { tsnap_set(&DOM(s)->policy.mode, "testing"); }
S(m_pol_none) { tsnap_set(&DOM(s)->policy.mode, "none"); }
S(m_pol_mx_uncovered) { tsnap_set(&DOM(s)->policy.mx.v[0], "mail.example.org"); }
S(m_pol_wildcard_two_labels) { tsnap_answer(&DOM(s)->dns.mx, DNS_OK, "a.arrow.mxrouting.net", NULL); }
S(m_pol_cert) { struct mta_sts_policy *p = &DOM(s)->policy; p->fetched = false; tsnap_fail(&p->err, "SSL certificate problem: certificate has expired"); }
S(m_pol_404) { struct mta_sts_policy *p = &DOM(s)->policy; p->fetched = false; p->http_status = 404; tsnap_fail(&p->err, "HTTP 404"); }
S(m_pol_absent) { m_sts_missing(s); m_pol_404(s); tsnap_answer(&DOM(s)->dns.mta_sts_host, DNS_NXDOMAIN, NULL); }
S(m_tlsrpt_missing) { tsnap_answer(&DOM(s)->dns.tls_rpt, DNS_NXDOMAIN, NULL); }
S(m_tlsrpt_norua) { tsnap_answer(&DOM(s)->dns.tls_rpt, DNS_OK, "v=TLSRPTv1;", NULL); }
S(m_rspamd_default) { s->limits.rspamd_max_message = 52428800; s->limits.rspamd_set = false; }
S(m_rspamd_equal) { s->limits.rspamd_max_message = 104857600; }
S(m_clam_stream_low) { s->limits.clamav_stream_max = 26214400; s->limits.av_max_size = 20971520; }
S(m_av_over_stream) { s->limits.av_max_size = 209715200; }
S(m_scan_below_file) { s->limits.clamav_max_scan = 52428800; s->limits.clamav_max_file = 157286400; }
S(m_postfix_unknown) { s->limits.postfix = -1; }
S(m_postfix_live_differs) { s->docker.postfix_size_live = 52428800; }
S(m_files_fail) { tsnap_fail(&s->limits.err, "/opt/mailcow-dockerized/data/conf/postfix/main.cf: Permission denied"); }
S(m_rc_tls_no_opts) { tsnap_set(&s->roundcube.imap_host, "tls://dovecot:143"); }
S(m_rc_ssl_half) { tsnap_set(&s->roundcube.imap_host, "ssl://dovecot:993"); s->roundcube.verify_peer_off = true; }
S(m_rc_tls_ok) { tsnap_set(&s->roundcube.imap_host, "tls://dovecot:143"); s->roundcube.has_conn_options = s->roundcube.verify_peer_off = s->roundcube.verify_peer_name_off = true; }
S(m_rc_absent) { s->roundcube.present = false; }
S(m_q9) { s->mailcow.queue_deferred = 9; s->mailcow.queue_total = 9; }
S(m_q10) { s->mailcow.queue_deferred = 10; s->mailcow.queue_total = 12; }
S(m_q30) { s->mailcow.queue_deferred = 30; s->mailcow.queue_total = 31; }
S(m_aliases_err) { tsnap_fail(&s->mailcow.aliases_err, "HTTP 500 from GET /api/v1/get/alias/all"); }
S(m_relayhosts_err) { tsnap_fail(&s->mailcow.relayhosts_err, "malformed JSON"); }
S(m_q_err) { tsnap_fail(&s->mailcow.queue_err, "HTTP 500"); }

struct tcase {
	const char *name;
	void (*mutate)(struct snapshot *);
	const char *conf;
	const char *check, *target;
	enum status want;
	const char *summary_has, *hint_has;
	bool others_may_fail;
};

#define W STATUS_WARNING
#define C STATUS_CRITICAL
#define U STATUS_UNKNOWN
#define K STATUS_OK
static const struct tcase cases[] = {
	{"docker down", m_docker_down, NULL, "docker.api", "unix:///run/docker.sock", U, "Connection refused", "docker", true},
	{"docker down: containers unknown", m_docker_down, NULL, "containers.running", "postfix-mailcow", U, "Connection refused", "docker.api", true},
	{"mailcow down", m_mailcow_down, NULL, "mailcow.api", "https://mail.example.org", U, "timed out", "reachable", true},
	{"mailcow down: domain checks unknown", m_mailcow_down, NULL, "domain.catchall", "example.net", U, "timed out", "mailcow.api", true},
	{"key invalid", m_key_invalid, NULL, "mailcow.api", "https://mail.example.org", C, "rejects the API key", "backs off", true},
	{"startup check failed", m_startup, NULL, "mailcow.api", "https://mail.example.org", C,
	 "fails its own startup check: HTTP 500: no connection to its dockerapi container", "docker compose", true},
	{"a domain name that is no DNS name", m_bad_domain, NULL, "mailcow.api", "https://mail.example.org", W,
	 "lists 1 domain name(s) that are not DNS names, left out of every check: evil?[31m.example", "xn--", false},
	{"key ip denied", m_key_ip, NULL, "mailcow.api", "https://mail.example.org", C, "refuses this host's IP", "Allow API access from", true},
	{"dns down", m_dns_down, NULL, "dns.resolver", "127.0.0.1:53", U, "does not answer", "dns.servers", true},
	{"dns down: spf unknown", m_dns_down, NULL, "spf.record", "example.com", U, "dns not collected", "dns.resolver", true},
	{"dns down: selector unknown", m_dns_down, NULL, "dkim.selector", "example.net/mxroute", U, "dns not collected", NULL, true},
	{"postfix exited", m_postfix_exited, NULL, "containers.running", "postfix-mailcow", C, "exited (exit code 137)", "docker compose up -d postfix-mailcow", false},
	{"dovecot missing", m_dovecot_missing, NULL, "containers.running", "dovecot-mailcow", C, "no container exists", "docker.expected", false},
	{"redis restarting: running", m_redis_restarting, NULL, "containers.running", "redis-mailcow", C, "restarting", NULL, true},
	{"redis restarting: restarts", m_redis_restarting, NULL, "containers.restarts", "redis-mailcow", W, "is restarting", "logs", true},
	{"rspamd restarted since record", m_rspamd_restarted, NULL, "containers.restarts", "rspamd-mailcow", W, "restart count 7, was 2", "logs", false},
	{"clamd unhealthy", m_clamd_unhealthy, NULL, "containers.health", "clamd-mailcow", C, "4 failing probes, last: clamd?[31m not answering", "docker inspect", false},
	{"clamd starting", m_clamd_starting, NULL, "containers.health", "clamd-mailcow", W, "starting", "6 minutes", false},
	{"postfix on overlay", m_postfix_on_overlay, NULL, "overlay.attachment", "postfix-mailcow", C, "postfix-mailcow is attached to overlay network netgrimoire",
	 "Only nginx-mailcow may join netgrimoire: remove the network from postfix-mailcow in /opt/mailcow-dockerized/docker-compose.override.yml and run docker compose up -d", false},
	{"nginx off overlay", m_nginx_off_overlay, NULL, "overlay.attachment", "nginx-mailcow", W, "not attached", "external", false},
	{"no overlay rule", m_postfix_on_overlay, "[overlay]\nnetwork =\n", "overlay.attachment", "postfix-mailcow", K, "overlay.network is not set", NULL, false},
	{"domain inactive", m_domain_inactive, NULL, "domain.active", "example.com", C, "inactive", "Active", false},
	{"domain absent", m_domain_absent, NULL, "domain.active", "example.com", C, "does not exist", "onboard", true},
	{"catch-all missing", m_catchall_missing, NULL, "domain.catchall", "example.com", C, "no catch-all alias @example.com", "reject_unlisted_sender", false},
	{"catch-all inactive", m_catchall_inactive, NULL, "domain.catchall", "example.com", C, "inactive", "Activate", false},
	{"catch-all not required", m_catchall_missing, "[relay]\ncatchall = false\n", "domain.catchall", "example.com", K, "no catch-all required", NULL, false},
	{"aliases unreadable", m_aliases_err, NULL, "domain.catchall", "example.com", U, "aliases not read: HTTP 500", "mailcow.api", true},
	{"relayhosts unreadable", m_relayhosts_err, NULL, "relay.outbound", "example.net", U, "malformed JSON", NULL, true},
	{"no relayhost", m_no_relayhost, NULL, "relay.outbound", "example.com", W, "no relayhost", "Relayhost", false},
	{"relayhost inactive", m_relayhost_inactive, NULL, "relay.outbound", "example.net", W, "inactive", "Activate relayhost 1", true},
	{"mx direct", m_mx_direct, NULL, "mx.relay", "example.com", C, "mail.example.com matches none of relay.mx", "MXRoute", true},
	{"mx other pattern", m_mx_wildcard_other, NULL, "mx.relay", "example.com", K, "all match", NULL, false},
	{"mx none", m_mx_none, NULL, "mx.relay", "example.com", C, "no MX records", "*.mxrouting.net", false},
	{"mx timeout", m_mx_timeout, NULL, "mx.relay", "example.com", U, "timeout", NULL, true},
	{"mx no relay, mailcow host", m_mx_mailcow_host, "[relay]\nname =\nmx =\nspf_include =\n[mta_sts]\n", "mx.relay", "example.com", K, "mail.example.org", NULL, true},
	{"mx no relay, relay host", m_none, "[relay]\nname =\nmx =\nspf_include =\n", "mx.relay", "example.com", C, "not the MailCow host mail.example.org",
	 "example.com. MX 10 mail.example.org.", true},
	{"spf none", m_spf_none, NULL, "spf.record", "example.com", C, "no SPF record", "example.com. TXT \"v=spf1 include:mxroute.com -all\"", false},
	{"spf two", m_spf_two, NULL, "spf.record", "example.com", C, "2 SPF records", "Merge", false},
	{"spf no include", m_spf_no_include, NULL, "spf.record", "example.com", C, "does not include mxroute.com", "include:mxroute.com", false},
	{"spf 11 lookups", m_spf_11, NULL, "spf.record", "example.com", C, "11 DNS lookups", "Flatten", false},
	{"spf 10 lookups", m_spf_10, NULL, "spf.record", "example.com", K, "10/10 lookups", NULL, false},
	{"spf 3 void", m_spf_void3, NULL, "spf.record", "example.com", C, "3 void lookups", NULL, false},
	{"spf 2 void", m_spf_void2, NULL, "spf.record", "example.com", K, "2/2 void", NULL, false},
	{"dmarc none", m_dmarc_none, NULL, "dmarc.record", "example.com", W, "p=none", "p=quarantine", false},
	{"dmarc missing", m_dmarc_missing, NULL, "dmarc.record", "example.com", C, "no DMARC record", "_dmarc.example.com. TXT", false},
	{"dmarc two", m_dmarc_two, NULL, "dmarc.record", "example.com", C, "2 DMARC records", NULL, false},
	{"dmarc beside other txt", m_dmarc_other_txt, NULL, "dmarc.record", "example.com", K, "p=quarantine", NULL, false},
	{"dkim.mailcow differs", m_dkim_mc_differs, NULL, "dkim.mailcow", "example.com", C, "differs from MailCow's key", "mailcow._domainkey.example.com. TXT \"v=DKIM1;k=rsa;t=s;s=email;p=MIIB", false},
	{"dkim.mailcow lenient p=", m_dkim_mc_lenient, NULL, "dkim.mailcow", "example.com", K, "matches MailCow's key", NULL, false},
	{"dkim.mailcow unpublished", m_dkim_mc_unpublished, NULL, "dkim.mailcow", "example.com", C, "not published", "mailcow._domainkey.example.com. TXT", true},
	{"dkim.mailcow other selector", m_dkim_mc_other_selector, NULL, "dkim.mailcow", "example.com", C, "signs example.com with selector dkim", "dkim.mailcow_selector = dkim", false},
	{"dkim.mailcow no key", m_dkim_mc_nokey, NULL, "dkim.mailcow", "example.com", C, "holds no DKIM key", "add/dkim", true},
	{"mxroute only in DNS", m_none, NULL, "dkim.selector", "example.com/mxroute", K, "rsa 2048 bits", NULL, false},
	{"mxroute missing", m_mxroute_missing, NULL, "dkim.selector", "example.com/mxroute", C, "mxroute._domainkey.example.com is not published", "MXRoute", false},
	{"mxroute 1024 bits", m_mxroute_1024, NULL, "dkim.selector", "example.com/mxroute", W, "1024-bit key, under dkim.min_bits 2048", "2048", false},
	{"mxroute 1024 bits, min 1024", m_mxroute_1024, "[dkim]\nmin_bits = 1024\n", "dkim.selector", "example.com/mxroute", K, "1024 bits", NULL, false},
	{"mxroute 768 bits", m_mxroute_768, NULL, "dkim.selector", "example.com/mxroute", C, "768-bit key, under 1024", NULL, false},
	{"mxroute t=y", m_mxroute_testing, NULL, "dkim.selector", "example.com/mxroute", W, "t=y", NULL, false},
	{"mxroute t=s:Y", m_mxroute_flags_y, NULL, "dkim.selector", "example.com/mxroute", W, "t=y", NULL, false},
	{"mxroute t=s::ys", m_mxroute_flags_s, NULL, "dkim.selector", "example.com/mxroute", K, "rsa 2048 bits", NULL, false},
	{"mxroute revoked", m_mxroute_revoked, NULL, "dkim.selector", "example.com/mxroute", C, "empty p=", NULL, false},
	{"mxroute garbage", m_mxroute_garbage, NULL, "dkim.selector", "example.com/mxroute", C, "not a valid RSA public key", NULL, false},
	{"mxroute pkcs1", m_mxroute_pkcs1, NULL, "dkim.selector", "example.com/mxroute", K, "2048 bits", NULL, false},
	{"mxroute v=DKIM2", m_mxroute_v2, NULL, "dkim.selector", "example.com/mxroute", C, "not DKIM1", NULL, false},
	{"mxroute timeout", m_mxroute_timeout, NULL, "dkim.selector", "example.com/mxroute", U, "timeout", NULL, false},
	{"mailcow selector too", m_dkim_mc_unpublished, NULL, "dkim.selector", "example.com/mailcow", C, "not published", "v=DKIM1;k=rsa;t=s;s=email;p=MIIB", true},
	{"sts record missing", m_sts_missing, NULL, "mta_sts.record", "example.com", W, "no MTA-STS record", "MTA-STS", false},
	{"sts record no id", m_sts_no_id, NULL, "mta_sts.record", "example.com", C, "no valid id", NULL, false},
	{"sts record spaced", m_sts_spaced, NULL, "mta_sts.record", "example.com", K, "id=20261201", NULL, false},
	{"sts record two", m_sts_two, NULL, "mta_sts.record", "example.com", C, "2 MTA-STS records", NULL, false},
	{"policy testing", m_pol_testing, NULL, "mta_sts.policy", "example.com", W, "mode is testing", "enforce", false},
	{"policy none", m_pol_none, NULL, "mta_sts.policy", "example.com", W, "mode is none", NULL, false},
	{"policy mx uncovered", m_pol_mx_uncovered, NULL, "mta_sts.policy", "example.com", C,
	 "MX arrow.mxrouting.net, arrow-relay.mxrouting.net match no mx: line (mx: mail.example.org)", "wildcard", false},
	{"policy wildcard one label", m_pol_wildcard_two_labels, NULL, "mta_sts.policy", "example.com", C, "a.arrow.mxrouting.net matches no mx: line", NULL, true},
	{"policy certificate", m_pol_cert, NULL, "mta_sts.policy", "example.com", C, "certificate has expired", "Host header", false},
	{"policy 404 with record", m_pol_404, NULL, "mta_sts.policy", "example.com", C, "HTTP 404", NULL, false},
	{"policy absent, no record", m_pol_absent, NULL, "mta_sts.policy", "example.com", W, "serves no MTA-STS policy", "mta-sts.example.com CNAME", true},
	{"tls-rpt missing", m_tlsrpt_missing, NULL, "tls_rpt.record", "example.com", W, "no TLS-RPT record", "_smtp._tls.example.com. TXT \"v=TLSRPTv1; rua=mailto:", false},
	{"tls-rpt no rua", m_tlsrpt_norua, NULL, "tls_rpt.record", "example.com", W, "no rua=", NULL, false},
	{"rspamd default below postfix", m_rspamd_default, NULL, "limits.size", "stack", C,
	 "rspamd max_message 52428800 (50.0 MiB) < postfix 104857600 (100.0 MiB): mail between them is deferred with 4.7.1",
	 "max_message = 104857600; in /opt/mailcow-dockerized/data/conf/rspamd/local.d/options.inc", false},
	{"rspamd equal postfix", m_rspamd_equal, NULL, "limits.size", "stack", K, "rspamd max_message 104857600 (100.0 MiB)", NULL, false},
	{"clamd stream below postfix", m_clam_stream_low, NULL, "limits.size", "stack", W, "clamd StreamMaxLength 26214400 (25.0 MiB) < postfix", "clamd.conf", false},
	{"antivirus above stream", m_av_over_stream, NULL, "limits.size", "stack", W, "antivirus max_size 209715200 (200.0 MiB) > clamd StreamMaxLength 104857600", "antivirus.conf", false},
	{"scan below file", m_scan_below_file, NULL, "limits.size", "stack", W, "MaxScanSize 52428800 (50.0 MiB) < MaxFileSize", NULL, false},
	{"postfix limit unknown", m_postfix_unknown, NULL, "limits.size", "stack", U, "message_size_limit not found", "main.cf", false},
	{"postfix live differs", m_postfix_live_differs, NULL, "limits.size", "stack", W, "running postfix uses 52428800", "Restart postfix-mailcow", false},
	{"files unreadable", m_files_fail, NULL, "limits.size", "stack", U, "Permission denied", "mailcow.dir", false},
	{"roundcube tls without options", m_rc_tls_no_opts, NULL, "roundcube.imap_tls", "roundcube", C, "verify_peer and verify_peer_name are not turned off",
	 "$config['imap_conn_options'] = ['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]];", false},
	{"roundcube ssl half", m_rc_ssl_half, NULL, "roundcube.imap_tls", "roundcube", C, "verify_peer_name is not", NULL, false},
	{"roundcube tls ok", m_rc_tls_ok, NULL, "roundcube.imap_tls", "roundcube", K, "off", NULL, false},
	{"roundcube plain", m_none, NULL, "roundcube.imap_tls", "roundcube", K, "dovecot:143 without TLS", NULL, false},
	{"no roundcube", m_rc_absent, NULL, "roundcube.imap_tls", "roundcube", K, "no Roundcube", NULL, false},
	{"queue 9", m_q9, NULL, "queue.deferred", "postfix", K, "9 deferred", NULL, false},
	{"queue 10", m_q10, NULL, "queue.deferred", "postfix", W, "10 deferred of 12", "Queue", false},
	{"queue 30", m_q30, NULL, "queue.deferred", "postfix", C, "30 deferred", NULL, false},
	{"queue unreadable", m_q_err, NULL, "queue.deferred", "postfix", U, "HTTP 500", NULL, false},
};

/* The recorded state the cases compare with: rspamd-mailcow restarted twice before, every
 * other service of the snapshot never. */
static void prev_restarts(const struct snapshot *s, const struct config *cfg, struct check_prev *prev)
{
	memset(prev, 0, sizeof(*prev));
	struct strv svcs = {0};
	check_services(s, cfg, &svcs);
	for (size_t i = 0; i < svcs.n; i++)
		check_prev_add_restarts(prev, svcs.v[i], strcmp(svcs.v[i], "rspamd-mailcow") == 0 ? 2 : 0);
	strv_free(&svcs);
}

static void run_case(const struct tcase *tc, struct check_run *run)
{
	struct config cfg;
	tsnap_config(&cfg, tc->conf);
	struct snapshot *s = tsnap_healthy();
	tc->mutate(s);
	struct check_prev prev;
	prev_restarts(s, &cfg, &prev);
	checks_run(s, &cfg, &prev, run);
	check_prev_free(&prev);
	tsnap_free(s);
	config_free(&cfg);
}

/* Whether id is one of the space-separated ids of list. */
static bool listed(const char *list, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = list; (p = strstr(p, id)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* Every check id of the contract, in output order. */
static const char *const contract_ids[] = {
	"docker.api", "mailcow.api", "dns.resolver", "containers.running", "containers.health",
	"containers.restarts", "containers.network", "overlay.attachment", "domain.active", "domain.catchall",
	"relay.outbound", "mx.relay", "spf.record", "dmarc.record", "dkim.mailcow", "dkim.selector",
	"mta_sts.record", "mta_sts.policy", "tls_rpt.record", "limits.size", "roundcube.imap_tls", "outbound.ip",
	"queue.deferred",
};

/* The checks whose target is a domain (or <domain>/<selector>): the domains pane's. */
#define PER_DOMAIN "domain.active domain.catchall relay.outbound mx.relay spf.record dmarc.record " \
	"dkim.mailcow dkim.selector mta_sts.record mta_sts.policy tls_rpt.record"

Test(checks, healthy_site_is_all_ok)
{
	struct check_run run;
	struct config cfg;
	tsnap_config(&cfg, NULL);
	struct snapshot *s = tsnap_healthy();
	checks_run(s, &cfg, NULL, &run);
	for (size_t i = 0; i < run.n; i++)
		cr_expect_eq(run.results[i].status, STATUS_OK, "%s %s: %s", run.results[i].check, run.results[i].target,
			     run.results[i].summary);
	/* one result per check and target */
	cr_expect_eq(tsnap_count(&run, "docker.api"), 1);
	cr_expect_eq(tsnap_count(&run, "containers.running"), 6);
	cr_expect_eq(tsnap_count(&run, "overlay.attachment"), 6);
	cr_expect_eq(tsnap_count(&run, "spf.record"), 2);
	cr_expect_eq(tsnap_count(&run, "dkim.selector"), 4);
	cr_expect_eq(tsnap_count(&run, "limits.size"), 1);
	/* every check has a result, but outbound.ip, which has no target until outbound.ip is set */
	for (size_t i = 0; i < ARRAY_SIZE(contract_ids); i++)
		if (strcmp(contract_ids[i], "outbound.ip") != 0)
			cr_expect(tsnap_count(&run, contract_ids[i]) >= 1, "no result for %s", contract_ids[i]);
	cr_expect_eq(tsnap_count(&run, "outbound.ip"), 0);
	cr_expect_eq(check_run_worst(&run), STATUS_OK);
	cr_expect_eq(run.perf.containers_running, 6);
	cr_expect_eq(run.perf.containers_total, 6);
	cr_expect_eq(run.perf.domains_failing, 0);
	cr_expect_eq(run.perf.dkim_min_bits, 2048);
	cr_expect_eq(run.perf.spf_max_lookups, 4);
	cr_expect_eq(run.perf.mail_deferred, 1);
	check_run_free(&run);
	tsnap_free(s);
	config_free(&cfg);
}

Test(checks, every_case)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *tc = &cases[i];
		struct check_run run;
		run_case(tc, &run);
		const struct check_result *r = tsnap_result(&run, tc->check, tc->target);
		cr_expect(r != NULL, "[%s] no result %s %s", tc->name, tc->check, tc->target);
		if (r) {
			cr_expect_eq(r->status, tc->want, "[%s] %s %s is %s, want %s: %s", tc->name, tc->check, tc->target,
				     status_name(r->status), status_name(tc->want), r->summary);
			if (tc->summary_has)
				cr_expect(strstr(r->summary, tc->summary_has) != NULL, "[%s] summary \"%s\" lacks \"%s\"", tc->name,
					  r->summary, tc->summary_has);
			if (tc->want == STATUS_OK)
				cr_expect_null(r->hint, "[%s] ok with a hint", tc->name);
			else
				cr_expect(r->hint && *r->hint, "[%s] no hint", tc->name);
			if (tc->hint_has && r->hint)
				cr_expect(strstr(r->hint, tc->hint_has) != NULL, "[%s] hint \"%s\" lacks \"%s\"", tc->name, r->hint, tc->hint_has);
		}
		if (!tc->others_may_fail)
			for (size_t k = 0; k < run.n; k++) {
				const struct check_result *o = &run.results[k];
				if (o == r)
					continue;
				cr_expect_eq(o->status, STATUS_OK, "[%s] unexpected %s %s %s: %s", tc->name, status_name(o->status),
					     o->check, o->target, o->summary);
			}
		check_run_free(&run);
	}
}

/* A failed source turns exactly the checks that need it unknown; the rest still run. Which
 * checks need which backend is written here, from the contract's rules, not read from the
 * check table: a wrong dependency in the table shows as a failure. */
Test(checks, failed_source_unknown_only_where_needed)
{
	static const struct { void (*m)(struct snapshot *); const char *unknown; } srcs[] = {
		{m_docker_down, "docker.api containers.running containers.health containers.restarts containers.network "
				"overlay.attachment"},
		{m_mailcow_down, "mailcow.api domain.active domain.catchall relay.outbound dkim.mailcow queue.deferred"},
		{m_dns_down, "dns.resolver mx.relay spf.record dmarc.record dkim.mailcow dkim.selector mta_sts.record "
			     "mta_sts.policy tls_rpt.record outbound.ip"},
		{m_files_fail, "limits.size"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(srcs); i++) {
		struct tcase tc = {"src", srcs[i].m, NULL, NULL, NULL, 0, NULL, NULL, true};
		struct check_run run;
		run_case(&tc, &run);
		for (size_t k = 0; k < run.n; k++) {
			const struct check_result *r = &run.results[k];
			enum status want = listed(srcs[i].unknown, r->check) ? STATUS_UNKNOWN : STATUS_OK;
			cr_expect_eq(r->status, want, "source %zu: %s %s is %s: %s", i, r->check, r->target, status_name(r->status), r->summary);
		}
		/* every listed check reported (a typo in the list cannot pass) */
		for (size_t k = 0; k < ARRAY_SIZE(contract_ids); k++)
			if (listed(srcs[i].unknown, contract_ids[k]))
				cr_expect(tsnap_count(&run, contract_ids[k]) >= 1, "source %zu: no result for %s", i,
					  contract_ids[k]);
		check_run_free(&run);
	}
}

static void m_mailcow_down_no_domains(struct snapshot *s)
{
	m_mailcow_down(s);
	for (size_t i = 0; i < s->n_domains; i++)
		s->domains[i].mc = NULL;
	/* the collector has no domain list without MailCow */
	struct snapshot *empty = xcalloc(1, sizeof(*empty));
	struct snap_domain *d = s->domains;
	size_t n = s->n_domains;
	s->domains = empty->domains;
	s->n_domains = 0;
	empty->domains = d;
	empty->n_domains = n;
	tsnap_free(empty);
}

/* Without MailCow's list the per-domain checks are unknown with a "*" target, not absent. */
Test(checks, no_domain_list_is_unknown)
{
	struct tcase tc = {"nolist", m_mailcow_down_no_domains, NULL, NULL, NULL, 0, NULL, NULL, true};
	struct check_run run;
	run_case(&tc, &run);
	for (size_t i = 0; i < ARRAY_SIZE(contract_ids); i++) {
		const char *id = contract_ids[i];
		if (!listed(PER_DOMAIN, id))
			continue;
		const struct check_result *r = tsnap_result(&run, id, "*");
		cr_assert(r, "no result for %s", id);
		cr_expect_eq(r->status, STATUS_UNKNOWN);
		cr_expect(strstr(r->summary, "mailcow not collected: timed out") != NULL, "%s", r->summary);
		cr_expect_eq(tsnap_count(&run, id), 1);
	}
	/* and no other check has a "*" target */
	for (size_t i = 0; i < run.n; i++)
		if (strcmp(run.results[i].target, "*") == 0)
			cr_expect(listed(PER_DOMAIN, run.results[i].check), "%s has a * target", run.results[i].check);
	cr_expect_eq(tsnap_result(&run, "containers.running", "postfix-mailcow")->status, STATUS_OK);
	check_run_free(&run);
}

Test(checks, status_order_and_names)
{
	cr_expect_eq(status_worse(STATUS_OK, STATUS_WARNING), STATUS_WARNING);
	cr_expect_eq(status_worse(STATUS_WARNING, STATUS_UNKNOWN), STATUS_UNKNOWN);
	cr_expect_eq(status_worse(STATUS_CRITICAL, STATUS_UNKNOWN), STATUS_CRITICAL);
	cr_expect_eq(status_worse(STATUS_UNKNOWN, STATUS_CRITICAL), STATUS_CRITICAL);
	cr_expect_str_eq(status_name(STATUS_CRITICAL), "critical");
	cr_expect_str_eq(status_upper(STATUS_UNKNOWN), "UNKNOWN");
	cr_expect_eq(status_parse("warning"), STATUS_WARNING);
	cr_expect_eq(status_parse("bogus"), STATUS_NONE);
	cr_expect_eq(status_parse(NULL), STATUS_NONE);
}

Test(checks, status_words_symbols_and_codes)
{
	static const struct {
		enum status s;
		const char *name, *word, *nagios, *symbol, *ascii;
		int code;
	} want[] = {
		{STATUS_OK, "ok", "OK", "OK", "\xe2\x9c\x93", "+", 0},
		{STATUS_WARNING, "warning", "WARN", "WARNING", "!", "!", 1},
		{STATUS_CRITICAL, "critical", "CRIT", "CRITICAL", "\xe2\x9c\x97", "x", 2},
		{STATUS_UNKNOWN, "unknown", "UNKN", "UNKNOWN", "?", "?", 3},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_expect_str_eq(status_name(want[i].s), want[i].name);
		cr_expect_str_eq(status_word(want[i].s), want[i].word);
		cr_expect_str_eq(status_upper(want[i].s), want[i].nagios);
		cr_expect_str_eq(status_symbol(want[i].s, false), want[i].symbol);
		cr_expect_str_eq(status_symbol(want[i].s, true), want[i].ascii);
		cr_expect_eq(status_code(want[i].s), want[i].code);
		cr_expect_eq(status_parse(want[i].name), want[i].s);
		cr_expect_eq(status_parse(want[i].word), want[i].s, "%s", want[i].word);
	}
	cr_expect_eq(STATUS__COUNT, 4);
	/* "no result" folds below everything and is not a problem */
	cr_expect_str_eq(status_word(STATUS_NONE), "-");
	cr_expect_eq(status_worse(STATUS_NONE, STATUS_OK), STATUS_OK);
	cr_expect_eq(status_worse(STATUS_WARNING, STATUS_NONE), STATUS_WARNING);
	cr_expect_not(status_bad(STATUS_NONE));
	cr_expect_not(status_bad(STATUS_OK));
	cr_expect(status_bad(STATUS_WARNING) && status_bad(STATUS_UNKNOWN) && status_bad(STATUS_CRITICAL));
}

Test(checks, families_follow_the_check_table)
{
	static const struct {
		const char *check;
		enum family fam;
		const char *title;
	} want[] = {
		{"domain.active", FAM_MAILCOW, "MCOW"}, {"domain.catchall", FAM_MAILCOW, "MCOW"},
		{"relay.outbound", FAM_MAILCOW, "MCOW"}, {"mx.relay", FAM_MX, "MX"}, {"spf.record", FAM_SPF, "SPF"},
		{"dmarc.record", FAM_DMARC, "DMARC"}, {"dkim.mailcow", FAM_DKIM, "DKIM"},
		{"dkim.selector", FAM_DKIM, "DKIM"}, {"mta_sts.record", FAM_MTA_STS, "MTASTS"},
		{"mta_sts.policy", FAM_MTA_STS, "MTASTS"}, {"tls_rpt.record", FAM_TLS_RPT, "TLSRPT"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_expect_eq(family_of_check(want[i].check), want[i].fam, "%s", want[i].check);
		cr_expect_str_eq(family_title(want[i].fam), want[i].title);
	}
	cr_expect_eq(FAM__COUNT, 7);
	cr_expect_eq(family_of_check("containers.running"), FAM_NONE);
	cr_expect_eq(family_of_check("queue.deferred"), FAM_NONE);
	cr_expect_eq(family_of_check("no.such"), FAM_NONE);
}

Test(checks, table_ids_are_the_contract)
{
	cr_assert_eq(check_table_len, ARRAY_SIZE(contract_ids));
	for (size_t i = 0; i < ARRAY_SIZE(contract_ids); i++)
		cr_expect_str_eq(check_table[i].id, contract_ids[i]);
}

Test(checks, helpers)
{
	const char *t;
	cr_expect_eq(dkim_pubkey_bits(TK_K2048, &t), 2048);
	cr_expect_str_eq(t, "rsa");
	cr_expect_eq(dkim_pubkey_bits(TK_K1024, NULL), 1024);
	cr_expect_eq(dkim_pubkey_bits(TK_K768, NULL), 768);
	cr_expect_eq(dkim_pubkey_bits(TK_PKCS1, NULL), 2048);
	cr_expect_eq(dkim_pubkey_bits("abc", NULL), 0);
	cr_expect_eq(dkim_pubkey_bits("", NULL), 0);
	char *cut = xstrndup(TK_K2048, 200); /* valid base64, DER cut short */
	cr_expect_eq(dkim_pubkey_bits(cut, NULL), 0);
	free(cut);
	/* an Ed25519 SubjectPublicKeyInfo */
	cr_expect_eq(dkim_pubkey_bits("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=", &t), 256);
	cr_expect_str_eq(t, "ed25519");
	char *p = dkim_txt_p("v=DKIM1; k=rsa; p=AB CD\tEF ;");
	cr_expect_str_eq(p, "ABCDEF");
	free(p);
	cr_expect_null(dkim_txt_p("v=DKIM1; k=rsa"));
	char *v = tag_value(" v = STSv1 ; id = 42 ", "id");
	cr_expect_str_eq(v, "42");
	free(v);
	cr_expect(mta_sts_mx_match("*.mxrouting.net", "arrow.mxrouting.net"));
	cr_expect(mta_sts_mx_match("*.mxrouting.net", "ARROW.mxrouting.net."));
	cr_expect_not(mta_sts_mx_match("*.mxrouting.net", "a.arrow.mxrouting.net"));
	cr_expect_not(mta_sts_mx_match("*.mxrouting.net", "mxrouting.net"));
	cr_expect(mta_sts_mx_match("mail.example.org", "mail.example.org"));
	cr_expect_not(mta_sts_mx_match("mail.example.org", "mail.example.org.evil"));
	char h[32];
	bytes_human(104857600, h);
	cr_expect_str_eq(h, "100.0 MiB");
	bytes_human(-1, h);
	cr_expect_str_eq(h, "unset");
	char *x = sha256_hex("abc", 3);
	cr_expect_str_eq(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(x);
	char *c = text_clean("a\x1b[1mb\nc", 100);
	cr_expect_str_eq(c, "a?[1mb c");
	free(c);
}

Test(checks, filter_by_glob)
{
	struct tcase tc = {"f", m_none, NULL, NULL, NULL, 0, NULL, NULL, true};
	struct check_run run;
	run_case(&tc, &run);
	struct strv g = {0};
	strv_push(&g, "dkim.*");
	size_t n = check_run_filter(&run, &g);
	cr_expect_eq(n, 2 + 4);
	strv_free(&g);
	strv_push(&g, "dkim.selector:*/mxroute");
	cr_expect_eq(check_run_filter(&run, &g), 2);
	for (size_t i = 0; i < run.n; i++)
		cr_expect(str_ends_with(run.results[i].target, "/mxroute"));
	strv_free(&g);
	check_run_free(&run);
}

Test(checks, site_sized_snapshot_is_all_ok)
{
	struct check_run run;
	struct config cfg;
	tsnap_config(&cfg, NULL);
	struct snapshot *s = tsnap_site();
	checks_run(s, &cfg, NULL, &run);
	cr_expect_eq(check_run_worst(&run), STATUS_OK);
	cr_expect_eq(tsnap_count(&run, "containers.running"), 18);
	cr_expect_eq(tsnap_count(&run, "spf.record"), 8);
	cr_expect_eq(tsnap_count(&run, "dkim.selector"), 16);
	cr_expect_eq(run.perf.domains_total, 8);
	check_run_free(&run);
	tsnap_free(s);
	config_free(&cfg);
}
