/* tasks_render: the table, text and JSON forms of the checklist for `mcon tasks`. */
#ifndef MCON_TASKS_RENDER_H
#define MCON_TASKS_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include "db/db.h"
#include "db/db_record.h"

/* Text that came from a database file is still kept off the terminal's control sequences. */
void tasks_put_clean(FILE *out, const char *s);
/* "2026-01-02 03:04 UTC" */
void tasks_when(time_t t, char out[32]);
/* `mcon tasks list`: the table with the last state of each item's linked checks, or a JSON
 * array. EXIT_OK, or EXIT_FAIL when the JSON cannot be encoded. */
int tasks_print_list(const struct db_items *items, const struct db_check_states *cs, bool json);
/* `mcon tasks show`: an item with its journal, as text or JSON. EXIT_OK or EXIT_FAIL. */
int tasks_print_item(const struct db_item *it, const struct db_events *ev, bool json);

#endif
