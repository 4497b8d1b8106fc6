/* fuzz_spf: spf_evaluate over an in-memory zone made from the input: one record a line,
 * "name TYPE value" (the apex is example.org); the first byte says whether answers come at
 * once or later (as c-ares gives them). done runs exactly once, the counts stay in bounds. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dns.h"
#include "core/spf.h"
#include "core/util.h"
#include "tests/fuzz/fuzz.h"

#define APEX "example.org"
#define QMAX 256

struct zone {
	struct strv names, types, values;
	bool deferred;
	int asked;
	struct q {
		struct dns_answer *out;
		void (*done)(struct dns_answer *, void *);
		void *arg;
	} queue[QMAX];
	int head, tail;
};

static void zone_load(struct zone *z, const char *text)
{
	const char *line = text;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *l = xstrndup(line, len);
		char *sp1 = strchr(l, ' ');
		char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		if (sp2) {
			*sp1 = *sp2 = '\0';
			strv_push(&z->names, l);
			strv_push(&z->types, sp1 + 1);
			strv_push(&z->values, sp2 + 1);
		}
		free(l);
		line += len + (end ? 1 : 0);
	}
}

static void fill(struct zone *z, const char *name, int type, struct dns_answer *out)
{
	dns_answer_clear(out);
	out->name = xstrdup(name);
	out->type = type;
	bool seen = false;
	for (size_t i = 0; i < z->names.n; i++) {
		if (strcasecmp(z->names.v[i], name) != 0)
			continue;
		seen = true;
		if (strcmp(z->types.v[i], dns_type_name(type)) != 0)
			continue;
		out->rrs = xrealloc(out->rrs, (out->n + 1) * sizeof(*out->rrs));
		out->rrs[out->n++] = (struct dns_rr){.value = xstrdup(z->values.v[i]), .ttl = 300};
	}
	out->status = out->n ? DNS_OK : seen ? DNS_NODATA : DNS_NXDOMAIN;
}

static void zquery(void *ud, const char *name, int type, struct dns_answer *out,
		   void (*done)(struct dns_answer *a, void *arg), void *arg)
{
	struct zone *z = ud;
	z->asked++;
	fill(z, name, type, out);
	if (!z->deferred) {
		done(out, arg);
		return;
	}
	if (z->tail - z->head >= QMAX)
		fuzz_fail("spf_evaluate: more than 256 queries in flight", name);
	z->queue[z->tail++ % QMAX] = (struct q){out, done, arg};
}

static void on_done(struct spf_eval *e, void *ud)
{
	(void)e;
	(*(int *)ud)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct zone *z = xcalloc(1, sizeof(*z));
	z->deferred = fuzz_byte(&in) & 1;
	char *text = fuzz_str(in.p, in.n);
	zone_load(z, text);
	struct dns_answer apex = {0};
	fill(z, APEX, DNS_T_TXT, &apex);
	struct spf_lookup lk = {zquery, z};
	struct spf_eval e = {0};
	int calls = 0;
	spf_evaluate(&lk, APEX, &apex, &e, on_done, &calls);
	while (z->head < z->tail) {
		struct q q = z->queue[z->head++ % QMAX];
		q.done(q.out, q.arg);
	}
	if (calls != 1)
		fuzz_fail("spf_evaluate: done did not run exactly once", text);
	if (z->asked > SPF_MAX_QUERIES)
		fuzz_fail("spf_evaluate: more queries than SPF_MAX_QUERIES", text);
	if (e.lookups < 0 || e.void_lookups < 0 || e.void_lookups > z->asked)
		fuzz_fail("spf_evaluate: counts out of bounds", text);
	spf_eval_free(&e);
	dns_answer_clear(&apex);
	strv_free(&z->names);
	strv_free(&z->types);
	strv_free(&z->values);
	free(z);
	free(text);
	return 0;
}
