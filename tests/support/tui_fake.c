/* tui_fake: the runbook's site as data for the console's screen tests (see tui_fake.h). */
#include "tests/support/tui_fake.h"

#include "core/checks.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char tui_fake_key2048[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvZa3rApMRHGwr9I0jFz1QPUaKM6wGzzyg3wRFnF7KBU1YgSArEmnWbdnP/i7VhUr41UN3ioPsNNLMhG2UzhpprqSOG/DfAbi+fbaBpmMxi+GNFQBzvilpcvdHl4hD/1skzTGCgu69FcKoAbtEOSrJgUzop4Kk1G8JeAnD/B8qIc+9bMKUFt30VayzeW6vxrTSRWhLa3U+Z+RdluldBAfgVRWSfrvXM4oLprzBrM8BZ0szheDi5BCB4XMyiPtdApAMG7bnbnMCY/Kfpfy5aJc6CnMVdOpB7564jRfu9vHgPE/cOVAIDWM7cz8+7uS55OwomhV9AO4kr73e1Dce+7XawIDAQAB";
const char tui_fake_key1024[] = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDBOb6JRC7nSziZflUxXolvrY7ckXTUtwaU/KQGNCaosu0/6rAE7tdAL63o7cJfE4pwWvOBYlKN6QgDCu3M8nCt/7orY4paE8vn03K/qxYHQN0X5CNqOn7pcPRt8EPvxfdmQzpI5Pl1h53NBhsTzGuf79SYg28fYoD8X4diI0Yi/wIDAQAB";

static const char *site_domains[] = {
	"netgrimoire.com", "pncharris.com", "wasted-bandwidth.net", "nucking-futz.com",
	"florosafd.org", "gnarlypandaproductions.com", "pncfishandmore.com", "pncharrisenterprises.com",
};

static const char *services[] = {
	"acme-mailcow", "clamd-mailcow", "dovecot-mailcow", "mysql-mailcow", "nginx-mailcow",
	"php-fpm-mailcow", "postfix-mailcow", "redis-mailcow", "rspamd-mailcow", "sogo-mailcow",
	"unbound-mailcow", "watchdog-mailcow",
};

static const char fake_conf[] =
	"[site]\nname = hermes\n"
	"[mailcow]\nurl = https://mail.netgrimoire.com\ntls_verify = %s\ndir = /opt/mailcow-dockerized\n"
	"[docker]\nproject = mailcowdockerized\n"
	"expected = postfix-mailcow, dovecot-mailcow, rspamd-mailcow, clamd-mailcow, nginx-mailcow, "
	"sogo-mailcow, mysql-mailcow, redis-mailcow, php-fpm-mailcow, unbound-mailcow, olefy-mailcow\n"
	"[overlay]\nnetwork = netgrimoire\nallowed = nginx-mailcow\n"
	"[relay]\nname = MXRoute\nmx = *.mxrouting.net\nspf_include = mxroute.com\n"
	"[dkim]\nselectors = mailcow, mxroute\nmailcow_selector = mailcow\nmin_bits = 2048\n"
	"[ui]\nrefresh_s = 30\n";

static char *fs(const char *s)
{
	return xstrdup(s);
}

static void answer_txt(struct dns_answer *a, const char *name, int type, const char *value, int pref)
{
	a->name = fs(name);
	a->type = type;
	a->server = fs("127.0.0.1:5353");
	if (!value) {
		a->status = DNS_NXDOMAIN;
		return;
	}
	a->status = DNS_OK;
	a->rrs = xcalloc(1, sizeof(*a->rrs));
	a->rrs[0].value = fs(value);
	a->rrs[0].pref = pref;
	a->rrs[0].ttl = 3600;
	a->n = 1;
}

static void answer_add(struct dns_answer *a, const char *value, int pref)
{
	a->rrs = xrealloc(a->rrs, (a->n + 1) * sizeof(*a->rrs));
	a->rrs[a->n] = (struct dns_rr){fs(value), pref, 3600};
	a->n++;
}

static void fill_domain(struct snapshot *s, struct snap_domain *d, struct mc_domain *mc, const char *name,
			unsigned flags)
{
	char buf[512];
	d->name = fs(name);
	mc->name = fs(name);
	mc->active = true;
	mc->relayhost_id = fs("1");
	mc->mailboxes = 3 + (long)(strlen(name) % 5);
	mc->aliases = 4 + (long)(strlen(name) % 3);
	if (strcmp(name, "netgrimoire.com") == 0)
		mc->description = fs((flags & FAKE_EVIL) ? "Shop \x1b]2;HACKED\x07\x1b[31mRED\x1b[0m \xff end"
							 : "Main site");
	d->mc = mc;
	bool bad_key = strcmp(name, "pncharrisenterprises.com") == 0;
	d->dkim.domain = fs(name);
	d->dkim.present = true;
	d->dkim.selector = fs("mailcow");
	d->dkim.pubkey = fs(tui_fake_key2048);
	d->dkim.bits = 2048;
	snprintf(buf, sizeof(buf), "v=DKIM1;k=rsa;t=s;s=email;p=%s", tui_fake_key2048);
	d->dkim.txt = fs(buf);

	answer_txt(&d->dns.mx, name, 15, "heracles.mxrouting.net", 10);
	answer_add(&d->dns.mx, "heracles-relay.mxrouting.net", 20);
	bool spf_heavy = strcmp(name, "gnarlypandaproductions.com") == 0;
	answer_txt(&d->dns.apex_txt, name, 16,
		   spf_heavy ? "v=spf1 include:mxroute.com include:_spf.google.com include:spf.protection.outlook.com "
			       "include:sendgrid.net include:mailgun.org a mx ~all"
			     : "v=spf1 include:mxroute.com -all", 0);
	answer_add(&d->dns.apex_txt, "google-site-verification=abc123", 0);
	d->dns.spf.records = 1;
	d->dns.spf.record = fs(d->dns.apex_txt.rrs[0].value);
	d->dns.spf.lookups = spf_heavy ? 12 : 3;
	strv_push(&d->dns.spf.includes, "mxroute.com");
	snprintf(buf, sizeof(buf), "_dmarc.%s", name);
	bool dmarc_none = strcmp(name, "pncfishandmore.com") == 0;
	char val[256];
	snprintf(val, sizeof(val), "v=DMARC1; p=%s; rua=mailto:dmarc@%s", dmarc_none ? "none" : "quarantine", name);
	answer_txt(&d->dns.dmarc, buf, 16, val, 0);
	d->dns.dkim = xcalloc(2, sizeof(*d->dns.dkim));
	d->dns.n_dkim = 2;
	snprintf(buf, sizeof(buf), "mailcow._domainkey.%s", name);
	char key[700];
	snprintf(key, sizeof(key), "v=DKIM1; k=rsa; p=%s", bad_key ? tui_fake_key1024 : tui_fake_key2048);
	answer_txt(&d->dns.dkim[0], buf, 16, key, 0);
	snprintf(buf, sizeof(buf), "mxroute._domainkey.%s", name);
	snprintf(key, sizeof(key), "v=DKIM1; k=rsa; p=%s", tui_fake_key2048);
	answer_txt(&d->dns.dkim[1], buf, 16, strcmp(name, "nucking-futz.com") == 0 ? NULL : key, 0);
	snprintf(buf, sizeof(buf), "_mta-sts.%s", name);
	answer_txt(&d->dns.mta_sts_txt, buf, 16, "v=STSv1; id=20250901T000000", 0);
	snprintf(buf, sizeof(buf), "mta-sts.%s", name);
	answer_txt(&d->dns.mta_sts_host, buf, 1, "192.0.2.16", 0);
	snprintf(buf, sizeof(buf), "_smtp._tls.%s", name);
	bool wasted = strcmp(name, "wasted-bandwidth.net") == 0;
	snprintf(val, sizeof(val), "v=TLSRPTv1; rua=mailto:tlsrpt@%s", name);
	answer_txt(&d->dns.tls_rpt, buf, 16, wasted ? NULL : val, 0);
	d->policy.fetched = true;
	d->policy.http_status = 200;
	d->policy.version = fs("STSv1");
	d->policy.mode = fs(wasted ? "testing" : "enforce");
	strv_push(&d->policy.mx, "*.mxrouting.net");
	d->policy.max_age = 604800;
	d->policy.raw = xasprintf("version: STSv1\nmode: %s\nmx: *.mxrouting.net\nmax_age: 604800\n", d->policy.mode);
	(void)s;
}

static void net(struct container *c, const char *name, const char *ip, const char *driver)
{
	c->nets = xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
	struct net_attach *n = &c->nets[c->n_nets++];
	memset(n, 0, sizeof(*n));
	n->network = fs(name);
	n->network_id = fs("0123456789ab");
	n->ip = fs(ip);
	n->driver = fs(driver);
	n->scope = fs(strcmp(driver, "overlay") == 0 ? "swarm" : "local");
	strv_push(&n->aliases, c->service);
}

struct snapshot *tui_fake_snapshot(const struct config *cfg, unsigned flags)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	time_t now = mcon_now();
	s->started_at = now;
	s->finished_at = now;
	s->duration_ms = 180;
	s->site = fs(cfg->site_name ? cfg->site_name : "hermes");
	s->resolver = fs("127.0.0.1:5353");
	s->docker.endpoint = fs("unix:///var/run/docker.sock");
	s->docker.api_version = fs("1.47");
	s->docker.server_version = fs("28.2.2");
	s->docker.postfix_size_live = -1;
	size_t n_svc = ARRAY_SIZE(services) + ((flags & FAKE_LONG) ? 1 : 0);
	s->docker.n_containers = n_svc;
	s->docker.containers = xcalloc(n_svc, sizeof(struct container));
	for (size_t i = 0; i < n_svc; i++) {
		struct container *c = &s->docker.containers[i];
		const char *svc = i < ARRAY_SIZE(services) ? services[i] : "postfix-tlspol-mailcow";
		char buf[128];
		snprintf(buf, sizeof(buf), "%064zx", i + 0xabc);
		c->id = fs(buf);
		snprintf(buf, sizeof(buf), "mailcowdockerized-%.*s-1", (int)(strlen(svc) - 8), svc);
		c->name = fs(buf);
		c->service = fs(svc);
		snprintf(buf, sizeof(buf), "ghcr.io/mailcow/%.*s:1.%zu", (int)(strlen(svc) - 8), svc, 90 + i);
		c->image = fs(buf);
		c->state = fs("running");
		c->started_at = now - 86400 * 3 - 3600 * (long)i;
		c->inspected = true;
		bool hc = strcmp(svc, "clamd-mailcow") == 0 || strcmp(svc, "dovecot-mailcow") == 0 ||
			  strcmp(svc, "postfix-mailcow") == 0 || strcmp(svc, "mysql-mailcow") == 0;
		c->health = hc ? HEALTH_HEALTHY : HEALTH_NONE;
		if (strcmp(svc, "watchdog-mailcow") == 0)
			c->restart_count = 3;
		c->status_text = fs(hc ? "Up 3 days (healthy)" : "Up 3 days");
		if (hc)
			c->health_output = fs((flags & FAKE_EVIL) && strcmp(svc, "clamd-mailcow") == 0
						      ? "probe ok \x1b[2J\x1b]0;owned\x07 done"
						      : "OK");
		snprintf(buf, sizeof(buf), "172.22.1.%zu", 10 + i);
		net(c, "mailcowdockerized_mailcow-network", buf, "bridge");
		if (strcmp(svc, "nginx-mailcow") == 0 || strcmp(svc, "postfix-mailcow") == 0) {
			snprintf(buf, sizeof(buf), "10.0.9.%zu", 20 + i);
			net(c, "netgrimoire", buf, "overlay");
		}
	}
	s->mailcow.url = fs(cfg->mailcow_url ? cfg->mailcow_url : "https://mail.example");
	s->mailcow.version = fs("2025-09a");
	/* the mail queue of the real capture: two deferred (one a bounce), one held */
	static const struct {
		const char *queue, *id, *sender, *rcpt;
		long ago, size;
	} q[] = {
		{"deferred", "4cXy2k0LZ4z3wRg", "admin@netgrimoire.com",
		 "someone@example.net (connect to mx.example.net[203.0.113.5]:25: Connection timed out)", 10800, 184233},
		{"deferred", "4cXy2k0LZ4z3wRh", "", "bounce@example.org (host mx.example.org[198.51.100.9] said: 451 4.7.1 try later)",
		 7200, 2048},
		{"hold", "4cXy2k0LZ4z3wRj", "a@pncharris.com", "c@example.com", 3600, 1000},
	};
	s->mailcow.n_queue = ARRAY_SIZE(q);
	s->mailcow.queue = xcalloc(ARRAY_SIZE(q), sizeof(*s->mailcow.queue));
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		struct mc_qitem *it = &s->mailcow.queue[i];
		it->queue = fs(q[i].queue);
		it->id = fs(q[i].id);
		it->sender = fs(q[i].sender);
		it->arrival = now - q[i].ago;
		it->size = q[i].size;
		strv_push(&it->recipients, q[i].rcpt);
	}
	s->mailcow.queue_total = 3;
	s->mailcow.queue_deferred = 2;
	s->mailcow.queue_active = 0;
	s->mailcow.queue_hold = 1;
	size_t nd = (flags & FAKE_MANY) ? 1000 : ARRAY_SIZE(site_domains);
	s->mailcow.n_domains = nd;
	s->mailcow.domains = xcalloc(nd, sizeof(struct mc_domain));
	s->n_domains = nd;
	s->domains = xcalloc(nd, sizeof(struct snap_domain));
	/* sorted by name, as the collector delivers them */
	const char *sorted[ARRAY_SIZE(site_domains)];
	memcpy(sorted, site_domains, sizeof(sorted));
	for (size_t i = 0; i < ARRAY_SIZE(sorted); i++)
		for (size_t k = i + 1; k < ARRAY_SIZE(sorted); k++)
			if (strcmp(sorted[k], sorted[i]) < 0) {
				const char *t = sorted[i];
				sorted[i] = sorted[k];
				sorted[k] = t;
			}
	for (size_t i = 0; i < nd; i++) {
		char name[64];
		if (flags & FAKE_MANY)
			snprintf(name, sizeof(name), "domain%04zu.example", i);
		else
			snprintf(name, sizeof(name), "%s", sorted[i]);
		fill_domain(s, &s->domains[i], &s->mailcow.domains[i], name, flags);
	}
	/* MXRoute as relayhost 1 of every domain, and a catch-all for each but florosafd.org */
	s->mailcow.relayhosts = xcalloc(1, sizeof(*s->mailcow.relayhosts));
	s->mailcow.relayhosts[0] = (struct mc_relayhost){1, fs("[arrow-relay.mxrouting.net]:587"), fs("relay@netgrimoire.com"), true};
	s->mailcow.n_relayhosts = 1;
	s->mailcow.aliases = xcalloc(nd, sizeof(*s->mailcow.aliases));
	for (size_t i = 0; i < nd; i++) {
		const char *d = s->domains[i].name;
		if (strcmp(d, "florosafd.org") == 0)
			continue;
		struct mc_alias *a = &s->mailcow.aliases[s->mailcow.n_aliases++];
		*a = (struct mc_alias){(long)i + 1, xasprintf("@%s", d), fs("postmaster@netgrimoire.com"), fs(d), true, true};
	}
	s->limits.postfix = 104857600;
	s->limits.postfix_main = 104857600;
	s->limits.postfix_extra = -1;
	s->limits.rspamd_max_message = 52428800;
	s->limits.av_max_size = -1;
	s->limits.clamav_stream_max = 104857600;
	s->limits.clamav_max_file = 104857600;
	s->limits.clamav_max_scan = 104857600;
	return s;
}

void tui_fake_snapshot_free(struct snapshot *s)
{
	snapshot_free(s);
}

/* ---- Results ---- */

/* The state of the last `mcon record` the checks compare with: every service at its restart
 * count of now, except watchdog-mailcow, which restarted 3 times since. */
static void fake_prev(const struct config *cfg, const struct snapshot *s, struct check_prev *prev)
{
	memset(prev, 0, sizeof(*prev));
	struct strv svcs = {0};
	check_services(s, cfg, &svcs);
	for (size_t i = 0; i < svcs.n; i++) {
		const struct container *c = snapshot_container(s, svcs.v[i]);
		long count = strcmp(svcs.v[i], "watchdog-mailcow") == 0 ? 0 : c ? c->restart_count : 0;
		check_prev_add_restarts(prev, svcs.v[i], count);
	}
	strv_free(&svcs);
}

/* The product's checks over the snapshot: what the console shows is what they really say. */
void tui_fake_results(const struct config *cfg, const struct snapshot *s, struct check_result **out, size_t *n)
{
	struct check_prev prev;
	fake_prev(cfg, s, &prev);
	struct check_run run;
	checks_run(s, cfg, &prev, &run);
	check_prev_free(&prev);
	*out = run.results;
	*n = run.n;
}

/* ---- The backend ---- */

struct tui_fake {
	struct tui_backend be;
	struct config cfg;
	unsigned flags;
	int ctl_fd;
	pthread_mutex_t lock;
	long delay_ms;
	char *die_msg;          /* the next collect dies with it (on the collect worker) */
	char *fail_src, *fail_why;
	struct tui_task *tasks;
	size_t n_tasks;
	long next_id;
	struct strv pending_tasks;  /* "task" commands seen by the events thread */
};

static void fake_collect(struct tui_backend *be, const struct snapshot *prev, int cancel_fd, struct tui_collect *out)
{
	struct tui_fake *f = be->ud;
	(void)prev;
	pthread_mutex_lock(&f->lock);
	long delay = f->delay_ms;
	char *src = xstrdup(f->fail_src), *why = xstrdup(f->fail_why);
	if (f->die_msg) {
		char *m = f->die_msg;
		f->die_msg = NULL;
		pthread_mutex_unlock(&f->lock);
		die("%s", m);
	}
	pthread_mutex_unlock(&f->lock);
	if (delay > 0) {
		struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
		if (poll(&p, 1, (int)delay) > 0) {
			out->error = xstrdup("cancelled");
			free(src);
			free(why);
			return;
		}
	}
	struct snapshot *s = tui_fake_snapshot(&f->cfg, f->flags);
	if (src) {
		struct part_error *e = strcmp(src, "docker") == 0 ? &s->docker.err
				     : strcmp(src, "mailcow") == 0 ? &s->mailcow.err
				     : strcmp(src, "dns") == 0 ? &s->dns_err : &s->limits.err;
		e->failed = true;
		e->what = xstrdup(src);
		e->why = xstrdup(why ? why : "failed");
		e->since = mcon_now();
		if (e == &s->docker.err) {
			for (size_t i = 0; i < s->docker.n_containers; i++) {
				struct container *c = &s->docker.containers[i];
				free(c->id); free(c->name); free(c->service); free(c->image); free(c->state);
				free(c->status_text); free(c->health_output);
				for (size_t k = 0; k < c->n_nets; k++) {
					free(c->nets[k].network); free(c->nets[k].network_id); free(c->nets[k].ip);
					free(c->nets[k].driver); free(c->nets[k].scope); strv_free(&c->nets[k].aliases);
				}
				free(c->nets);
			}
			free(s->docker.containers);
			s->docker.containers = NULL;
			s->docker.n_containers = 0;
		}
	}
	free(src);
	free(why);
	out->snap = s;
	tui_fake_results(&f->cfg, s, &out->results, &out->n_results);
}

static void fake_snapshot_free(struct tui_backend *be, struct snapshot *s)
{
	(void)be;
	tui_fake_snapshot_free(s);
}

static void task_copy(struct tui_task *dst, const struct tui_task *src)
{
	*dst = *src;
	dst->title = xstrdup(src->title);
	dst->done_by = xstrdup(src->done_by);
	memset(&dst->notes, 0, sizeof(dst->notes));
	memset(&dst->links, 0, sizeof(dst->links));
	for (size_t i = 0; i < src->notes.n; i++)
		strv_push(&dst->notes, src->notes.v[i]);
	for (size_t i = 0; i < src->links.n; i++)
		strv_push(&dst->links, src->links.v[i]);
}

static long add_task_locked(struct tui_fake *f, const char *title, const char *link1, const char *link2)
{
	f->tasks = xrealloc(f->tasks, (f->n_tasks + 1) * sizeof(*f->tasks));
	struct tui_task *t = &f->tasks[f->n_tasks++];
	memset(t, 0, sizeof(*t));
	t->id = f->next_id++;
	t->title = xstrdup(title);
	t->created_at = mcon_now() - 86400 * 30;
	if (link1)
		strv_push(&t->links, link1);
	if (link2)
		strv_push(&t->links, link2);
	return t->id;
}

static int fake_tasks_list(struct tui_backend *be, struct tui_task **out, size_t *n, char **err)
{
	struct tui_fake *f = be->ud;
	(void)err;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->pending_tasks.n; i++)
		add_task_locked(f, f->pending_tasks.v[i], NULL, NULL);
	strv_free(&f->pending_tasks);
	*out = f->n_tasks ? xcalloc(f->n_tasks, sizeof(**out)) : NULL;
	for (size_t i = 0; i < f->n_tasks; i++)
		task_copy(&(*out)[i], &f->tasks[i]);
	*n = f->n_tasks;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static struct tui_task *find_task(struct tui_fake *f, long id)
{
	for (size_t i = 0; i < f->n_tasks; i++)
		if (f->tasks[i].id == id)
			return &f->tasks[i];
	return NULL;
}

static int fake_task_set_done(struct tui_backend *be, long id, bool done, const char *note, char **err)
{
	struct tui_fake *f = be->ud;
	pthread_mutex_lock(&f->lock);
	struct tui_task *t = find_task(f, id);
	if (!t) {
		pthread_mutex_unlock(&f->lock);
		*err = xasprintf("no item #%ld", id);
		return -1;
	}
	t->done = done;
	t->done_at = done ? mcon_now() : 0;
	free(t->done_by);
	t->done_by = xstrdup("alice");
	if (note && *note) {
		char ts[32];
		time_rfc3339(mcon_now(), ts);
		strv_push_owned(&t->notes, xasprintf("%s alice: %s", ts, note));
	}
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int fake_task_add(struct tui_backend *be, const char *title, long *id, char **err)
{
	struct tui_fake *f = be->ud;
	(void)err;
	pthread_mutex_lock(&f->lock);
	*id = add_task_locked(f, title, NULL, NULL);
	f->tasks[f->n_tasks - 1].created_at = mcon_now();
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int fake_task_note(struct tui_backend *be, long id, const char *text, char **err)
{
	struct tui_fake *f = be->ud;
	pthread_mutex_lock(&f->lock);
	struct tui_task *t = find_task(f, id);
	if (t) {
		char ts[32];
		time_rfc3339(mcon_now(), ts);
		strv_push_owned(&t->notes, xasprintf("%s alice: %s", ts, text));
	}
	pthread_mutex_unlock(&f->lock);
	if (!t)
		*err = xasprintf("no item #%ld", id);
	return t ? 0 : -1;
}

static int fake_history(struct tui_backend *be, time_t since, struct tui_change **out, size_t *n, char **err)
{
	(void)be;
	(void)since;
	(void)err;
	static const struct {
		long ago;
		const char *kind, *target, *from, *to, *detail;
	} rows[] = {
		{600, "check", "overlay.attachment postfix-mailcow", "ok", "critical", "postfix-mailcow joined netgrimoire"},
		{3600, "container.restarts", "watchdog-mailcow", "0", "3", "restart count grew"},
		{7200, "check", "dkim.selector nucking-futz.com/mxroute", "ok", "critical", "mxroute._domainkey answer went NXDOMAIN"},
		{86400, "dns", "_mta-sts.wasted-bandwidth.net", "v=STSv1; id=20250801", "v=STSv1; id=20250901T000000", "MTA-STS id changed"},
		{172800, "check", "spf.record gnarlypandaproductions.com", "warning", "critical", "SPF lookups 9 -> 12"},
	};
	time_t now = mcon_now();
	*n = ARRAY_SIZE(rows);
	*out = xcalloc(*n, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		(*out)[i] = (struct tui_change){now - rows[i].ago, fs(rows[i].kind), fs(rows[i].target), fs(rows[i].from),
						fs(rows[i].to), fs(rows[i].detail)};
	return 0;
}

static int fake_logs(struct tui_backend *be, const char *id, bool tty, int lines, char **text, char **err)
{
	struct tui_fake *f = be->ud;
	(void)err;
	(void)tty;
	struct buf b = {0};
	for (int i = 0; i < lines; i++)
		buf_printf(&b, "2026-11-29T11:%02d:%02dZ log line %d of %.12s\n", i / 60 % 60, i % 60, i + 1, id);
	if (f->flags & FAKE_EVIL)
		buf_puts(&b, "evil \x1b]2;LOGTITLE\x07\x1b[41mline\n");
	*text = buf_steal(&b);
	return 0;
}

static char *read_line(int fd, struct buf *acc, int cancel_fd, bool *cancelled)
{
	for (;;) {
		char *nl = acc->data ? memchr(acc->data, '\n', acc->len) : NULL;
		if (nl) {
			char *line = xstrndup(acc->data, (size_t)(nl - acc->data));
			size_t rest = acc->len - (size_t)(nl - acc->data) - 1;
			memmove(acc->data, nl + 1, rest);
			acc->len = rest;
			acc->data[rest] = '\0';
			return line;
		}
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = cancel_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[1].revents) {
			*cancelled = true;
			return NULL;
		}
		if (p[0].revents) {
			char tmp[512];
			ssize_t r = read(fd, tmp, sizeof(tmp));
			if (r <= 0)
				return NULL;
			buf_append(acc, tmp, (size_t)r);
		}
	}
}

static int fake_events(struct tui_backend *be, int cancel_fd, void (*on_event)(const struct tui_event *, void *),
		       void *ud, char **err)
{
	struct tui_fake *f = be->ud;
	if (f->ctl_fd < 0) {
		struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
		poll(&p, 1, -1);
		return 0;
	}
	struct buf acc = {0};
	bool cancelled = false;
	char *line;
	while ((line = read_line(f->ctl_fd, &acc, cancel_fd, &cancelled))) {
		char *sp = strchr(line, ' ');
		char *arg = sp ? sp + 1 : (char *)"";
		if (sp)
			*sp = '\0';
		pthread_mutex_lock(&f->lock);
		if (strcmp(line, "delay") == 0) {
			f->delay_ms = atol(arg);
		} else if (strcmp(line, "fail") == 0) {
			char *why = strchr(arg, ' ');
			if (why)
				*why++ = '\0';
			free(f->fail_src);
			free(f->fail_why);
			f->fail_src = xstrdup(arg);
			f->fail_why = xstrdup(why ? why : "failed");
		} else if (strcmp(line, "die") == 0) {
			free(f->die_msg);
			f->die_msg = xstrdup(arg);
		} else if (strcmp(line, "heal") == 0) {
			free(f->fail_src);
			free(f->fail_why);
			f->fail_src = f->fail_why = NULL;
		} else if (strcmp(line, "task") == 0) {
			strv_push(&f->pending_tasks, arg);
		}
		pthread_mutex_unlock(&f->lock);
		if (strcmp(line, "event") == 0) {
			char *action = strchr(arg, ' ');
			if (action)
				*action++ = '\0';
			struct tui_event ev = {.type = (char *)"container", .action = action ? action : (char *)"",
					       .service = arg, .time = mcon_now()};
			if (action && (str_starts_with(action, "connect ") || str_starts_with(action, "disconnect "))) {
				char *netname = strchr(action, ' ');
				*netname++ = '\0';
				ev.type = (char *)"network";
				ev.network = netname;
			}
			on_event(&ev, ud);
		}
		free(line);
	}
	buf_free(&acc);
	if (cancelled)
		return 0;
	/* the control pipe closed: behave like a quiet stream until the console quits */
	struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
	poll(&p, 1, -1);
	(void)err;
	return 0;
}

/* The console's actions: the key may write, MailCow and Docker answer at once, and a
 * followed log writes one line, then waits for the console to stop it. */
static int fake_can_write(struct tui_backend *be, char **text)
{
	(void)be;
	(void)text;
	return 0;
}

static int fake_queue_act(struct tui_backend *be, const char *action, const struct strv *ids, char **text)
{
	(void)be;
	char *list = ids && ids->n ? strv_join(ids, " ") : xstrdup("the whole queue");
	*text = xasprintf("%s: %s (MailCow: queue_command_success)", action, list);
	free(list);
	return 0;
}

static int fake_restart(struct tui_backend *be, const char *id, const char *service, char **text)
{
	(void)be;
	(void)id;
	*text = xasprintf("restarted %s", service);
	return 0;
}

static int fake_follow(struct tui_backend *be, const char *id, bool tty, int cancel_fd,
		       void (*on_line)(const char *line, void *ud), void *ud, char **err)
{
	(void)be;
	(void)tty;
	(void)err;
	char *line = xasprintf("2026-11-29T12:00:01Z followed line of %.12s", id);
	on_line(line, ud);
	free(line);
	struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
	poll(&p, 1, -1);
	return 0;
}

static const struct tui_backend_ops fake_ops = {
	.collect = fake_collect,
	.snapshot_free = fake_snapshot_free,
	.tasks_list = fake_tasks_list,
	.task_set_done = fake_task_set_done,
	.task_add = fake_task_add,
	.task_note = fake_task_note,
	.history_list = fake_history,
	.container_logs = fake_logs,
	.events_run = fake_events,
	.can_write = fake_can_write,
	.queue_act = fake_queue_act,
	.container_restart = fake_restart,
	.logs_follow = fake_follow,
};

struct tui_fake *tui_fake_new(unsigned flags, int ctl_fd)
{
	struct tui_fake *f = xcalloc(1, sizeof(*f));
	f->flags = flags;
	f->ctl_fd = ctl_fd;
	pthread_mutex_init(&f->lock, NULL);
	char *text = xasprintf(fake_conf, (flags & FAKE_TLS_OFF) ? "false" : "true");
	char *err = NULL;
	if (config_load_string(&f->cfg, text, "fake.conf", &err) < 0)
		die("fake config: %s", err);
	free(text);
	f->next_id = 1;
	add_task_locked(f, "Dedicated ATT_Mail static IP for outbound mail (OPNsense outbound NAT rule)", NULL, NULL);
	add_task_locked(f, "Second DKIM selector (`mxroute`) validation", "dkim.selector", NULL);
	add_task_locked(f, "MTA-STS validation (supported since Sep 2025 update)", "mta_sts.record", "mta_sts.policy");
	f->be.ops = &fake_ops;
	f->be.ud = f;
	f->be.cfg = &f->cfg;
	return f;
}

struct tui_backend *tui_fake_backend(struct tui_fake *f)
{
	return &f->be;
}

const struct config *tui_fake_config(struct tui_fake *f)
{
	return &f->cfg;
}

void tui_fake_free(struct tui_fake *f)
{
	if (!f)
		return;
	config_free(&f->cfg);
	tui_tasks_free(f->tasks, f->n_tasks);
	strv_free(&f->pending_tasks);
	free(f->fail_src);
	free(f->fail_why);
	free(f->die_msg);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
