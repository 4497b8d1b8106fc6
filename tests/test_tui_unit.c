/* Pure parts of the console: the action table (one action per key, help for each) and the pane
 * registry (a key and a help line per pane), DKIM key
 * sizes and tags, TXT splitting, Docker events laid over a snapshot, result folding. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "tests/support/tui_fake.h"
#include "tui/action.h"
#include "tui/model.h"
#include "tui/pane.h"
#include "tui/records.h"

Test(tui_unit, every_key_is_bound_once_and_has_help)
{
	size_t n;
	const struct action_info *t = action_table(&n);
	cr_assert_eq(n, ACT__COUNT - 1);
	for (size_t i = 0; i < n; i++) {
		cr_expect(t[i].help && *t[i].help);
		/* the pane keys are the panes' own (below) */
		cr_expect(t[i].keys[0] != 0 || t[i].id == ACT_PANE, "action %zu has no key", i);
		for (const int *k = t[i].keys; *k; k++)
			cr_expect_eq(action_for_key(*k), t[i].id, "key %d is bound to two actions", *k);
	}
	/* the contract's keys */
	cr_expect_eq(action_for_key('j'), ACT_DOWN);
	cr_expect_eq(action_for_key('q'), ACT_QUIT);
	cr_expect_eq(action_for_key(' '), ACT_TICK);
	cr_expect_eq(action_for_key('u'), ACT_UNDO);
	cr_expect_eq(action_for_key('o'), ACT_ONBOARD);
	cr_expect_eq(action_for_key('?'), ACT_HELP);
	cr_expect_eq(action_for_key('/'), ACT_FILTER);
	cr_expect_eq(action_for_key('r'), ACT_REFRESH);
	cr_expect_eq(action_for_key('x'), ACT_QFLUSH);
	cr_expect_eq(action_for_key('R'), ACT_RESTART);
	cr_expect_eq(action_for_key('F'), ACT_FOLLOW);
	/* every pane has its own key, bound to no action, and a help line; the contract's order */
	static const char *const panes[] = {"domains", "containers", "dkim", "pending", "checks", "history", "queue"};
	cr_assert_eq(PANE__COUNT, ARRAY_SIZE(panes));
	for (int i = 0; i < PANE__COUNT; i++) {
		const struct pane_ops *o = pane_registry[i];
		cr_expect_str_eq(o->name, panes[i]);
		cr_expect_eq(o->key, '1' + i, "pane %s", o->name);
		cr_expect_eq(action_for_key(o->key), ACT_NONE, "pane %s's key is an action's too", o->name);
		cr_expect_eq(pane_for_key(o->key), i);
		cr_expect(o->help && strncasecmp(o->help, o->name, strlen(o->name)) == 0, "pane %s: help", o->name);
		cr_expect(o->n_columns > 0 && o->n_columns <= PANE_MAX_COLUMNS);
		cr_expect(o->columns[o->n_columns - 1].flags & COL_REST, "pane %s: its last column runs on", o->name);
	}
	cr_expect_eq(pane_for_action(ACT_TICK), 3);
	cr_expect_eq(pane_for_action(ACT_HELP), -1);
	char k[48];
	action_keys_text(ACT_ENTER, k, sizeof(k));
	cr_expect_str_eq(k, "Enter");
	action_keys_text(ACT_REDRAW, k, sizeof(k));
	cr_expect_str_eq(k, "Ctrl-L");
}

Test(tui_unit, dkim_key_bits_and_tags)
{
	cr_expect_eq(records_key_bits(tui_fake_key2048), 2048);
	cr_expect_eq(records_key_bits(tui_fake_key1024), 1024);
	cr_expect_eq(records_key_bits("not base64 at all"), 0);
	cr_expect_eq(records_key_bits(""), 0);
	char *p = records_tag("v=DKIM1; k=rsa; p=MIIB IjAN\n Bgkq", "p");
	cr_expect_str_eq(p, "MIIBIjANBgkq");
	free(p);
	cr_expect_null(records_tag("v=DKIM1; k=rsa", "p"));
	p = records_tag("v=DMARC1;p=none;rua=mailto:x@y", "p");
	cr_expect_str_eq(p, "none");
	free(p);
}

Test(tui_unit, txt_lines_split_at_255)
{
	struct textview tv;
	tv_init(&tv, "t", "k");
	char val[600];
	memset(val, 'a', 599);
	val[599] = '\0';
	records_txt_lines(&tv, "", "x._domainkey.example.com", val, 255);
	cr_assert_eq(tv.lines.n, 4);
	cr_expect_str_eq(tv.lines.v[0], "x._domainkey.example.com. 3600 IN TXT (");
	/* "    \"" + 255 + "\"" */
	cr_expect_eq(strlen(tv.lines.v[1]), 4 + 1 + 255 + 1);
	cr_expect_eq(strlen(tv.lines.v[3]), 4 + 1 + 89 + 1 + 2);
	cr_expect(str_ends_with(tv.lines.v[3], "\" )"));
	tv_free(&tv);
	tv_init(&tv, "t", "k");
	records_txt_lines(&tv, "  ", "_dmarc.example.com", "v=DMARC1; p=reject", 255);
	cr_assert_eq(tv.lines.n, 1);
	cr_expect_str_eq(tv.lines.v[0], "  _dmarc.example.com. 3600 IN TXT \"v=DMARC1; p=reject\"");
	tv_free(&tv);
}

static const struct container *snapshot_container_find_for_test(const struct snapshot *s, const char *service)
{
	for (size_t i = 0; i < s->docker.n_containers; i++)
		if (strcmp(s->docker.containers[i].service, service) == 0)
			return &s->docker.containers[i];
	return NULL;
}

Test(tui_unit, events_over_the_snapshot)
{
	struct tui_fake *f = tui_fake_new(0, -1);
	const struct config *cfg = tui_fake_config(f);
	struct tui_model m = {.cfg = cfg};
	m.snap = tui_fake_snapshot(cfg, 0);
	tui_fake_results(cfg, m.snap, &m.results, &m.n_results);
	model_index(&m);
	cr_expect_eq(model_domain_status(&m, "florosafd.org", FAM_MAILCOW), STATUS_CRITICAL);
	cr_expect_eq(model_domain_status(&m, "florosafd.org", FAM_MX), STATUS_OK);
	cr_expect_eq(model_domain_status(&m, "nucking-futz.com", FAM_DKIM), STATUS_CRITICAL);
	cr_expect_eq(model_domain_status(&m, "nucking-futz.com", FAM_NONE), STATUS_CRITICAL);
	cr_expect_eq(model_domain_status(&m, "no-such.example", FAM_NONE), STATUS_NONE);
	cr_expect_eq(model_check_status(&m, "dmarc.record", "pncfishandmore.com"), STATUS_WARNING);
	cr_expect_eq(model_worst(&m), STATUS_CRITICAL);

	const struct container *c = snapshot_container_find_for_test(m.snap, "clamd-mailcow");
	cr_assert(c);
	struct tui_event ev = {.type = (char *)"container", .action = (char *)"health_status: unhealthy",
			       .id = c->id, .time = m.snap->started_at + 1};
	/* the service comes from the snapshot when the event has none */
	cr_expect(model_apply_event(&m, &ev));
	struct container v;
	bool gone;
	model_container_view(&m, c, &v, &gone);
	cr_expect_eq(v.health, HEALTH_UNHEALTHY);
	cr_expect_str_eq(v.state, "running");
	ev.action = (char *)"restart";
	cr_expect(model_apply_event(&m, &ev));
	model_container_view(&m, c, &v, &gone);
	cr_expect_eq(v.restart_count, c->restart_count + 1);
	ev.action = (char *)"exec_start: sh";
	cr_expect(!model_apply_event(&m, &ev));
	/* a newer snapshot supersedes what events said */
	m.snap->started_at += 10;
	model_prune_live(&m);
	cr_expect_eq(m.n_live, 0);
	tui_fake_snapshot_free(m.snap);
	m.snap = NULL;
	struct tui_backend *be = tui_fake_backend(f);
	model_free(&m, be);
	tui_fake_free(f);
}
