/* model: folding results into statuses, laying Docker events over the snapshot, and
 * freeing the data the backend hands over. */
#include "tui/model.h"

#include <stdlib.h>
#include <string.h>

void tui_results_free(struct check_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].target);
		free(r[i].summary);
		free(r[i].hint);
	}
	free(r);
}

void tui_tasks_free(struct tui_task *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].title);
		free(t[i].done_by);
		strv_free(&t[i].notes);
		strv_free(&t[i].links);
	}
	free(t);
}

void tui_changes_free(struct tui_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].kind);
		free(c[i].target);
		free(c[i].from);
		free(c[i].to);
		free(c[i].detail);
	}
	free(c);
}

void tui_event_free(struct tui_event *ev)
{
	if (!ev)
		return;
	free(ev->type);
	free(ev->action);
	free(ev->id);
	free(ev->service);
	free(ev->name);
	free(ev->network);
	free(ev);
}

struct tui_event *tui_event_dup(const struct tui_event *ev)
{
	struct tui_event *d = xcalloc(1, sizeof(*d));
	d->type = xstrdup(ev->type);
	d->action = xstrdup(ev->action);
	d->id = xstrdup(ev->id);
	d->service = xstrdup(ev->service);
	d->name = xstrdup(ev->name);
	d->network = xstrdup(ev->network);
	d->time = ev->time;
	return d;
}

enum status model_worst(const struct tui_model *m)
{
	enum status w = STATUS_NONE;
	for (size_t i = 0; i < m->n_results; i++)
		w = status_worse(w, m->results[i].status);
	return w;
}

static const struct check_result *sort_results;

static int by_target_cmp(const void *a, const void *b)
{
	const struct check_result *x = &sort_results[*(const size_t *)a], *y = &sort_results[*(const size_t *)b];
	int c = strcmp(x->target ? x->target : "", y->target ? y->target : "");
	return c ? c : strcmp(x->check, y->check);
}

void model_index(struct tui_model *m)
{
	free(m->by_target);
	m->by_target = NULL;
	if (!m->n_results)
		return;
	m->by_target = xmalloc(m->n_results * sizeof(*m->by_target));
	for (size_t i = 0; i < m->n_results; i++)
		m->by_target[i] = i;
	sort_results = m->results; /* UI thread only */
	qsort(m->by_target, m->n_results, sizeof(*m->by_target), by_target_cmp);
}

void model_each_target(const struct tui_model *m, const char *target, bool prefix,
		       void (*fn)(const struct check_result *r, void *ud), void *ud)
{
	if (!m->by_target || !target)
		return;
	size_t n = strlen(target);
	/* the first result whose target is >= target */
	size_t lo = 0, hi = m->n_results;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *t = m->results[m->by_target[mid]].target;
		if (strcmp(t ? t : "", target) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->n_results; i++) {
		const struct check_result *r = &m->results[m->by_target[i]];
		const char *t = r->target ? r->target : "";
		if (prefix ? strncmp(t, target, n) != 0 : strcmp(t, target) != 0)
			break;
		fn(r, ud);
	}
}

struct fold {
	enum status w;
	int family;
	const char *check;
};

static void fold_family(const struct check_result *r, void *ud)
{
	struct fold *f = ud;
	enum family fam = family_of_check(r->check);
	if (fam == FAM_NONE || (f->family != FAM_NONE && fam != f->family))
		return;
	f->w = status_worse(f->w, r->status);
}

enum status model_domain_status(const struct tui_model *m, const char *domain, int family)
{
	struct fold f = {STATUS_NONE, family, NULL};
	model_each_target(m, domain, false, fold_family, &f);
	char *sub = xasprintf("%s/", domain);
	model_each_target(m, sub, true, fold_family, &f);
	free(sub);
	return f.w;
}

static void fold_check(const struct check_result *r, void *ud)
{
	struct fold *f = ud;
	if (strcmp(r->check, f->check) == 0)
		f->w = status_worse(f->w, r->status);
}

enum status model_check_status(const struct tui_model *m, const char *check, const char *target)
{
	if (target) {
		struct fold f = {STATUS_NONE, FAM_NONE, check};
		model_each_target(m, target, false, fold_check, &f);
		return f.w;
	}
	enum status w = STATUS_NONE;
	for (size_t i = 0; i < m->n_results; i++) {
		const struct check_result *r = &m->results[i];
		if (strcmp(r->check, check) != 0)
			continue;
		if (target && (!r->target || strcmp(r->target, target) != 0))
			continue;
		w = status_worse(w, r->status);
	}
	return w;
}

const struct ctr_live *model_live_for(const struct tui_model *m, const char *id, const char *service)
{
	for (size_t i = 0; i < m->n_live; i++) {
		const struct ctr_live *l = &m->live[i];
		if ((id && l->id && strcmp(l->id, id) == 0) ||
		    (service && l->service && strcmp(l->service, service) == 0))
			return l;
	}
	return NULL;
}

void model_container_view(const struct tui_model *m, const struct container *c, struct container *out,
			  bool *gone)
{
	*out = *c;
	*gone = false;
	const struct ctr_live *l = model_live_for(m, c->id, c->service);
	if (!l)
		return;
	if (l->state)
		out->state = l->state;
	if (l->health_set)
		out->health = l->health;
	out->restart_count += l->restarts;
	*gone = l->removed;
}

static struct ctr_live *live_get(struct tui_model *m, const char *id, const char *service)
{
	struct ctr_live *l = (struct ctr_live *)model_live_for(m, id, service);
	if (l)
		return l;
	m->live = xrealloc(m->live, (m->n_live + 1) * sizeof(*m->live));
	l = &m->live[m->n_live++];
	memset(l, 0, sizeof(*l));
	l->id = xstrdup(id);
	l->service = xstrdup(service);
	return l;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

bool model_apply_event(struct tui_model *m, const struct tui_event *ev)
{
	if (!ev->action || !ev->type)
		return false;
	const char *service = ev->service;
	const char *id = ev->id;
	/* Events for containers outside the snapshot's project have no service we show. */
	if (!service && m->snap && id) {
		for (size_t i = 0; i < m->snap->docker.n_containers; i++) {
			const struct container *c = &m->snap->docker.containers[i];
			if (c->id && strcmp(c->id, id) == 0)
				service = c->service;
		}
	}
	if (!service)
		return false;
	const char *a = ev->action;
	/* only the actions that change what the pane shows get an entry */
	static const char *const known[] = {"start", "unpause", "restart", "die", "stop", "kill", "pause",
					    "destroy", "create", "connect", "disconnect"};
	bool relevant = str_starts_with(a, "health_status");
	for (size_t i = 0; i < ARRAY_SIZE(known) && !relevant; i++)
		relevant = strcmp(a, known[i]) == 0;
	if (!relevant)
		return false;
	struct ctr_live *l = live_get(m, id, service);
	l->at = ev->time;
	if (strcmp(ev->type, "network") == 0) {
		if (!ev->network)
			return false;
		if (strcmp(a, "connect") == 0)
			strv_push(&l->nets_add, ev->network);
		else if (strcmp(a, "disconnect") == 0)
			strv_push(&l->nets_del, ev->network);
		else
			return false;
		return true;
	}
	if (str_starts_with(a, "health_status")) {
		const char *h = strchr(a, ':');
		h = h ? h + 1 : "";
		while (*h == ' ')
			h++;
		l->health_set = true;
		l->health = strcmp(h, "healthy") == 0 ? HEALTH_HEALTHY
			  : strcmp(h, "unhealthy") == 0 ? HEALTH_UNHEALTHY
			  : strcmp(h, "starting") == 0 ? HEALTH_STARTING : HEALTH_NONE;
	} else if (strcmp(a, "start") == 0 || strcmp(a, "unpause") == 0) {
		set_str(&l->state, "running");
		l->removed = false;
	} else if (strcmp(a, "restart") == 0) {
		set_str(&l->state, "running");
		l->restarts++;
	} else if (strcmp(a, "die") == 0 || strcmp(a, "stop") == 0 || strcmp(a, "kill") == 0) {
		set_str(&l->state, "exited");
	} else if (strcmp(a, "pause") == 0) {
		set_str(&l->state, "paused");
	} else if (strcmp(a, "destroy") == 0) {
		set_str(&l->state, "removed");
		l->removed = true;
	} else if (strcmp(a, "create") == 0) {
		set_str(&l->state, "created");
		l->removed = false;
	} else {
		return false;
	}
	return true;
}

static void live_free(struct ctr_live *l)
{
	free(l->id);
	free(l->service);
	free(l->state);
	strv_free(&l->nets_add);
	strv_free(&l->nets_del);
}

void model_prune_live(struct tui_model *m)
{
	size_t j = 0;
	for (size_t i = 0; i < m->n_live; i++) {
		if (m->snap && m->live[i].at < m->snap->started_at)
			live_free(&m->live[i]);
		else
			m->live[j++] = m->live[i];
	}
	m->n_live = j;
}

void model_free(struct tui_model *m, struct tui_backend *be)
{
	if (m->snap)
		be->ops->snapshot_free(be, m->snap);
	tui_results_free(m->results, m->n_results);
	free(m->by_target);
	tui_tasks_free(m->tasks, m->n_tasks);
	tui_changes_free(m->changes, m->n_changes);
	for (size_t i = 0; i < m->n_live; i++)
		live_free(&m->live[i]);
	free(m->live);
	free(m->collect_err);
	free(m->tasks_err);
	free(m->history_err);
	memset(m, 0, sizeof(*m));
}
