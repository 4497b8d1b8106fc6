/* record: the recorded state of a run and the diff between two states (see record.h). */
#include "core/record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a over kind, a separator and target. */
static size_t key_hash(const char *kind, const char *target)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = kind; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0x1f) * 1099511628211ULL;
	for (const char *p = target; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (size_t)h;
}

static void slot_insert(struct state_map *m, size_t i)
{
	size_t s = key_hash(m->v[i].kind, m->v[i].target) & (m->nslots - 1);
	while (m->slots[s])
		s = (s + 1) & (m->nslots - 1);
	m->slots[s] = i + 1;
}

void state_map_add(struct state_map *m, const char *kind, const char *target, const char *value, const char *detail)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	if ((m->n + 1) * 2 > m->nslots) {
		free(m->slots);
		m->nslots = m->nslots ? m->nslots * 2 : 128;
		m->slots = xcalloc(m->nslots, sizeof(*m->slots));
		for (size_t i = 0; i < m->n; i++)
			slot_insert(m, i);
	}
	m->v[m->n] = (struct state_item){xstrdup(kind), xstrdup(target), xstrdup(value), xstrdup(detail)};
	slot_insert(m, m->n++);
}

const struct state_item *state_map_get(const struct state_map *m, const char *kind, const char *target)
{
	if (!m->nslots)
		return NULL;
	/* the first match in insertion order, as a linear scan would find it */
	const struct state_item *best = NULL;
	for (size_t s = key_hash(kind, target) & (m->nslots - 1); m->slots[s]; s = (s + 1) & (m->nslots - 1)) {
		const struct state_item *it = &m->v[m->slots[s] - 1];
		if (strcmp(it->kind, kind) == 0 && strcmp(it->target, target) == 0 && (!best || it < best))
			best = it;
	}
	return best;
}

void state_map_free(struct state_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].kind);
		free(m->v[i].target);
		free(m->v[i].value);
		free(m->v[i].detail);
	}
	free(m->v);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

enum source record_kind_source(const char *kind)
{
	if (str_starts_with(kind, "container."))
		return SRC_DOCKER;
	if (strcmp(kind, "dkim.mailcow") == 0)
		return SRC_MAILCOW;
	if (strcmp(kind, "dns") == 0 || strcmp(kind, "dkim.key") == 0 || strcmp(kind, "mta_sts.id") == 0)
		return SRC_DNS;
	if (strcmp(kind, "mta_sts.policy") == 0)
		return SRC_MTA_STS;
	if (strcmp(kind, "limit") == 0)
		return SRC_FILES;
	return SRC__COUNT;
}

unsigned record_collected(const struct snapshot *s)
{
	unsigned m = 1u << SRC_MTA_STS;
	if (!s->docker.err.failed)
		m |= 1u << SRC_DOCKER;
	if (!s->mailcow.err.failed && (s->mailcow.key == KEY_OK || s->mailcow.key == KEY_READ_ONLY))
		m |= 1u << SRC_MAILCOW;
	if (!s->dns_err.failed)
		m |= 1u << SRC_DNS;
	if (!s->limits.err.failed)
		m |= 1u << SRC_FILES;
	return m;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *hash16(const char *s)
{
	char *h = sha256_hex(s, strlen(s));
	char *v = xasprintf("sha256:%.16s", h);
	free(h);
	return v;
}

static const char *type_name(int t)
{
	switch (t) {
	case 1: return "A";
	case 5: return "CNAME";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	default: return "?";
	}
}

static void add_dns(struct state_map *m, const struct dns_answer *a)
{
	if (!a->name || a->status == DNS_NOT_ASKED)
		return;
	char *target = xasprintf("%s %s", a->name, type_name(a->type));
	if (a->status != DNS_OK && a->status != DNS_NXDOMAIN && a->status != DNS_NODATA) {
		state_map_add(m, "dns", target, NULL, NULL);
	} else if (a->status != DNS_OK || a->n == 0) {
		state_map_add(m, "dns", target, a->status == DNS_NXDOMAIN ? "NXDOMAIN" : "NODATA", NULL);
	} else {
		struct strv vals = {0};
		for (size_t i = 0; i < a->n; i++)
			strv_push_owned(&vals,
					a->type == 15 ? xasprintf("%d %s", a->rrs[i].pref,
								  a->rrs[i].value ? a->rrs[i].value : "")
						      : xstrdup(a->rrs[i].value ? a->rrs[i].value : ""));
		qsort(vals.v, vals.n, sizeof(char *), cmp_str);
		char *v = strv_join(&vals, ", ");
		char *clean = text_clean(v, 2000);
		state_map_add(m, "dns", target, clean, NULL);
		free(clean);
		free(v);
		strv_free(&vals);
	}
	free(target);
}

static void add_limit(struct state_map *m, const char *key, long long v)
{
	char *s = v < 0 ? xstrdup("unset") : xasprintf("%lld", v);
	state_map_add(m, "limit", key, s, NULL);
	free(s);
}

void record_state(const struct snapshot *s, const struct config *cfg, const struct check_run *run,
		  struct state_map *out)
{
	unsigned got = record_collected(s);
	for (size_t i = 0; run && i < run->n; i++) {
		const struct check_result *r = &run->results[i];
		char *t = xasprintf("%s:%s", r->check, r->target);
		state_map_add(out, "check", t, status_name(r->status), r->summary);
		free(t);
	}
	if (got & (1u << SRC_DOCKER)) {
		for (size_t i = 0; i < s->docker.n_containers; i++) {
			const struct container *c = &s->docker.containers[i];
			if (!c->service)
				continue;
			if (state_map_get(out, "container.state", c->service))
				continue; /* a scaled service: the first container speaks for it */
			char *clean = text_clean(c->status_text, 200);
			state_map_add(out, "container.state", c->service, c->state ? c->state : "unknown", clean);
			free(clean);
			state_map_add(out, "container.health", c->service, health_name(c->health), NULL);
			long restarts = 0;
			for (size_t k = 0; k < s->docker.n_containers; k++)
				if (s->docker.containers[k].service &&
				    strcmp(s->docker.containers[k].service, c->service) == 0)
					restarts += s->docker.containers[k].restart_count;
			char *rc = xasprintf("%ld", restarts);
			state_map_add(out, "container.restarts", c->service, rc, NULL);
			free(rc);
			struct strv nets = {0};
			for (size_t k = 0; k < c->n_nets; k++)
				if (c->nets[k].network)
					strv_push(&nets, c->nets[k].network);
			if (nets.n)
				qsort(nets.v, nets.n, sizeof(char *), cmp_str);
			char *nl = strv_join(&nets, ",");
			state_map_add(out, "container.networks", c->service, nl, NULL);
			free(nl);
			strv_free(&nets);
		}
	}
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct snap_domain *d = &s->domains[i];
		if (got & (1u << SRC_MAILCOW)) {
			if (d->dkim.err.failed) {
				state_map_add(out, "dkim.mailcow", d->name, NULL, NULL);
			} else if (d->dkim.present && d->dkim.pubkey) {
				struct buf k = {0};
				for (const char *p = d->dkim.pubkey; *p; p++)
					if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
						buf_putc(&k, *p);
				char *h = hash16(buf_cstr(&k));
				char *v = xasprintf("%s %s", d->dkim.selector ? d->dkim.selector : "?", h);
				char *det = xasprintf("%d bits", d->dkim.bits);
				state_map_add(out, "dkim.mailcow", d->name, v, det);
				free(det);
				free(v);
				free(h);
				buf_free(&k);
			} else {
				state_map_add(out, "dkim.mailcow", d->name, "none", NULL);
			}
		}
		if (got & (1u << SRC_DNS)) {
			add_dns(out, &d->dns.mx);
			add_dns(out, &d->dns.apex_txt);
			add_dns(out, &d->dns.dmarc);
			add_dns(out, &d->dns.mta_sts_host);
			add_dns(out, &d->dns.tls_rpt);
			for (size_t k = 0; k < cfg->dkim_selectors.n; k++) {
				const char *sel = cfg->dkim_selectors.v[k];
				const struct dns_answer *a = NULL;
				size_t sl = strlen(sel);
				for (size_t j = 0; j < d->dns.n_dkim; j++)
					if (d->dns.dkim[j].name && strncasecmp(d->dns.dkim[j].name, sel, sl) == 0 &&
					    d->dns.dkim[j].name[sl] == '.')
						a = &d->dns.dkim[j];
				if (!a)
					continue;
				char *t = xasprintf("%s/%s", d->name, sel);
				if (a->status == DNS_OK || a->status == DNS_NXDOMAIN || a->status == DNS_NODATA) {
					char *p = NULL;
					for (size_t j = 0; j < a->n && !p; j++)
						p = tag_value(a->rrs[j].value, "p");
					char *h = p && *p ? hash16(p) : xstrdup("none");
					int bits = p && *p ? dkim_pubkey_bits(p, NULL) : 0;
					char *det = bits ? xasprintf("%d bits", bits) : NULL;
					state_map_add(out, "dkim.key", t, h, det);
					free(det);
					free(h);
					free(p);
				} else {
					state_map_add(out, "dkim.key", t, NULL, NULL);
				}
				free(t);
			}
			const struct dns_answer *sts = &d->dns.mta_sts_txt;
			if (sts->status == DNS_OK || sts->status == DNS_NXDOMAIN || sts->status == DNS_NODATA) {
				char *id = NULL;
				for (size_t j = 0; sts->status == DNS_OK && j < sts->n && !id; j++)
					if (sts->rrs[j].value && strstr(sts->rrs[j].value, "STSv1"))
						id = tag_value(sts->rrs[j].value, "id");
				char *clean = text_clean(id ? id : "none", 64);
				state_map_add(out, "mta_sts.id", d->name, clean, NULL);
				free(clean);
				free(id);
			} else if (sts->name) {
				state_map_add(out, "mta_sts.id", d->name, NULL, NULL);
			}
		}
		const struct mta_sts_policy *p = &d->policy;
		if (p->fetched && !p->err.failed) {
			char *mx = strv_join(&p->mx, ",");
			char *v = xasprintf("mode=%s max_age=%ld mx=%s", p->mode ? p->mode : "?", p->max_age, mx);
			char *clean = text_clean(v, 1000);
			state_map_add(out, "mta_sts.policy", d->name, clean, NULL);
			free(clean);
			free(v);
			free(mx);
		} else if (p->http_status == 404) {
			state_map_add(out, "mta_sts.policy", d->name, "none", NULL);
		} else {
			state_map_add(out, "mta_sts.policy", d->name, NULL, NULL);
		}
	}
	if (got & (1u << SRC_FILES)) {
		const struct size_limits *l = &s->limits;
		add_limit(out, "postfix.message_size_limit", l->postfix);
		add_limit(out, "rspamd.max_message", l->rspamd_max_message);
		add_limit(out, "rspamd.antivirus.max_size", l->av_max_size);
		add_limit(out, "clamd.StreamMaxLength", l->clamav_stream_max);
		add_limit(out, "clamd.MaxFileSize", l->clamav_max_file);
		add_limit(out, "clamd.MaxScanSize", l->clamav_max_scan);
	}
}

static void changes_add(struct changes *c, const char *kind, const char *target, const char *from, const char *to,
			const char *detail)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = (struct change){xstrdup(kind), xstrdup(target), xstrdup(from), xstrdup(to), xstrdup(detail)};
}

void changes_free(struct changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].kind);
		free(c->v[i].target);
		free(c->v[i].from);
		free(c->v[i].to);
		free(c->v[i].detail);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static bool present(const struct state_item *it)
{
	return it && it->value && *it->value;
}

void record_diff(const struct state_map *prev, const struct state_map *cur, unsigned collected, const char *site,
		 struct changes *out, struct state_map *store)
{
	memset(out, 0, sizeof(*out));
	memset(store, 0, sizeof(*store));
	bool baseline = prev->n == 0;
	size_t known = 0;
	for (size_t i = 0; i < cur->n; i++) {
		const struct state_item *c = &cur->v[i];
		if (!c->value)
			continue; /* not known this run: keep what is stored */
		known++;
		const struct state_item *p = state_map_get(prev, c->kind, c->target);
		if (present(p) && strcmp(p->value, c->value) == 0)
			continue;
		state_map_add(store, c->kind, c->target, c->value, c->detail);
		if (!baseline)
			changes_add(out, c->kind, c->target, present(p) ? p->value : NULL, c->value, c->detail);
		else if (strcmp(c->kind, "check") == 0 && strcmp(c->value, "ok") != 0)
			changes_add(out, c->kind, c->target, NULL, c->value, c->detail);
	}
	for (size_t i = 0; i < prev->n; i++) {
		const struct state_item *p = &prev->v[i];
		if (!present(p) || state_map_get(cur, p->kind, p->target))
			continue;
		enum source src = record_kind_source(p->kind);
		if (src != SRC__COUNT && !(collected & (1u << src)))
			continue;
		state_map_add(store, p->kind, p->target, "", NULL);
		changes_add(out, p->kind, p->target, p->value, NULL, "gone");
	}
	if (baseline) {
		char *det = xasprintf("first record: %zu items", known);
		/* the baseline row goes first */
		struct changes tmp = *out;
		memset(out, 0, sizeof(*out));
		changes_add(out, "record", site ? site : "-", NULL, "baseline", det);
		for (size_t i = 0; i < tmp.n; i++)
			changes_add(out, tmp.v[i].kind, tmp.v[i].target, tmp.v[i].from, tmp.v[i].to, tmp.v[i].detail);
		changes_free(&tmp);
		free(det);
	}
}
