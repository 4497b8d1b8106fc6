/* mtasts: policy fetch over the refresh's fetcher and the RFC 8461 section 3.2 parser. */
#include "core/mtasts.h"
#include "core/util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void mta_sts_policy_free(struct mta_sts_policy *p)
{
	part_error_clear(&p->err);
	free(p->raw);
	free(p->version);
	free(p->mode);
	strv_free(&p->mx);
	memset(p, 0, sizeof(*p));
	p->max_age = -1;
}

static void policy_reset_fields(struct mta_sts_policy *p)
{
	free(p->raw);
	free(p->version);
	free(p->mode);
	strv_free(&p->mx);
	p->raw = p->version = p->mode = NULL;
	p->max_age = -1;
}

int mtasts_parse(const char *text, size_t len, struct mta_sts_policy *p)
{
	static const char what[] = "parse the policy";
	policy_reset_fields(p);
	p->raw = xstrndup(text, len);
	struct buf problems = {0};
	bool bad_mx = false;
	char *copy = xstrndup(text, len);
	if (strlen(copy) != len)
		buf_puts(&problems, "contains a NUL byte; ");
	int lineno = 0;
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *l = str_trim(line); /* also drops the CR of CRLF */
		if (!*l)
			continue;
		char *colon = strchr(l, ':');
		if (!colon) {
			buf_printf(&problems, "line %d has no 'key: value'; ", lineno);
			continue;
		}
		*colon = '\0';
		char *key = str_trim(l), *val = str_trim(colon + 1);
		if (strcmp(key, "version") == 0) {
			if (!p->version)
				p->version = xstrdup(val);
		} else if (strcmp(key, "mode") == 0) {
			if (!p->mode)
				p->mode = xstrdup(val);
		} else if (strcmp(key, "max_age") == 0) {
			char *end;
			long v = strtol(val, &end, 10);
			if (!isdigit((unsigned char)*val) || *end || strlen(val) > 10 || v > 31557600)
				buf_printf(&problems, "max_age '%.40s' is not a number of seconds up to 31557600; ",
					   val);
			else if (p->max_age < 0)
				p->max_age = v;
		} else if (strcmp(key, "mx") == 0) {
			/* a host name, optionally with a leading "*." */
			const char *h = str_starts_with(val, "*.") ? val + 2 : val;
			bool ok = *h != '\0';
			for (const char *c = h; *c; c++)
				if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.' && *c != '_')
					ok = false;
			if (ok) {
				char *lower = xstrdup(val);
				str_lower(lower);
				strv_push_owned(&p->mx, lower);
			} else if (!bad_mx) {
				bad_mx = true;
				buf_printf(&problems, "mx '%.60s' is not a host name pattern; ", val);
			}
		}
		/* Other keys are extensions (RFC 8461 3.2): ignored. */
	}
	free(copy);
	if (!p->version)
		buf_puts(&problems, "no version; ");
	else if (strcmp(p->version, "STSv1") != 0)
		buf_printf(&problems, "version '%.20s' is not STSv1; ", p->version);
	if (!p->mode)
		buf_puts(&problems, "no mode; ");
	else if (strcmp(p->mode, "enforce") != 0 && strcmp(p->mode, "testing") != 0 && strcmp(p->mode, "none") != 0)
		buf_printf(&problems, "mode '%.20s' is not enforce, testing or none; ", p->mode);
	if (p->max_age < 0 && !strstr(buf_cstr(&problems), "max_age"))
		buf_puts(&problems, "no max_age; ");
	if (p->mx.n == 0 && p->mode && strcmp(p->mode, "none") != 0)
		buf_puts(&problems, "no mx lines; ");
	if (problems.len) {
		problems.data[problems.len - 2] = '\0'; /* drop the last "; " */
		part_error_set(&p->err, what, "%s", problems.data);
		buf_free(&problems);
		return -1;
	}
	return 0;
}

struct mtasts_req {
	struct mta_sts_policy *p;
	char *what;
	char *pin;              /* "mta-sts.<d>:port:addr" */
	void (*done)(struct mta_sts_policy *p, void *ud);
	void *ud;
};

static void on_policy(struct fetch_result *r, void *ud)
{
	struct mtasts_req *q = ud;
	struct mta_sts_policy *p = q->p;
	p->http_status = r->status;
	if (r->too_big) {
		part_error_set(&p->err, q->what, "policy larger than %u KiB (RFC 8461 limits it to 64 KiB)",
			       MTASTS_MAX_BODY >> 10);
	} else if (r->error) {
		if (strstr(r->error, "certificate") || strstr(r->error, "SSL") || strstr(r->error, "TLS"))
			part_error_set(&p->err, q->what, "TLS certificate not valid for the policy host: %s", r->error);
		else if (r->curl_code == CURLE_COULDNT_CONNECT)
			part_error_set(&p->err, q->what, "cannot connect to %s: %s (nothing serves HTTPS there)",
				       q->pin, r->os_errno ? strerror(r->os_errno) : r->error);
		else
			part_error_set(&p->err, q->what, "%s", r->error);
	} else if (r->status >= 300 && r->status < 400) {
		part_error_set(&p->err, q->what, "HTTP %ld redirect, not followed (RFC 8461 forbids redirects)",
			       r->status);
	} else if (r->status != 200) {
		part_error_set(&p->err, q->what, "HTTP %ld", r->status);
	} else {
		p->fetched = true;
		part_error_clear(&p->err);
		mtasts_parse(r->body, r->len, p);
	}
	if (q->done)
		q->done(p, q->ud);
	free(q->what);
	free(q->pin);
	free(q);
}

static void on_policy_cancelled(void *ud)
{
	struct mtasts_req *q = ud;
	free(q->what);
	free(q->pin);
	free(q);
}

void mtasts_fetch(struct fetcher *f, const struct config *cfg, const char *domain, const struct dns_answer *host_a,
		  struct mta_sts_policy *p, void (*done)(struct mta_sts_policy *p, void *ud), void *ud)
{
	mta_sts_policy_free(p);
	char *url = xasprintf("https://mta-sts.%s:%ld/.well-known/mta-sts.txt", domain, cfg->mta_sts_port);
	char *what = xasprintf("GET %s", url);
	if (!host_a || host_a->status != DNS_OK || host_a->n == 0) {
		part_error_set(&p->err, what, "mta-sts.%s has no address (%s%s%s)", domain,
			       host_a ? dns_status_name(host_a->status) : "not asked",
			       host_a && host_a->error ? ": " : "", host_a && host_a->error ? host_a->error : "");
		free(what);
		free(url);
		if (done)
			done(p, ud);
		return;
	}
	struct buf pin = {0};
	buf_printf(&pin, "mta-sts.%s:%ld:", domain, cfg->mta_sts_port);
	for (size_t i = 0; i < host_a->n; i++)
		buf_printf(&pin, "%s%s", i ? "," : "", host_a->rrs[i].value);
	struct mtasts_req *q = xcalloc(1, sizeof(*q));
	q->p = p;
	q->what = what;
	q->done = done;
	q->ud = ud;
	q->pin = xstrdup(buf_cstr(&pin));
	/* Until it answers, the policy says so (the refresh may end first). */
	part_error_set(&p->err, what, "no answer before the refresh ended");
	struct fetch_opts o = {
		.url = url,
		.timeout_ms = cfg->mailcow_timeout_ms,
		.max_bytes = MTASTS_MAX_BODY,
		.ca_file = cfg->mta_sts_ca_file,
		.resolve = buf_cstr(&pin),
		.done = on_policy,
		.cancelled = on_policy_cancelled,
		.ud = q,
	};
	if (fetcher_add(f, &o) < 0) {
		part_error_set(&p->err, what, "cannot start the request");
		free(q->what);
		free(q->pin);
		free(q);
		if (done)
			done(p, ud);
	}
	buf_free(&pin);
	free(url);
}
