/* checks: the check table and the status table expanded from their X-macros, the families,
 * the previous state, the results, the helpers the check files share, and the run loop that
 * turns a missing source into `unknown` results. The checks themselves live in check_*.c. */
#include "core/checks_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

const struct check_def check_table[] = {
#define CHECK_ROW(id, fn, target, fixed, sources, own, family, what) \
	{id, target, fixed, sources, own, family, check_##fn, what},
	CHECK_INFO(CHECK_ROW)
#undef CHECK_ROW
};
const size_t check_table_len = ARRAY_SIZE(check_table);

const struct check_def *check_find(const char *id)
{
	for (size_t i = 0; i < check_table_len; i++)
		if (strcmp(check_table[i].id, id) == 0)
			return &check_table[i];
	return NULL;
}

static const char *const family_titles[FAM__COUNT] = {
#define FAMILY_TITLE(id, title) [FAM_##id] = title,
	FAMILY_INFO(FAMILY_TITLE)
#undef FAMILY_TITLE
};

const char *family_title(enum family f)
{
	return (unsigned)f < FAM__COUNT ? family_titles[f] : "?";
}

enum family family_of_check(const char *check)
{
	const struct check_def *d = check ? check_find(check) : NULL;
	return d ? d->family : FAM_NONE;
}

/* ---- status ---- */

static const struct status_info {
	const char *name, *word, *nagios, *symbol, *ascii;
	int code, rank;
} status_info[] = {
#define STATUS_ROW(id, name, word, nagios, symbol, ascii, code, rank) \
	[STATUS_##id] = {name, word, nagios, symbol, ascii, code, rank},
	STATUS_INFO(STATUS_ROW)
#undef STATUS_ROW
};

/* Out-of-range values read as NONE. */
static const struct status_info *status_row(enum status s)
{
	return &status_info[(unsigned)s < ARRAY_SIZE(status_info) ? s : STATUS_NONE];
}

const char *status_name(enum status s)
{
	return status_row(s)->name;
}

const char *status_word(enum status s)
{
	return status_row(s)->word;
}

const char *status_upper(enum status s)
{
	return status_row(s)->nagios;
}

const char *status_symbol(enum status s, bool ascii)
{
	return ascii ? status_row(s)->ascii : status_row(s)->symbol;
}

int status_code(enum status s)
{
	return status_row(s)->code;
}

int status_rank(enum status s)
{
	return status_row(s)->rank;
}

enum status status_parse(const char *name)
{
	for (int i = 0; name && i < STATUS__COUNT; i++)
		if (str_case_eq(name, status_info[i].name) || str_case_eq(name, status_info[i].word))
			return (enum status)i;
	return STATUS_NONE;
}

enum status status_worse(enum status a, enum status b)
{
	return status_rank(b) > status_rank(a) ? b : a;
}

bool status_bad(enum status s)
{
	return status_rank(s) > status_rank(STATUS_OK);
}

/* ---- previous state ---- */

void check_prev_add_restarts(struct check_prev *p, const char *service, long count)
{
	p->restarts = xrealloc(p->restarts, (p->n_restarts + 1) * sizeof(*p->restarts));
	p->restarts[p->n_restarts++] = (struct check_prev_restart){xstrdup(service), count};
}

long check_prev_restarts(const struct check_prev *p, const char *service)
{
	for (size_t i = 0; p && i < p->n_restarts; i++)
		if (strcmp(p->restarts[i].service, service) == 0)
			return p->restarts[i].count;
	return -1;
}

void check_prev_free(struct check_prev *p)
{
	for (size_t i = 0; i < p->n_restarts; i++)
		free(p->restarts[i].service);
	free(p->restarts);
	memset(p, 0, sizeof(*p));
}

/* ---- results ---- */

char *text_clean(const char *s, size_t max)
{
	return s ? sanitize_line(s, max) : NULL;
}

static void run_push(struct check_run *r, const char *check, char *target, enum status st, char *summary,
		     char *hint)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->results = xrealloc(r->results, r->cap * sizeof(*r->results));
	}
	if (st == STATUS_OK) {
		free(hint);
		hint = NULL;
	}
	r->results[r->n++] = (struct check_result){check, target, st, summary, hint};
}

void check_run_add(struct check_run *r, const char *check, const char *target, enum status st,
		   const char *summary, const char *hint)
{
	const struct check_def *d = check_find(check);
	run_push(r, d ? d->id : check, xstrdup(target), st, text_clean(summary, 1000), text_clean(hint, 4000));
}

void check_emit(struct check_ctx *c, const char *target, enum status st, char *summary, char *hint)
{
	run_push(c->out, c->def->id, text_clean(target ? target : "-", 300), st, text_clean(summary, 1000),
		 text_clean(hint, 4000));
	free(summary);
	free(hint);
}

void check_run_free(struct check_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->results[i].target);
		free(r->results[i].summary);
		free(r->results[i].hint);
	}
	free(r->results);
	memset(r, 0, sizeof(*r));
}

enum status check_run_worst(const struct check_run *r)
{
	enum status w = STATUS_OK;
	for (size_t i = 0; i < r->n; i++)
		w = status_worse(w, r->results[i].status);
	return w;
}

void check_run_counts(const struct check_run *r, size_t counts[STATUS__COUNT])
{
	memset(counts, 0, STATUS__COUNT * sizeof(counts[0]));
	for (size_t i = 0; i < r->n; i++)
		counts[r->results[i].status]++;
}

size_t check_run_filter(struct check_run *r, const struct strv *globs)
{
	size_t keep = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct check_result *res = &r->results[i];
		bool match = false;
		for (size_t g = 0; g < globs->n && !match; g++) {
			if (strchr(globs->v[g], ':')) {
				char *key = xasprintf("%s:%s", res->check, res->target);
				match = str_glob(globs->v[g], key);
				free(key);
			} else {
				match = str_glob(globs->v[g], res->check);
			}
		}
		if (match) {
			r->results[keep++] = *res;
		} else {
			free(res->target);
			free(res->summary);
			free(res->hint);
		}
	}
	r->n = keep;
	return keep;
}

/* ---- shared helpers ---- */

bool dns_unusable(const struct dns_answer *a)
{
	return a->status != DNS_OK && a->status != DNS_NXDOMAIN && a->status != DNS_NODATA;
}

char *dns_failure(const struct dns_answer *a)
{
	return xasprintf("%s %s: %s%s%s", a->name ? a->name : "?", a->type == 15 ? "MX" : a->type == 1 ? "A"
			 : a->type == 12 ? "PTR" : a->type == 28 ? "AAAA" : "TXT",
			 dns_status_name(a->status), a->error ? " " : "", a->error ? a->error : "");
}

size_t txt_count(const struct dns_answer *a, const char *prefix, const char **first)
{
	size_t n = 0;
	*first = NULL;
	if (a->status != DNS_OK)
		return 0;
	size_t plen = strlen(prefix);
	for (size_t i = 0; i < a->n; i++) {
		const char *v = a->rrs[i].value;
		if (!v)
			continue;
		while (isspace((unsigned char)*v))
			v++;
		/* "v=spf1" must be followed by a space or end; "v = DMARC1" forms are leniently accepted */
		char *squeezed = xstrdup(v);
		char *w = squeezed;
		for (const char *p = v; *p && (size_t)(w - squeezed) < plen + 1; p++)
			if (!isspace((unsigned char)*p) || (size_t)(w - squeezed) >= plen)
				*w++ = *p;
		*w = '\0';
		bool match = strncasecmp(squeezed, prefix, plen) == 0 &&
			(squeezed[plen] == '\0' || squeezed[plen] == ';' || isspace((unsigned char)squeezed[plen]));
		free(squeezed);
		if (match) {
			if (!n)
				*first = a->rrs[i].value;
			n++;
		}
	}
	return n;
}

char *mailcow_host(const struct config *cfg)
{
	if (!cfg->mailcow_url)
		return NULL;
	const char *p = strstr(cfg->mailcow_url, "://");
	p = p ? p + 3 : cfg->mailcow_url;
	size_t n = strcspn(p, "/:?#");
	if (*p == '[')
		n = strcspn(p, "]") + 1;
	char *h = xstrndup(p, n);
	str_lower(h);
	return h;
}

char *tag_value(const char *record, const char *name)
{
	if (!record)
		return NULL;
	const char *p = record;
	size_t nlen = strlen(name);
	while (*p) {
		while (*p == ';' || isspace((unsigned char)*p))
			p++;
		const char *start = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		const char *kend = p;
		while (kend > start && isspace((unsigned char)kend[-1]))
			kend--;
		if (*p != '=') {
			continue;
		}
		p++;
		const char *vstart = p;
		while (*p && *p != ';')
			p++;
		if ((size_t)(kend - start) == nlen && strncasecmp(start, name, nlen) == 0) {
			struct buf b = {0};
			for (const char *q = vstart; q < p; q++)
				if (!isspace((unsigned char)*q))
					buf_putc(&b, *q);
			return b.len ? buf_steal(&b) : (buf_free(&b), xstrdup(""));
		}
	}
	return NULL;
}

/* ---- the run ---- */

static const struct part_error *source_error(const struct snapshot *s, enum source src, struct part_error *tmp)
{
	switch (src) {
	case SRC_DOCKER:
		return s->docker.err.failed ? &s->docker.err : NULL;
	case SRC_MAILCOW:
		if (s->mailcow.err.failed)
			return &s->mailcow.err;
		if (s->mailcow.key != KEY_OK && s->mailcow.key != KEY_READ_ONLY) {
			*tmp = (struct part_error){.failed = true,
						   .why = (char *)"the MailCow API key is not accepted"};
			return tmp;
		}
		return NULL;
	case SRC_DNS:
		return s->dns_err.failed ? &s->dns_err : NULL;
	case SRC_FILES:
		return s->limits.err.failed ? &s->limits.err : NULL;
	case SRC_MTA_STS:
	case SRC__COUNT:
		break;
	}
	return NULL;
}

static const char *source_check(enum source src)
{
	switch (src) {
	case SRC_DOCKER: return "docker.api";
	case SRC_MAILCOW: return "mailcow.api";
	case SRC_DNS: return "dns.resolver";
	default: return NULL;
	}
}

static void emit_unknown_all(struct check_ctx *c, enum source src, const struct part_error *e)
{
	const char *why = e->why ? e->why : "not collected";
	const char *chk = source_check(src);
	char *hint = chk
		? xasprintf("Fix the %s source first (see %s)", source_name(src), chk)
		: xasprintf("Check mailcow.dir (%s) in mcon.conf and that its files are readable", c->cfg->mailcow_dir);
	struct strv targets = {0};
	switch (c->def->target) {
	case TARGET_ENDPOINT:
		strv_push(&targets, c->cfg->docker_host);
		break;
	case TARGET_URL:
		strv_push(&targets, c->cfg->mailcow_url ? c->cfg->mailcow_url : "-");
		break;
	case TARGET_SERVER:
		strv_push(&targets, c->s->resolver ? c->s->resolver : "system");
		break;
	case TARGET_SERVICE:
		check_services(c->s, c->cfg, &targets);
		break;
	case TARGET_DOMAIN:
		for (size_t i = 0; i < c->s->n_domains; i++)
			strv_push(&targets, c->s->domains[i].name);
		break;
	case TARGET_DOMAIN_SELECTOR:
		for (size_t i = 0; i < c->s->n_domains; i++)
			for (size_t k = 0; k < c->cfg->dkim_selectors.n; k++)
				strv_push_owned(&targets,
						xasprintf("%s/%s", c->s->domains[i].name, c->cfg->dkim_selectors.v[k]));
		break;
	case TARGET_FIXED:
		strv_push(&targets, c->def->fixed_target);
		break;
	case TARGET_ADDRESS:
		if (c->cfg->outbound_ip)
			strv_push(&targets, c->cfg->outbound_ip);
		break;
	}
	if (!targets.n)
		strv_push(&targets, "*");
	for (size_t i = 0; i < targets.n; i++)
		check_emit(c, targets.v[i], STATUS_UNKNOWN, xasprintf("%s not collected: %s", source_name(src), why),
			   xstrdup(hint));
	strv_free(&targets);
	free(hint);
}

bool check_selected(const struct check_def *def, const struct strv *globs)
{
	if (!globs || !globs->n)
		return true;
	for (size_t g = 0; g < globs->n; g++) {
		const char *colon = strchr(globs->v[g], ':');
		char *idpart = colon ? xstrndup(globs->v[g], (size_t)(colon - globs->v[g])) : NULL;
		bool match = str_glob(idpart ? idpart : globs->v[g], def->id);
		free(idpart);
		if (match)
			return true;
	}
	return false;
}

unsigned checks_sources(const struct strv *globs)
{
	unsigned need = 0;
	for (size_t i = 0; i < check_table_len; i++) {
		const struct check_def *def = &check_table[i];
		if (!check_selected(def, globs))
			continue;
		/* a check that names no source reads the stack's own files (roundcube.imap_tls) */
		need |= def->sources ? def->sources : SB(SRC_FILES);
		if (def->target == TARGET_DOMAIN || def->target == TARGET_DOMAIN_SELECTOR)
			need |= SB(SRC_MAILCOW);
	}
	return need;
}

bool checks_need_prev(const struct strv *globs)
{
	const struct check_def *def = check_find("containers.restarts");
	return def && check_selected(def, globs);
}

void checks_run(const struct snapshot *s, const struct config *cfg, const struct check_prev *prev,
		struct check_run *out)
{
	checks_run_only(s, cfg, prev, NULL, out);
}

void checks_run_only(const struct snapshot *s, const struct config *cfg, const struct check_prev *prev,
		     const struct strv *globs, struct check_run *out)
{
	memset(out, 0, sizeof(*out));
	out->at = s->finished_at ? s->finished_at : s->started_at;
	out->perf = (struct check_perf){-1, -1, -1, -1, -1, -1, -1, -1, s->duration_ms};
	struct check_ctx c = {.s = s, .cfg = cfg, .prev = prev, .out = out};
	for (size_t i = 0; i < check_table_len; i++) {
		c.def = &check_table[i];
		if (!check_selected(c.def, globs))
			continue;
		const struct part_error *e = NULL;
		enum source failed = SRC__COUNT;
		struct part_error tmp;
		for (int src = 0; src < SRC__COUNT && !e && !c.def->own_errors; src++)
			if (c.def->sources & SB(src)) {
				e = source_error(s, (enum source)src, &tmp);
				failed = (enum source)src;
			}
		/* The domain list comes from MailCow: without it (and without literal names in
		 * domains.include) the per-domain checks have no target; say so rather than vanish. */
		if (!e && !s->n_domains &&
		    (c.def->target == TARGET_DOMAIN || c.def->target == TARGET_DOMAIN_SELECTOR)) {
			e = source_error(s, SRC_MAILCOW, &tmp);
			failed = SRC_MAILCOW;
		}
		if (e)
			emit_unknown_all(&c, failed, e);
		else
			c.def->run(&c);
	}
	/* domains failing: domains with any non-ok result */
	if (s->n_domains) {
		long failing = 0;
		for (size_t d = 0; d < s->n_domains; d++) {
			const char *name = s->domains[d].name;
			size_t nlen = strlen(name);
			bool bad = false;
			for (size_t i = 0; i < out->n && !bad; i++) {
				const struct check_result *r = &out->results[i];
				if (r->status == STATUS_OK)
					continue;
				const struct check_def *def = check_find(r->check);
				if (!def || (def->target != TARGET_DOMAIN && def->target != TARGET_DOMAIN_SELECTOR))
					continue;
				bad = strcmp(r->target, name) == 0 ||
				      (strncmp(r->target, name, nlen) == 0 && r->target[nlen] == '/');
			}
			failing += bad;
		}
		out->perf.domains_total = (long)s->n_domains;
		out->perf.domains_failing = failing;
	}
}
