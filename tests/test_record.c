/* The pure part of `mcon record`: the state of a run and the diff of two states. Two runs
 * around one change give exactly that change; two equal runs give nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assets.h"
#include "core/laststate.h"
#include "core/record.h"
#include "tests/support/tsnap.h"

/* What the database does with the store list: replace values by (kind, target). */
static void apply(struct state_map *db, const struct state_map *store)
{
	for (size_t i = 0; i < store->n; i++) {
		const struct state_item *s = &store->v[i];
		bool found = false;
		for (size_t k = 0; k < db->n; k++)
			if (strcmp(db->v[k].kind, s->kind) == 0 && strcmp(db->v[k].target, s->target) == 0) {
				free(db->v[k].value);
				db->v[k].value = xstrdup(s->value);
				found = true;
			}
		if (!found)
			state_map_add(db, s->kind, s->target, s->value, s->detail);
	}
}

/* Runs the checks on a snapshot, diffs against db and applies the store. */
static void record_once(struct state_map *db, void (*mutate)(struct snapshot *), struct changes *out)
{
	struct config cfg;
	tsnap_config(&cfg, NULL);
	struct snapshot *s = tsnap_healthy();
	if (mutate)
		mutate(s);
	struct check_run run;
	checks_run(s, &cfg, NULL, &run);
	struct state_map cur = {0}, store = {0};
	record_state(s, &cfg, &run, &cur);
	record_diff(db, &cur, record_collected(s), "hermes", out, &store);
	apply(db, &store);
	state_map_free(&cur);
	state_map_free(&store);
	check_run_free(&run);
	tsnap_free(s);
	config_free(&cfg);
}

static const struct change *find(const struct changes *c, const char *kind, const char *target)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].kind, kind) == 0 && strcmp(c->v[i].target, target) == 0)
			return &c->v[i];
	return NULL;
}

static void dump(const struct changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		fprintf(stderr, "  %s %s: %s -> %s (%s)\n", c->v[i].kind, c->v[i].target, c->v[i].from ? c->v[i].from : "-",
			c->v[i].to ? c->v[i].to : "-", c->v[i].detail ? c->v[i].detail : "");
}

static void overlay(struct snapshot *s) { tsnap_attach(tsnap_container(s, "postfix-mailcow"), "netgrimoire"); }
static void rotate(struct snapshot *s)
{
	char *r = xasprintf("v=DKIM1; k=rsa; p=%s", TK_PKCS1);
	tsnap_answer(tsnap_dkim(tsnap_domain(s, "example.net"), "mxroute"), DNS_OK, r, NULL);
	free(r);
}
static void docker_down(struct snapshot *s) { tsnap_fail(&s->docker.err, "connection refused"); }
static void redis_gone(struct snapshot *s) { tsnap_remove_container(s, "redis-mailcow"); }
static void mx_timeout(struct snapshot *s) { tsnap_answer(&tsnap_domain(s, "example.com")->dns.mx, DNS_TIMEOUT, NULL); }
static void limit_up(struct snapshot *s) { s->limits.rspamd_max_message = 209715200; }
static void restarted(struct snapshot *s) { tsnap_container(s, "dovecot-mailcow")->restart_count = 1; }
static void sts_id(struct snapshot *s) { tsnap_answer(&tsnap_domain(s, "example.com")->dns.mta_sts_txt, DNS_OK, "v=STSv1; id=20261201000000", NULL); }

Test(record, first_record_is_a_baseline)
{
	struct state_map db = {0};
	struct changes c;
	record_once(&db, overlay, &c);
	cr_expect_eq(c.n, 2);
	dump(&c);
	cr_expect_str_eq(c.v[0].kind, "record");
	cr_expect_str_eq(c.v[0].to, "baseline");
	const struct change *x = find(&c, "check", "overlay.attachment:postfix-mailcow");
	cr_assert(x);
	cr_expect_null(x->from);
	cr_expect_str_eq(x->to, "critical");
	cr_expect_gt(db.n, 100, "the whole state is stored: %zu", db.n);
	cr_expect(state_map_get(&db, "container.restarts", "postfix-mailcow") != NULL);
	cr_expect(state_map_get(&db, "dkim.key", "example.com/mxroute") != NULL);
	cr_expect(state_map_get(&db, "limit", "rspamd.max_message") != NULL);
	changes_free(&c);
	state_map_free(&db);
}

Test(record, no_change_stores_nothing)
{
	struct state_map db = {0};
	struct changes c;
	record_once(&db, NULL, &c);
	changes_free(&c);
	size_t n = db.n;
	record_once(&db, NULL, &c);
	dump(&c);
	cr_expect_eq(c.n, 0);
	cr_expect_eq(db.n, n);
	changes_free(&c);
	state_map_free(&db);
}

static void expect_only(void (*m)(struct snapshot *), const char *const *want, size_t nwant)
{
	struct state_map db = {0};
	struct changes c;
	record_once(&db, NULL, &c);
	changes_free(&c);
	record_once(&db, m, &c);
	dump(&c);
	cr_expect_eq(c.n, nwant, "got %zu changes, want %zu", c.n, nwant);
	for (size_t i = 0; i < nwant; i++)
		cr_expect(find(&c, want[2 * i], want[2 * i + 1]) != NULL, "missing %s %s", want[2 * i], want[2 * i + 1]);
	changes_free(&c);
	/* and back: the reverse change, then nothing */
	record_once(&db, NULL, &c);
	cr_expect_eq(c.n, nwant);
	changes_free(&c);
	record_once(&db, NULL, &c);
	cr_expect_eq(c.n, 0);
	changes_free(&c);
	state_map_free(&db);
}

Test(record, overlay_join_is_exactly_two_changes)
{
	struct state_map db = {0};
	struct changes c;
	record_once(&db, NULL, &c);
	changes_free(&c);
	record_once(&db, overlay, &c);
	dump(&c);
	cr_expect_eq(c.n, 2);
	const struct change *n = find(&c, "container.networks", "postfix-mailcow");
	cr_assert(n);
	cr_expect_str_eq(n->from, "mailcowdockerized_mailcow-network");
	cr_expect_str_eq(n->to, "mailcowdockerized_mailcow-network,netgrimoire");
	const struct change *k = find(&c, "check", "overlay.attachment:postfix-mailcow");
	cr_assert(k);
	cr_expect_str_eq(k->from, "ok");
	cr_expect_str_eq(k->to, "critical");
	cr_expect_str_eq(k->detail, "postfix-mailcow is attached to overlay network netgrimoire");
	changes_free(&c);
	state_map_free(&db);
}

Test(record, dkim_rotation)
{
	static const char *const want[] = {"dkim.key", "example.net/mxroute"};
	expect_only(rotate, want, 1);
}

Test(record, restart_count_and_limits_and_sts_id)
{
	static const char *const w1[] = {"container.restarts", "dovecot-mailcow"};
	expect_only(restarted, w1, 1);
	static const char *const w2[] = {"limit", "rspamd.max_message"};
	expect_only(limit_up, w2, 1);
	static const char *const w3[] = {"mta_sts.id", "example.com"};
	expect_only(sts_id, w3, 1);
}

Test(record, removed_container_is_gone)
{
	struct state_map db = {0};
	struct changes c;
	record_once(&db, NULL, &c);
	changes_free(&c);
	record_once(&db, redis_gone, &c);
	dump(&c);
	const struct change *g = find(&c, "container.state", "redis-mailcow");
	cr_assert(g);
	cr_expect_str_eq(g->from, "running");
	cr_expect_null(g->to);
	cr_expect(find(&c, "container.networks", "redis-mailcow") != NULL);
	/* its check results are gone too */
	cr_expect(find(&c, "check", "containers.running:redis-mailcow") != NULL);
	size_t n = c.n;
	changes_free(&c);
	record_once(&db, redis_gone, &c);
	cr_expect_eq(c.n, 0, "gone stays gone");
	changes_free(&c);
	record_once(&db, NULL, &c);
	cr_expect_eq(c.n, n, "and comes back");
	const struct change *b = find(&c, "container.state", "redis-mailcow");
	cr_assert(b);
	cr_expect_null(b->from);
	cr_expect_str_eq(b->to, "running");
	changes_free(&c);
	state_map_free(&db);
}

Test(record, uncollected_source_keeps_its_state)
{
	struct state_map db = {0};
	struct changes c;
	record_once(&db, NULL, &c);
	changes_free(&c);
	record_once(&db, docker_down, &c);
	for (size_t i = 0; i < c.n; i++) {
		cr_expect_str_eq(c.v[i].kind, "check", "%s %s changed while docker was down", c.v[i].kind, c.v[i].target);
		cr_expect_str_eq(c.v[i].to, "unknown");
	}
	cr_expect_gt(c.n, 0);
	changes_free(&c);
	record_once(&db, mx_timeout, &c);
	dump(&c);
	/* checks come back to ok (docker) and mx.relay turns unknown; no dns row for the timeout */
	cr_expect_null(find(&c, "dns", "example.com MX"));
	const struct change *m = find(&c, "check", "mx.relay:example.com");
	cr_assert(m);
	cr_expect_str_eq(m->to, "unknown");
	changes_free(&c);
	state_map_free(&db);
}

/* The systemd units are compiled in as assets and say what README promises. */
Test(record, systemd_units)
{
	const struct asset *svc = asset_find("mcon-record.service"), *tim = asset_find("mcon-record.timer");
	cr_assert(svc && tim);
	char *s = xstrndup((const char *)svc->data, svc->len), *t = xstrndup((const char *)tim->data, tim->len);
	static const char *want[] = {"\nType=oneshot\n", " record --quiet\n", "\nNoNewPrivileges=yes\n", "\nProtectSystem=strict\n",
				     "\nReadWritePaths=/var/lib/mcon\n", "\nProtectHome=yes\n", "\nPrivateTmp=yes\n", "\nUMask=0007\n",
				     "\nLimitCORE=0\n"};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		cr_expect(strstr(s, want[i]) != NULL, "mcon-record.service lacks %s", want[i]);
	/* the shared state directory belongs to root:mcon (postinst); StateDirectory= would chown it */
	cr_expect(strstr(s, "\nStateDirectory=") == NULL, "mcon-record.service takes over /var/lib/mcon");
	cr_expect(strstr(t, "\nOnCalendar=*-*-* *:*:00\n") != NULL, "the timer is not once a minute");
	cr_expect(strstr(t, "\nUnit=mcon-record.service\n") != NULL);
	cr_expect(strstr(t, "\nWantedBy=timers.target\n") != NULL);
	free(s);
	free(t);
}

/* The console's first screen: what laststate keeps of a run reads back as the same
 * results and the containers and domains the panes draw. */
Test(record, first_screen_reads_back)
{
	struct config cfg;
	tsnap_config(&cfg, NULL);
	struct snapshot *s = tsnap_healthy();
	tsnap_set(&tsnap_container(s, "postfix-mailcow")->state, "exited");
	struct check_run run;
	checks_run(s, &cfg, NULL, &run);
	char *text = laststate_encode(s, run.results, run.n);
	struct snapshot *back;
	struct check_result *r;
	size_t n;
	char *err = NULL;
	cr_assert_eq(laststate_decode(text, &cfg, &back, &r, &n, &err), 0, "%s", err ? err : "");
	cr_assert_eq(n, run.n);
	for (size_t i = 0; i < n; i++) {
		cr_expect_str_eq(r[i].check, run.results[i].check);
		cr_expect_str_eq(r[i].target, run.results[i].target);
		cr_expect_eq(r[i].status, run.results[i].status);
		cr_expect_str_eq(r[i].summary, run.results[i].summary);
	}
	cr_assert_eq(back->docker.n_containers, s->docker.n_containers);
	const struct container *pf = snapshot_container(back, "postfix-mailcow");
	cr_assert(pf);
	cr_expect_str_eq(pf->state, "exited");
	cr_assert_eq(back->n_domains, s->n_domains);
	for (size_t i = 0; i < s->n_domains; i++) {
		cr_expect_str_eq(back->domains[i].name, s->domains[i].name);
		cr_expect_eq(back->domains[i].dns.n_dkim, cfg.dkim_selectors.n);
	}
	cr_expect_eq(back->finished_at, s->finished_at);
	cr_expect_str_eq(back->site ? back->site : "(none)", s->site ? s->site : "(none)");
	for (size_t i = 0; i < n; i++) {
		free(r[i].target);
		free(r[i].summary);
		free(r[i].hint);
	}
	free(r);
	snapshot_free(back);
	/* a text of another version or no JSON at all is refused with a reason */
	cr_expect_eq(laststate_decode("{\"version\":99}", &cfg, &back, &r, &n, &err), -1);
	cr_expect(err && *err);
	free(err);
	err = NULL;
	cr_expect_eq(laststate_decode("not json", &cfg, &back, &r, &n, &err), -1);
	free(err);
	free(text);
	check_run_free(&run);
	tsnap_free(s);
	config_free(&cfg);
}
