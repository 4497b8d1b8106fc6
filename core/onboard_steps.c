/* onboard_steps: the names of step states and actions, and the steps file (an ini text
 * of [step] sections) read into the list the walkthrough runs. */
#include "core/onboard_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/assets.h"
#include "core/ini.h"

static const char *const state_names[OB_STATE__COUNT] = {
	"todo", "done", "skipped", "pending", "failed", "needs-rw", "declined",
};

static const char *const action_names[OB_ACT__COUNT] = {
	"preflight", "api:add_domain", "api:add_alias_catchall", "api:ensure_dkim",
	"manual:relay", "dns:publish", "api:add_mta_sts", "verify", "api:mta_sts_enforce",
};

const char *onboard_state_name(enum onboard_state s)
{
	return (unsigned)s < OB_STATE__COUNT ? state_names[s] : "?";
}

int onboard_state_parse(const char *s)
{
	for (int i = 0; i < OB_STATE__COUNT; i++)
		if (s && strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

const char *onboard_action_name(enum onboard_action a)
{
	return (unsigned)a < OB_ACT__COUNT ? action_names[a] : "?";
}

/* ---- The steps file ---- */

struct steps_parse {
	struct onboard_steps *out;
	char *err;
	int line;
};

static int steps_ini_line(void *user, const struct ini_line *l)
{
	struct steps_parse *p = user;
	const char *section = l->section, *name = l->name, *value = l->value;
	if (!name)
		return 1;       /* a section header: the step starts with its first key */
	struct onboard_steps *s = p->out;
	if (p->err)
		return 0;
	if (!s->n || strcmp(s->v[s->n - 1].id, section) != 0) {
		for (size_t i = 0; i < s->n; i++)
			if (strcmp(s->v[i].id, section) == 0) {
				p->err = xasprintf("step [%s] appears twice", section);
				return 0;
			}
		s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		memset(&s->v[s->n], 0, sizeof(*s->v));
		s->v[s->n].id = xstrdup(section);
		s->v[s->n].action = OB_ACT__COUNT;
		s->n++;
	}
	struct onboard_step_def *d = &s->v[s->n - 1];
	if (strcmp(name, "letter") == 0) {
		d->letter = value[0];
	} else if (strcmp(name, "title") == 0) {
		free(d->title);
		d->title = xstrdup(value);
	} else if (strcmp(name, "text") == 0) {
		/* each continuation line comes again under the same name */
		if (d->text) {
			char *t = xasprintf("%s\n%s", d->text, value);
			free(d->text);
			d->text = t;
		} else {
			d->text = xstrdup(value);
		}
	} else if (strcmp(name, "action") == 0) {
		for (int i = 0; i < OB_ACT__COUNT; i++)
			if (strcmp(value, action_names[i]) == 0)
				d->action = (enum onboard_action)i;
		if (d->action == OB_ACT__COUNT) {
			p->err = xasprintf("step [%s]: unknown action '%s'", section, value);
			return 0;
		}
	} else if (strcmp(name, "writes") == 0) {
		d->writes = strcmp(value, "yes") == 0;
	} else if (strcmp(name, "verify") == 0) {
		strv_split_list(&d->verify, value);
	} else {
		p->err = xasprintf("step [%s]: unknown key '%s'", section, name);
		return 0;
	}
	return 1;
}

int onboard_steps_load(struct onboard_steps *out, const char *text, char **err)
{
	memset(out, 0, sizeof(*out));
	if (!text) {
		const struct asset *a = asset_find("onboarding.ini");
		if (!a) {
			*err = xstrdup("the onboarding steps (onboarding.ini) are not built in");
			return -1;
		}
		text = a->data;
	}
	struct steps_parse p = {.out = out};
	int line = 0;
	enum ini_result rc = ini_read(text, steps_ini_line, &p, &line);
	if (!p.err && rc != INI_OK)
		p.err = xasprintf("onboarding.ini line %d: not a key = value line", line);
	for (size_t i = 0; !p.err && i < out->n; i++) {
		struct onboard_step_def *d = &out->v[i];
		if (d->action == OB_ACT__COUNT || !d->title || !d->text || !d->letter)
			p.err = xasprintf("step [%s] needs letter, title, action and text", d->id);
	}
	if (!p.err && out->n == 0)
		p.err = xstrdup("onboarding.ini holds no step");
	if (p.err) {
		*err = p.err;
		onboard_steps_free(out);
		return -1;
	}
	return 0;
}

void onboard_steps_free(struct onboard_steps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].title);
		free(s->v[i].text);
		strv_free(&s->v[i].verify);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
