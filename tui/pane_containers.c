/* pane_containers: the stack's containers (and expected services that are missing) with
 * state, health, restarts, uptime and networks; Docker events update rows between
 * refreshes. A service on the overlay network that may not be there stands out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/console.h"
#include "tui/writes.h"

struct crow {
	const struct container *c;  /* NULL: an expected service that does not exist */
	const char *service;
};

struct containers {
	struct crow *rows;
	size_t n;
};

static int crow_cmp(const void *a, const void *b)
{
	const struct crow *x = a, *y = b;
	return strcmp(x->service ? x->service : "", y->service ? y->service : "");
}

static const char *service_of(const struct container *c)
{
	return c->service ? c->service : c->name ? c->name : c->id;
}

/* Networks as events left them: the snapshot's, plus connects, minus disconnects. */
static void nets_of(const struct tui_model *m, const struct container *c, struct strv *out)
{
	const struct ctr_live *l = model_live_for(m, c->id, c->service);
	for (size_t i = 0; i < c->n_nets; i++)
		if (!l || !strv_contains(&l->nets_del, c->nets[i].network))
			strv_push(out, c->nets[i].network);
	if (l)
		for (size_t i = 0; i < l->nets_add.n; i++)
			if (!strv_contains(out, l->nets_add.v[i]))
				strv_push(out, l->nets_add.v[i]);
}

static bool overlay_violation(const struct tui_model *m, const struct container *c, bool *missing)
{
	const struct config *cfg = m->cfg;
	*missing = false;
	if (!cfg->overlay_network || !*cfg->overlay_network)
		return false;
	struct strv nets = {0};
	nets_of(m, c, &nets);
	bool on = strv_contains(&nets, cfg->overlay_network);
	strv_free(&nets);
	bool allowed = strv_contains(&cfg->overlay_allowed, service_of(c));
	*missing = allowed && !on;
	return on && !allowed;
}

static enum status row_status(const struct tui_model *m, const struct crow *r)
{
	/* what events said since the refresh supersedes the refresh's verdict on the same thing */
	const struct ctr_live *l = r->c ? model_live_for(m, r->c->id, r->c->service) : NULL;
	enum status s = STATUS_NONE;
	for (size_t i = 0; i < m->n_results; i++) {
		const struct check_result *res = &m->results[i];
		if (!res->target || strcmp(res->target, r->service) != 0)
			continue;
		if (!str_starts_with(res->check, "containers.") && strcmp(res->check, "overlay.attachment") != 0)
			continue;
		if (l && l->health_set && strcmp(res->check, "containers.health") == 0)
			continue;
		if (l && l->state && strcmp(res->check, "containers.running") == 0)
			continue;
		s = status_worse(s, res->status);
	}
	if (!r->c)
		return STATUS_CRITICAL;
	/* the state itself always counts, so the cell is right between two check runs */
	struct container v;
	bool gone;
	model_container_view(m, r->c, &v, &gone);
	if (gone || (v.state && strcmp(v.state, "running") != 0) || v.health == HEALTH_UNHEALTHY)
		s = status_worse(s, STATUS_CRITICAL);
	else if (v.health == HEALTH_STARTING || (l && l->restarts))
		s = status_worse(s, STATUS_WARNING);
	else
		s = status_worse(s, STATUS_OK);
	bool missing;
	if (overlay_violation(m, r->c, &missing))
		s = status_worse(s, STATUS_CRITICAL);
	return s;
}

static void containers_ingest(struct pane *p, const struct tui_model *m)
{
	struct containers *cp = p->priv;
	free(cp->rows);
	cp->rows = NULL;
	cp->n = 0;
	if (!m->snap)
		return;
	const struct docker_state *ds = &m->snap->docker;
	size_t cap = ds->n_containers + m->cfg->docker_expected.n;
	cp->rows = cap ? xcalloc(cap, sizeof(*cp->rows)) : NULL;
	for (size_t i = 0; i < ds->n_containers; i++)
		cp->rows[cp->n++] = (struct crow){&ds->containers[i], service_of(&ds->containers[i])};
	/* Expected services are only "missing" when Docker answered. */
	if (!ds->err.failed)
		for (size_t i = 0; i < m->cfg->docker_expected.n; i++) {
			const char *svc = m->cfg->docker_expected.v[i];
			bool found = false;
			for (size_t k = 0; k < ds->n_containers && !found; k++)
				found = strcmp(service_of(&ds->containers[k]), svc) == 0;
			if (!found)
				cp->rows[cp->n++] = (struct crow){NULL, svc};
		}
	if (cp->n > 1)
		qsort(cp->rows, cp->n, sizeof(*cp->rows), crow_cmp);
	for (size_t i = 0; i < cp->n; i++) {
		const struct crow *r = &cp->rows[i];
		struct buf b = {0};
		buf_printf(&b, "%s %s", r->service, status_word(row_status(m, r)));
		if (r->c) {
			struct container v;
			bool gone;
			model_container_view(m, r->c, &v, &gone);
			buf_printf(&b, " %s %s %s", v.state ? v.state : "", health_name(v.health),
				   r->c->name ? r->c->name : "");
			for (size_t k = 0; k < r->c->n_nets; k++)
				buf_printf(&b, " %s", r->c->nets[k].network);
		} else {
			buf_puts(&b, " missing");
		}
		pane_row_add(p, r->service, buf_cstr(&b));
		buf_free(&b);
	}
}

static void containers_draw_row(struct pane *p, struct drawctx *dc, size_t row)
{
	const struct tui_model *m = p->model;
	const struct crow *r = &((struct containers *)p->priv)->rows[row];
	enum status st = row_status(m, r);
	dc_status(dc, st);
	dc_text(dc, r->service, ST_NORMAL);
	if (!r->c) {
		dc_text(dc, "MISSING", ST_CRIT);
		dc_rest(dc, "expected (docker.expected) but no container exists", ST_DIM);
		return;
	}
	struct container v;
	bool gone, missing;
	model_container_view(m, r->c, &v, &gone);
	bool running = v.state && strcmp(v.state, "running") == 0;
	dc_text(dc, v.state ? v.state : "?", running ? ST_NORMAL : ST_CRIT);
	dc_text(dc, v.health == HEALTH_NONE ? "-" : health_name(v.health),
		v.health == HEALTH_UNHEALTHY ? ST_CRIT : v.health == HEALTH_STARTING ? ST_WARN : ST_NORMAL);
	char rst[16], up[32] = "-";
	snprintf(rst, sizeof(rst), "%ld", v.restart_count);
	dc_text(dc, rst, v.restart_count ? ST_WARN : ST_NORMAL);
	if (running && v.started_at > 0) {
		long secs = (long)(mcon_now() - v.started_at);
		duration_format(secs < 0 ? 0 : secs, up);
	}
	dc_text(dc, up, ST_NORMAL);
	struct strv nets = {0};
	nets_of(m, r->c, &nets);
	for (size_t i = 1; i < nets.n; i++)
		if (m->cfg->overlay_network && strcmp(nets.v[i], m->cfg->overlay_network) == 0) {
			char *t = nets.v[0];
			nets.v[0] = nets.v[i];
			nets.v[i] = t;
		}
	bool bad = overlay_violation(m, r->c, &missing);
	struct buf b = {0};
	if (bad)
		buf_printf(&b, "%s %s FORBIDDEN", dc->d->ascii ? "x" : "\xe2\x9c\x97", m->cfg->overlay_network);
	if (missing)
		buf_printf(&b, "! %s MISSING", m->cfg->overlay_network);
	/* a forbidden attachment says only that (the details list every network); an allowed
	 * overlay attachment comes first, the project network after it */
	for (size_t i = 0, k = bad || missing; i < nets.n && !bad; i++) {
		const char *n = nets.v[i];
		/* the project prefix says nothing on this screen */
		const char *proj = m->cfg->docker_project;
		size_t pl = proj ? strlen(proj) : 0;
		if (pl && strncmp(n, proj, pl) == 0 && n[pl] == '_')
			n += pl + 1;
		buf_printf(&b, "%s%s", k++ ? "," : "", n);
	}
	dc_text(dc, buf_cstr(&b), bad ? ST_ALERT : missing ? ST_WARN : ST_NORMAL);
	buf_free(&b);
	strv_free(&nets);
}

static void containers_footer(struct pane *p, size_t row, struct buf *out)
{
	const struct tui_model *m = p->model;
	const struct crow *r = &((struct containers *)p->priv)->rows[row];
	const struct check_result *w = NULL;
	for (size_t i = 0; i < m->n_results; i++) {
		const struct check_result *res = &m->results[i];
		if (res->target && strcmp(res->target, r->service) == 0 && status_bad(res->status) &&
		    (!w || status_rank(res->status) > status_rank(w->status)))
			w = res;
	}
	if (w)
		buf_printf(out, " %s %s: %s", status_word(w->status), w->check, w->hint ? w->hint : w->summary);
	else if (r->c && r->c->status_text)
		buf_printf(out, " %s: %s", r->service, r->c->status_text);
}

static void containers_details(struct pane *p, size_t row, struct textview *tv, struct console *c)
{
	const struct tui_model *m = p->model;
	const struct crow *r = &((struct containers *)p->priv)->rows[row];
	free(tv->title);
	tv->title = xasprintf("Container %s", r->service);
	if (!r->c) {
		tv_add(tv, "No container exists for the expected service %s.", r->service);
		tv_add(tv, "Start it: cd %s && docker compose up -d %s", m->cfg->mailcow_dir, r->service);
		return;
	}
	struct container v;
	bool gone, missing;
	model_container_view(m, r->c, &v, &gone);
	char t1[32] = "-", t2[32] = "-";
	if (v.started_at > 0)
		time_rfc3339(v.started_at, t1);
	if (v.finished_at > 0)
		time_rfc3339(v.finished_at, t2);
	tv_add(tv, "name      %s", v.name ? v.name : "?");
	tv_add(tv, "id        %.12s", v.id ? v.id : "?");
	tv_add(tv, "image     %s", v.image ? v.image : "?");
	tv_add(tv, "state     %s%s (%s), exit code %d", v.state ? v.state : "?",
	       model_live_for(m, v.id, v.service) ? " (from a Docker event)" : "",
	       v.status_text ? v.status_text : "", v.exit_code);
	tv_add(tv, "started   %s   finished %s", t1, t2);
	tv_add(tv, "restarts  %ld", v.restart_count);
	tv_add(tv, "health    %s, failing streak %d", health_name(v.health), v.failing_streak);
	if (v.health_output && *v.health_output) {
		tv_add(tv, "health log (last probe):");
		struct textview tmp;
		tv_init(&tmp, "", "");
		tv_add_text(&tmp, v.health_output);
		for (size_t i = 0; i < tmp.lines.n; i++)
			tv_add(tv, "  %s", tmp.lines.v[i]);
		tv_free(&tmp);
	}
	tv_add(tv, "networks");
	for (size_t i = 0; i < v.n_nets; i++) {
		const struct net_attach *n = &v.nets[i];
		char *al = strv_join(&n->aliases, ",");
		tv_add(tv, "  %-34s %-15s %s%s%s", n->network, n->ip ? n->ip : "-", n->driver ? n->driver : "",
		       *al ? " aliases " : "", al);
		free(al);
	}
	if (overlay_violation(m, r->c, &missing))
		tv_add(tv, "  !! %s may not be on %s (overlay.allowed = %s)", r->service, m->cfg->overlay_network,
		       m->cfg->overlay_allowed.n ? m->cfg->overlay_allowed.v[0] : "");
	for (size_t i = 0; i < m->n_results; i++) {
		const struct check_result *res = &m->results[i];
		if (!res->target || strcmp(res->target, r->service) != 0)
			continue;
		tv_add(tv, "%-4s %s: %s", status_word(res->status), res->check, res->summary ? res->summary : "");
		if (res->status != STATUS_OK && res->hint)
			tv_add(tv, "     what to do: %s", res->hint);
	}
	if (strcmp(r->service, "postfix-mailcow") == 0 && m->snap->mailcow.queue_total >= 0)
		tv_add(tv, "mail queue: %ld deferred, %ld active, %ld on hold: the queue pane (7) lists each message",
		       m->snap->mailcow.queue_deferred, m->snap->mailcow.queue_active, m->snap->mailcow.queue_hold);
	tv_blank(tv);
	tv_add(tv, "R restarts the container (y/N); F follows its log live, Esc stops.");
	tv_add(tv, "Last 200 log lines:");
	console_fetch_logs(c, v.id, v.tty, tv->key);
}

/* R restarts the row's container (y/N); F follows its log in the details view. */
static bool containers_action(struct pane *p, struct console *c, enum action a, size_t row, bool has_row)
{
	if (a != ACT_RESTART && a != ACT_FOLLOW)
		return false;
	const struct crow *r = has_row ? &((struct containers *)p->priv)->rows[row] : NULL;
	if (!r || !r->c || !r->c->id) {
		console_message(c, STATUS_NONE, "%s needs a container: select one",
				a == ACT_RESTART ? "restart" : "follow");
		return true;
	}
	if (a == ACT_RESTART) {
		writes_restart(c, r->c->id, r->service);
		return true;
	}
	if (!c->view || strcmp(c->view->key, r->service) != 0) {
		struct textview *tv = xcalloc(1, sizeof(*tv));
		tv_init(tv, p->ops->title, r->service);
		console_open_view(c, tv);
		containers_details(p, row, tv, c);
	}
	writes_follow_start(c, r->c->id, r->c->tty, r->service);
	return true;
}

static const enum action containers_actions[] = {ACT_RESTART, ACT_FOLLOW, ACT_NONE};

static void containers_done(struct pane *p)
{
	struct containers *cp = p->priv;
	free(cp->rows);
}

static const struct pane_column containers_columns[] = {
	{"STATUS", 6, 0}, {"SERVICE", 17, COL_FIT}, {"STATE", 10, COL_FIT}, {"HEALTH", 9, 0}, {"RST", 3, COL_FIT},
	{"UPTIME", 6, COL_FIT}, {"NETWORKS", 23, COL_REST},
};

const struct pane_ops containers_ops = {
	.name = "containers",
	.title = "Containers",
	.key = '2',
	.help = "containers: state, health, networks; restart, follow a log",
	.actions = containers_actions,
	.sources = SRC_SNAPSHOT | SRC_EVENTS,
	.columns = containers_columns,
	.n_columns = ARRAY_SIZE(containers_columns),
	.private_size = sizeof(struct containers),
	.empty = "(no containers: waiting for the first refresh, or Docker is unreachable; see the header)",
	.ingest = containers_ingest,
	.draw_row = containers_draw_row,
	.footer = containers_footer,
	.details = containers_details,
	.on_action = containers_action,
	.done = containers_done,
};
