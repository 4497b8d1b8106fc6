/* bench_refresh: what a refresh costs when every request is slow (100 ms added to each).
 * The runbook's demo site runs on the simulator (mcon-sim --latency-ms 100: Docker, MailCow,
 * DNS, MTA-STS); 100 and 1000 synthetic domains run on in-process MailCow and MTA-STS
 * servers and NSD behind a delaying proxy. For each it prints the refresh time, its ratio
 * to the slowest dependency chain (measured: the same site reduced to one domain), what
 * the same requests cost one after another, and the peak memory of the collecting
 * process. Exits 1 when the demo refresh takes more than twice its slowest chain. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/collect.h"
#include "core/config.h"
#include "core/fetch.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "tests/support/dnsdelay.h"
#include "tests/support/fakemc.h"
#include "tests/support/httpsrv.h"
#include "tests/support/simproc.h"
#include "tests/support/testca.h"

#define LATENCY_MS 100
#define SYNTH_MAX 1000

static const char *const demo_domains[] = {
	"netgrimoire.com", "pncharris.com", "wasted-bandwidth.net", "nucking-futz.com",
	"florosafd.org", "gnarlypandaproductions.com", "pncfishandmore.com", "pncharrisenterprises.com",
};

static char *dkim_key;  /* base64 SPKI, tests/data/dkim/rsa2048.b64 */

static char *synth_name(int i)
{
	return xasprintf("d%04d.bench.test", i);
}

/* ---- zones ---- */

static void dkim_records(struct buf *z, const char *owner)
{
	char *txt = xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", dkim_key);
	buf_printf(z, "%s IN TXT (", owner);
	for (size_t i = 0; i < strlen(txt); i += 255)
		buf_printf(z, " \"%.255s\"", txt + i);
	buf_puts(z, " )\n");
	free(txt);
}

static void domain_records(struct buf *z, const char *d, const char *spf_include, const char *mta_sts_target)
{
	buf_printf(z, "%s. IN MX 10 heracles.mxrouting.net.\n%s. IN MX 20 heracles-relay.mxrouting.net.\n", d, d);
	buf_printf(z, "%s. IN TXT \"v=spf1 include:%s -all\"\n", d, spf_include);
	buf_printf(z, "_dmarc.%s. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@%s\"\n", d, d);
	char *o = xasprintf("mailcow._domainkey.%s.", d);
	dkim_records(z, o);
	free(o);
	o = xasprintf("mxroute._domainkey.%s.", d);
	dkim_records(z, o);
	free(o);
	buf_printf(z, "_mta-sts.%s. IN TXT \"v=STSv1; id=20250826095705;\"\n", d);
	buf_printf(z, "mta-sts.%s. IN CNAME %s\n", d, mta_sts_target);
	buf_printf(z, "_smtp._tls.%s. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"\n", d, d);
}

static void zone_head(struct buf *z, const char *origin)
{
	buf_printf(z, "$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\n"
		      "ns IN A 127.0.0.1\n", origin, origin, origin, origin);
}

static void write_zone(const char *dir, const char *name, struct buf *z)
{
	char *path = xasprintf("%s/%s.zone", dir, name);
	if (file_write_atomic(path, z->data, z->len, 0644) < 0)
		die("cannot write %s", path);
	free(path);
	buf_free(z);
}

static void write_zones(const char *dir)
{
	struct buf z = {0};
	for (size_t i = 0; i < ARRAY_SIZE(demo_domains); i++) {
		zone_head(&z, demo_domains[i]);
		domain_records(&z, demo_domains[i], "mxroute.com", "mail.netgrimoire.com.");
		if (strcmp(demo_domains[i], "netgrimoire.com") == 0)
			buf_puts(&z, "mail IN A 127.0.0.1\n");
		write_zone(dir, demo_domains[i], &z);
	}
	/* MXRoute's side: the SPF include chain and the MX hosts. */
	zone_head(&z, "mxroute.com");
	buf_puts(&z, "@ IN TXT \"v=spf1 include:_spf.mxroute.com -all\"\n_spf IN TXT \"v=spf1 ip4:198.51.100.0/24 ~all\"\n");
	write_zone(dir, "mxroute.com", &z);
	zone_head(&z, "mxrouting.net");
	buf_puts(&z, "heracles IN A 198.51.100.7\nheracles-relay IN A 198.51.100.8\n");
	write_zone(dir, "mxrouting.net", &z);
	zone_head(&z, "bench.test");
	buf_puts(&z, "mail IN A 127.0.0.1\n_spf IN TXT \"v=spf1 include:_spf2.bench.test ~all\"\n"
		     "_spf2 IN TXT \"v=spf1 ip4:203.0.113.0/24 ~all\"\n");
	for (int i = 1; i <= SYNTH_MAX; i++) {
		char *d = synth_name(i);
		domain_records(&z, d, "_spf.bench.test", "mail.bench.test.");
		free(d);
	}
	write_zone(dir, "bench.test", &z);
}

/* ---- servers (in their own process) ---- */

struct scenario {
	const char *label;
	int n;
	int mc_port;
};

/* The synthetic sites, and one runbook domain alone (their slowest chain). */
static struct scenario scenarios[] = {
	{"synthetic", 100, 0},
	{"synthetic", SYNTH_MAX, 0},
	{"one demo domain", 1, 0},
};

static char *domain_name(const struct scenario *s, int i)
{
	return s->n <= 8 ? xstrdup(demo_domains[i]) : synth_name(i + 1);
}

static void sts_serve(const struct http_req *req, struct http_resp *resp, void *ud)
{
	(void)ud;
	resp->delay_ms = LATENCY_MS;
	resp->content_type = "text/plain";
	if (req->host && str_starts_with(req->host, "mta-sts."))
		resp->body = xstrdup("version: STSv1\nmode: enforce\nmx: *.mxrouting.net\nmax_age: 604800\n");
	else
		resp->status = 404;
}

static void fill_mailcow(struct fakemc *mc, const struct scenario *s)
{
	struct buf all = {0};
	buf_putc(&all, '[');
	char *dk = xasprintf("{\"pubkey\":\"%s\",\"length\":\"2048\",\"dkim_txt\":\"v=DKIM1;k=rsa;t=s;s=email;p=%s\","
			     "\"dkim_selector\":\"mailcow\",\"privkey\":\"\"}", dkim_key, dkim_key);
	for (int i = 0; i < s->n; i++) {
		char *d = domain_name(s, i);
		buf_printf(&all, "%s{\"domain_name\":\"%s\",\"active\":1,\"relayhost\":\"1\",\"mboxes_in_domain\":1,"
				 "\"aliases_in_domain\":1,\"tags\":[]}", i ? "," : "", d);
		char *path = xasprintf("/api/v1/get/dkim/%s", d);
		fakemc_route(mc, path, dk);
		free(path);
		free(d);
	}
	buf_putc(&all, ']');
	fakemc_route(mc, "/api/v1/get/domain/all", all.data);
	buf_free(&all);
	free(dk);
	fakemc_latency(mc, LATENCY_MS);
}

/* Runs the servers until in_fd (a pipe) closes; writes "sts dns mc0 mc1 mc2\n". */
static void servers_main(const struct testca *ca, const char *nsd_addr, int out_fd, int in_fd)
{
	struct httpsrv *sts = httpsrv_start(ca->cert_pem, ca->key_pem, sts_serve, NULL);
	struct dnsdelay *dns = dnsdelay_start(nsd_addr, LATENCY_MS);
	struct fakemc *mcs[ARRAY_SIZE(scenarios)];
	if (!sts || !dns)
		_exit(1);
	struct buf line = {0};
	buf_printf(&line, "%d %d", httpsrv_port(sts), dnsdelay_port(dns));
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
		mcs[i] = fakemc_start(ca);
		fill_mailcow(mcs[i], &scenarios[i]);
		buf_printf(&line, " %d", fakemc_port(mcs[i]));
	}
	buf_putc(&line, '\n');
	if (write(out_fd, line.data, line.len) != (ssize_t)line.len)
		_exit(1);
	buf_free(&line);
	char c;
	while (read(in_fd, &c, 1) > 0)
		;
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++)
		fakemc_stop(mcs[i]);
	dnsdelay_stop(dns);
	httpsrv_stop(sts);
	_exit(0);
}

/* ---- measuring (each run in a child process, for its own peak memory) ---- */

struct figures {
	long long ms;
	struct collect_stats st;
	long maxrss_kib;
	int domains_ok, domains;
	int errors;
};

/* cfg (when text is NULL) or the configuration text. */
static void measure_cfg(const struct config *given, const char *conf, int max_http, int max_dns, struct figures *fig)
{
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		struct config loaded;
		const struct config *cfgp = given;
		char *err = NULL;
		if (conf) {
			if (config_load_string(&loaded, conf, "bench.conf", &err) < 0)
				die("%s", err);
			cfgp = &loaded;
		}
		struct figures f = {0};
		struct collect_opts o = {.cancel_fd = -1, .max_http = max_http, .max_dns = max_dns, .stats = &f.st,
					 .deadline_ms = fetch_now_ms() + 600000};
		long long t0 = fetch_now_ms();
		struct snapshot *s = collect_run(cfgp, &o);
		f.ms = fetch_now_ms() - t0;
		f.domains = (int)s->n_domains;
		for (size_t i = 0; i < s->n_domains; i++) {
			const struct snap_domain *d = &s->domains[i];
			bool ok = d->dkim.present && d->policy.fetched && d->dns.spf.records == 1 && d->dns.dkim[0].status == DNS_OK;
			f.domains_ok += ok;
		}
		f.errors = s->mailcow.err.failed + s->dns_err.failed + (cfgp->mailcow_url && s->docker.err.failed && !conf);
		snapshot_free(s);
		if (conf)
			config_free(&loaded);
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		f.maxrss_kib = ru.ru_maxrss;
		if (write(p[1], &f, sizeof(f)) != (ssize_t)sizeof(f))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	memset(fig, 0, sizeof(*fig));
	if (read(p[0], fig, sizeof(*fig)) != (ssize_t)sizeof(*fig))
		die("a measuring process failed");
	close(p[0]);
	waitpid(pid, NULL, 0);
}

static void measure(const char *conf, int max_http, int max_dns, struct figures *fig)
{
	measure_cfg(NULL, conf, max_http, max_dns, fig);
}

static char *scenario_conf(const struct scenario *s, const struct testca *ca, const char *dir, int sts_port, int dns_port)
{
	return xasprintf("[mailcow]\nurl = https://127.0.0.1:%d\napi_key_file = %s/api.key\nca_file = %s\n"
			 "timeout_ms = 20000\ndir = %s/mailcow\n[docker]\nhost = unix://%s/docker.sock\n"
			 "[dns]\nservers = 127.0.0.1:%d\ntimeout_ms = 10000\n[mta_sts]\nport = %d\nca_file = %s\n"
			 "[dkim]\nselectors = mailcow, mxroute\n",
			 s->mc_port, dir, ca->ca_file, dir, dir, dns_port, sts_port, ca->ca_file);
}

static void fmt_s(long long ms, char *out, size_t n)
{
	if (ms >= 10000)
		snprintf(out, n, "%.0f s", (double)ms / 1000);
	else
		snprintf(out, n, "%.2f s", (double)ms / 1000);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	dkim_key = file_read("tests/data/dkim/rsa2048.b64", 0, NULL);
	if (!dkim_key)
		die("run from the repository root (tests/data/dkim/rsa2048.b64)");
	str_trim(dkim_key);
	char *dir = test_tmpdir("bench");
	char *zones = xasprintf("%s/zones", dir), *nsd_dir = xasprintf("%s/nsd", dir);
	mkdir_p(zones, 0755);
	write_zones(zones);
	char *key = xasprintf("%s/api.key", dir);
	file_write_atomic(key, FAKEMC_RW_KEY "\n", strlen(FAKEMC_RW_KEY) + 1, 0600);

	struct buf sans = {0};
	buf_puts(&sans, "DNS:localhost,IP:127.0.0.1");
	for (size_t i = 0; i < ARRAY_SIZE(demo_domains); i++)
		buf_printf(&sans, ",DNS:mta-sts.%s", demo_domains[i]);
	for (int i = 1; i <= SYNTH_MAX; i++)
		buf_printf(&sans, ",DNS:mta-sts.d%04d.bench.test", i);
	struct testca ca;
	if (testca_make(&ca, sans.data) < 0)
		die("cannot make the test certificates");
	buf_free(&sans);

	char *cmd = xasprintf("NSD_ZONES='%s' bash tests/fixtures/nsd.sh up '%s'", zones, nsd_dir);
	FILE *up = popen(cmd, "r");
	char nsd_addr[64] = "";
	char line[256];
	while (up && fgets(line, sizeof(line), up))
		if (str_starts_with(line, "MCON_TEST_DNS="))
			sscanf(line + 14, "%63s", nsd_addr);
	if (!up || pclose(up) != 0 || !*nsd_addr)
		die("NSD did not start (tests/fixtures/nsd.sh)");
	free(cmd);

	int to_parent[2], to_servers[2];
	if (pipe(to_parent) < 0 || pipe(to_servers) < 0)
		die("pipe");
	pid_t srv = fork();
	if (srv == 0) {
		close(to_parent[0]);
		close(to_servers[1]);
		servers_main(&ca, nsd_addr, to_parent[1], to_servers[0]);
	}
	close(to_parent[1]);
	close(to_servers[0]);
	FILE *ports = fdopen(to_parent[0], "r");
	int sts_port = 0, dns_port = 0;
	if (!ports || fscanf(ports, "%d %d %d %d %d", &sts_port, &dns_port, &scenarios[0].mc_port,
			     &scenarios[1].mc_port, &scenarios[2].mc_port) != 5)
		die("the servers did not start");

	char a[32], b[32], c[32];
	int rc = 0;
	printf("mcon bench: one refresh with %d ms added to every request and DNS answer\n", LATENCY_MS);
	printf("(at most 16 HTTP requests and 64 DNS queries in flight; peak RSS of the collecting process)\n\n");

	/* The demo site on the simulator, Docker included. */
	const char *const sim_args[] = {"--latency-ms", "100", NULL};
	struct simproc *sp = simproc_start(NULL, sim_args);
	if (!sp)
		die("mcon-sim did not start (MCON_SIM_BIN=%s)", simproc_bin());
	struct config scfg;
	char *err = NULL;
	if (config_load(&scfg, sp->conf, &err) < 0)
		die("%s", err);
	struct figures full, one, serial;
	measure_cfg(&scfg, NULL, 0, 0, &full);
	measure_cfg(&scfg, NULL, 1, 1, &serial);
	/* The slowest chain: the same site watching one domain (Docker's chain, the domain
	 * list then DNS, SPF includes and the MTA-STS fetch all still run). */
	strv_push(&scfg.domains_include, "netgrimoire.com");
	measure_cfg(&scfg, NULL, 0, 0, &one);
	config_free(&scfg);
	simproc_stop(sp);
	double ratio = (double)full.ms / (double)one.ms;
	long long seq = serial.st.http_ms + serial.st.dns_ms;
	double http_mean = serial.st.http_requests ? (double)serial.st.http_ms / serial.st.http_requests : 0;
	double dns_mean = serial.st.dns_queries ? (double)serial.st.dns_ms / serial.st.dns_queries : 0;
	fmt_s(full.ms, a, sizeof(a));
	fmt_s(one.ms, b, sizeof(b));
	printf("demo site of the runbook on mcon-sim --latency-ms %d (Docker, MailCow, DNS, MTA-STS):\n", LATENCY_MS);
	printf("  refresh of the 8 domains          %s (%d HTTP requests, %d DNS queries)\n", a, full.st.http_requests,
	       full.st.dns_queries);
	printf("  slowest request path              %s (the same site watching one domain)\n", b);
	printf("  refresh / slowest path            %.2fx (at most 2x)\n", ratio);
	fmt_s(seq, c, sizeof(c));
	printf("  one after another                 %s (the requests' own times, one HTTP request and one DNS\n"
	       "                                    query in flight at a time): %.0fx the refresh\n",
	       c, (double)seq / (double)full.ms);
	printf("  peak RSS                          %.1f MiB\n\n", (double)full.maxrss_kib / 1024.0);
	if (full.errors || full.domains_ok != full.domains || full.domains != 8) {
		printf("  ! %d of %d domains complete, %d source errors: the figures are not valid\n", full.domains_ok,
		       full.domains, full.errors);
		rc = 1;
	}
	if (ratio > 2.0) {
		printf("  ! the demo refresh took more than twice its slowest request path\n");
		rc = 1;
	}

	/* Synthetic sites on the in-process servers (no Docker). */
	char *conf = scenario_conf(&scenarios[2], &ca, dir, sts_port, dns_port);
	struct figures path;
	measure(conf, 0, 0, &path);
	free(conf);
	fmt_s(path.ms, a, sizeof(a));
	printf("synthetic sites on in-process MailCow and MTA-STS servers and NSD behind a %d ms proxy (no Docker);\n"
	       "slowest request path (one domain): %s\n", LATENCY_MS, a);
	printf("%-9s %17s %9s %11s %14s %9s %10s\n", "domains", "requests", "refresh", "vs slowest", "one by one",
	       "speedup", "peak RSS");
	for (size_t i = 0; i < 2; i++) {
		const struct scenario *sc = &scenarios[i];
		conf = scenario_conf(sc, &ca, dir, sts_port, dns_port);
		struct figures f;
		measure(conf, 0, 0, &f);
		free(conf);
		/* Serially these would take minutes to an hour: priced with the demo's
		 * uncontended mean request times instead. */
		long long est = (long long)(f.st.http_requests * http_mean + f.st.dns_queries * dns_mean);
		char reqs[40], ests[48];
		snprintf(reqs, sizeof(reqs), "%d + %d DNS", f.st.http_requests, f.st.dns_queries);
		fmt_s(f.ms, a, sizeof(a));
		fmt_s(est, b, sizeof(b));
		snprintf(ests, sizeof(ests), "%s (est.)", b);
		snprintf(c, sizeof(c), "%.1fx", (double)f.ms / (double)path.ms);
		printf("%-9d %17s %9s %11s %14s %8.0fx %6.1f MiB\n", sc->n, reqs, a, c, ests, (double)est / (double)f.ms,
		       (double)f.maxrss_kib / 1024.0);
		if (f.domains_ok != f.domains || f.errors) {
			printf("  ! %d of %d domains complete, %d source errors: the figures are not valid\n", f.domains_ok,
			       f.domains, f.errors);
			rc = 1;
		}
	}
	printf("\n'one by one' for the synthetic sites: their requests priced at the demo's uncontended mean\n"
	       "times (%.0f ms HTTP, %.0f ms DNS). With many domains the refresh is bound by the 16/64 requests\n"
	       "in flight, so it grows with the number of requests rather than with the chain.\n", http_mean, dns_mean);

	close(to_servers[1]);
	waitpid(srv, NULL, 0);
	fclose(ports);
	cmd = xasprintf("bash tests/fixtures/nsd.sh down '%s'", nsd_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: nsd did not stop\n");
	free(cmd);
	testca_free(&ca);
	test_rmdir(dir);
	free(dir);
	free(zones);
	free(nsd_dir);
	free(key);
	free(dkim_key);
	return rc;
}
