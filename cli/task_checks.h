/* task_checks: whether the checks a checklist item links to were green in the last record. */
#ifndef MCON_TASK_CHECKS_H
#define MCON_TASK_CHECKS_H

#include "core/util.h"
#include "db/db.h"

enum task_checks_state {
	TASK_CHECKS_NONE,        /* the item links no check */
	TASK_CHECKS_GREEN,       /* every result of every linked check was ok at the last record */
	TASK_CHECKS_FAILING,     /* some result was not ok */
	TASK_CHECKS_UNRECORDED   /* a linked check has no recorded result yet */
};

struct task_checks {
	enum task_checks_state state;
	size_t total, failing;
	struct strv failing_list;   /* "dkim.selector example.com/mxroute critical" */
};

void task_checks_eval(const struct db_check_states *states, const struct strv *links, struct task_checks *out);
const char *task_checks_word(const struct task_checks *t);   /* "green", "not green", "no record", "-" */
void task_checks_free(struct task_checks *t);

#endif
