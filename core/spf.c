/* spf: recursive SPF evaluation for the lookup counts, on an abstract async resolver. */
#include "core/spf.h"
#include "core/dns.h"
#include "core/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/sanitize.h"

struct spf_ctx {
	struct spf_lookup lk;
	struct spf_eval *out;
	void (*done)(struct spf_eval *e, void *ud);
	void *ud;
	int pending;        /* queries outstanding, plus one while a record is being walked */
	int queries;        /* queries issued, for SPF_MAX_QUERIES */
	bool capped;
	struct buf errors;
};

enum spf_kind { SPF_INCLUDE, SPF_REDIRECT, SPF_VOID_CHECK };

struct spf_node {
	struct spf_ctx *ctx;
	enum spf_kind kind;
	char *term;             /* "include:x.test" for messages */
	char *target;
	struct strv chain;      /* domains from the apex down to target, for loop detection */
	struct dns_answer ans;
};

void spf_eval_free(struct spf_eval *e)
{
	free(e->record);
	free(e->error);
	strv_free(&e->includes);
	memset(e, 0, sizeof(*e));
}

static bool is_spf(const char *v)
{
	return v && strncasecmp(v, "v=spf1", 6) == 0 && (v[6] == '\0' || v[6] == ' ');
}

int spf_records(const struct dns_answer *txt, const char **first)
{
	int n = 0;
	if (first)
		*first = NULL;
	if (!txt || txt->status != DNS_OK)
		return 0;
	for (size_t i = 0; i < txt->n; i++)
		if (is_spf(txt->rrs[i].value)) {
			if (n++ == 0 && first)
				*first = txt->rrs[i].value;
		}
	return n;
}

static void add_error(struct spf_ctx *c, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void add_error(struct spf_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = sanitize_line(raw, SIZE_MAX); /* pieces of TXT records */
	free(raw);
	if (!strstr(buf_cstr(&c->errors), msg)) { /* the same problem reached twice says nothing new */
		if (c->errors.len)
			buf_puts(&c->errors, "; ");
		buf_puts(&c->errors, msg);
	}
	free(msg);
}

static void ctx_unref(struct spf_ctx *c)
{
	if (--c->pending > 0)
		return;
	if (c->capped)
		add_error(c, "stopped following after %d DNS queries", SPF_MAX_QUERIES);
	if (c->errors.len)
		c->out->error = buf_steal(&c->errors);
	buf_free(&c->errors);
	void (*done)(struct spf_eval *, void *) = c->done;
	struct spf_eval *out = c->out;
	void *ud = c->ud;
	free(c);
	if (done)
		done(out, ud);
}

static void node_free(struct spf_node *n)
{
	free(n->term);
	free(n->target);
	strv_free(&n->chain);
	dns_answer_clear(&n->ans);
	free(n);
}

static void walk_record(struct spf_ctx *c, const char *domain, const char *record, const struct strv *chain);

static bool chain_has(const struct strv *chain, const char *name)
{
	for (size_t i = 0; i < chain->n; i++)
		if (strcasecmp(chain->v[i], name) == 0)
			return true;
	return false;
}

static char *chain_text(const struct strv *chain, const char *last)
{
	struct buf b = {0};
	for (size_t i = 0; i < chain->n; i++) {
		buf_puts(&b, chain->v[i]);
		buf_puts(&b, " -> ");
	}
	buf_puts(&b, last);
	return buf_steal(&b);
}

static bool is_void(const struct dns_answer *a)
{
	return a->status == DNS_NXDOMAIN || a->status == DNS_NODATA;
}

static void on_node_answer(struct dns_answer *a, void *arg)
{
	struct spf_node *n = arg;
	struct spf_ctx *c = n->ctx;
	if (n->kind == SPF_VOID_CHECK) {
		if (is_void(a))
			c->out->void_lookups++;
	} else if (is_void(a)) {
		c->out->void_lookups++;
		add_error(c, "%s: %s has no SPF record (%s)", n->term, n->target, dns_status_name(a->status));
	} else if (a->status != DNS_OK) {
		add_error(c, "%s: TXT lookup of %s failed (%s%s%s)", n->term, n->target, dns_status_name(a->status),
			  a->error ? ": " : "", a->error ? a->error : "");
	} else {
		const char *rec;
		int k = spf_records(a, &rec);
		if (k == 0)
			add_error(c, "%s: %s has no SPF record", n->term, n->target);
		else if (k > 1)
			add_error(c, "%s: %s has %d SPF records", n->term, n->target, k);
		else
			walk_record(c, n->target, rec, &n->chain);
	}
	node_free(n);
	ctx_unref(c);
}

static void ask(struct spf_ctx *c, enum spf_kind kind, const char *term, const char *target, int type,
		const struct strv *chain)
{
	if (c->queries >= SPF_MAX_QUERIES) {
		c->capped = true;
		return;
	}
	c->queries++;
	struct spf_node *n = xcalloc(1, sizeof(*n));
	n->ctx = c;
	n->kind = kind;
	n->term = xstrdup(term);
	n->target = xstrdup(target);
	for (size_t i = 0; chain && i < chain->n; i++)
		strv_push(&n->chain, chain->v[i]);
	strv_push(&n->chain, target);
	c->pending++;
	c->lk.query(c->lk.ud, target, type, &n->ans, on_node_answer, n);
}

/* "a:host/24" -> "host"; "" when the term names no domain. Caller frees. */
static char *term_domain(const char *arg)
{
	size_t n = strcspn(arg, "/");
	return xstrndup(arg, n);
}

static void walk_record(struct spf_ctx *c, const char *domain, const char *record, const struct strv *chain)
{
	c->pending++;
	char *copy = xstrdup(record + 6);
	char *redirect = NULL;
	bool has_all = false;
	for (char *save = NULL, *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *t = tok;
		if (*t == '+' || *t == '-' || *t == '~' || *t == '?')
			t++;
		char *colon = strchr(t, ':'), *eq = strchr(t, '=');
		size_t namelen = strcspn(t, ":=/");
		char mech[16] = "";
		if (namelen < sizeof(mech)) {
			memcpy(mech, t, namelen);
			mech[namelen] = '\0';
		}
		if (eq && (!colon || eq < colon)) { /* a modifier */
			if (strcasecmp(mech, "redirect") == 0 && !redirect)
				redirect = xstrdup(eq + 1);
			continue;
		}
		const char *arg = t[namelen] == ':' ? t + namelen + 1 : "";
		if (strcasecmp(mech, "all") == 0) {
			has_all = true;
		} else if (strcasecmp(mech, "include") == 0) {
			c->out->lookups++;
			if (!*arg) {
				add_error(c, "'%s' names no domain", tok);
				continue;
			}
			strv_push(&c->out->includes, arg);
			if (strchr(arg, '%'))
				continue; /* a macro: depends on the sender */
			if (chain_has(chain, arg)) {
				char *loop = chain_text(chain, arg);
				add_error(c, "include loop: %s", loop);
				free(loop);
				continue;
			}
			ask(c, SPF_INCLUDE, tok, arg, DNS_T_TXT, chain);
		} else if (strcasecmp(mech, "a") == 0 || strcasecmp(mech, "mx") == 0 ||
			   strcasecmp(mech, "exists") == 0) {
			c->out->lookups++;
			char *target = term_domain(arg);
			if (!*target) {
				free(target);
				target = xstrdup(domain);
			}
			/* Asked so void lookups are counted; macros depend on the sender. */
			if (!strchr(target, '%'))
				ask(c, SPF_VOID_CHECK, tok, target, strcasecmp(mech, "mx") == 0 ? DNS_T_MX : DNS_T_A,
				    NULL);
			free(target);
		} else if (strcasecmp(mech, "ptr") == 0) {
			c->out->lookups++; /* needs the client's address: counted, not asked */
		}
	}
	/* RFC 7208 6.1: redirect= is ignored when the record has an "all". */
	if (redirect && !has_all) {
		c->out->lookups++;
		char *term = xasprintf("redirect=%s", redirect);
		if (strchr(redirect, '%')) {
			/* sender-dependent */
		} else if (chain_has(chain, redirect)) {
			char *loop = chain_text(chain, redirect);
			add_error(c, "redirect loop: %s", loop);
			free(loop);
		} else {
			ask(c, SPF_REDIRECT, term, redirect, DNS_T_TXT, chain);
		}
		free(term);
	}
	free(redirect);
	free(copy);
	ctx_unref(c);
}

void spf_evaluate(const struct spf_lookup *lk, const char *domain, const struct dns_answer *apex_txt,
		  struct spf_eval *out, void (*done)(struct spf_eval *e, void *ud), void *ud)
{
	spf_eval_free(out);
	struct spf_ctx *c = xcalloc(1, sizeof(*c));
	c->lk = *lk;
	c->out = out;
	c->done = done;
	c->ud = ud;
	c->pending = 1;
	const char *rec = NULL;
	if (apex_txt->status != DNS_OK && apex_txt->status != DNS_NXDOMAIN && apex_txt->status != DNS_NODATA) {
		add_error(c, "TXT lookup of %s failed (%s%s%s)", domain, dns_status_name(apex_txt->status),
			  apex_txt->error ? ": " : "", apex_txt->error ? apex_txt->error : "");
	} else {
		out->records = spf_records(apex_txt, &rec);
		if (out->records == 1) {
			out->record = xstrdup(rec);
			struct strv chain = {0};
			strv_push(&chain, domain);
			walk_record(c, domain, rec, &chain);
			strv_free(&chain);
		} else if (out->records > 1) {
			add_error(c, "%s has %d SPF records (RFC 7208 allows one)", domain, out->records);
		}
	}
	ctx_unref(c);
}
