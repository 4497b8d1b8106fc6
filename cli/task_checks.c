/* task_checks: the checklist meets the checks: whether the checks an item links to were
 * green in the last record (the check_state the database keeps per check and target). */
#include "cli/task_checks.h"

#include <stdlib.h>
#include <string.h>

void task_checks_eval(const struct db_check_states *states, const struct strv *links, struct task_checks *out)
{
	memset(out, 0, sizeof(*out));
	if (!links->n) {
		out->state = TASK_CHECKS_NONE;
		return;
	}
	size_t seen = 0;
	for (size_t l = 0; l < links->n; l++) {
		bool any = false;
		for (size_t i = 0; i < states->n; i++) {
			const struct db_check_state *s = &states->v[i];
			if (strcmp(s->check, links->v[l]) != 0)
				continue;
			any = true;
			out->total++;
			if (strcmp(s->status, "ok") != 0) {
				out->failing++;
				strv_push_owned(&out->failing_list,
						xasprintf("%s %s %s", s->check, s->target, s->status));
			}
		}
		seen += any;
	}
	if (out->failing)
		out->state = TASK_CHECKS_FAILING;
	else if (seen < links->n)
		out->state = TASK_CHECKS_UNRECORDED;
	else
		out->state = TASK_CHECKS_GREEN;
}

const char *task_checks_word(const struct task_checks *t)
{
	switch (t->state) {
	case TASK_CHECKS_NONE: return "-";
	case TASK_CHECKS_GREEN: return "green";
	case TASK_CHECKS_FAILING: return "not green";
	case TASK_CHECKS_UNRECORDED: return "no record";
	}
	return "-";
}

void task_checks_free(struct task_checks *t)
{
	strv_free(&t->failing_list);
}
