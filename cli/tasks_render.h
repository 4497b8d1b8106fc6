/* tasks_render: the table, text and JSON forms of the checklist for `mcon tasks`. */
#ifndef MCON_TASKS_RENDER_H
#define MCON_TASKS_RENDER_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>
#include "db/db.h"
#include "db/db_record.h"

/* Text that came from a database file is still kept off the terminal's control sequences. */
void put_clean(FILE *out, const char *s);
/* "2026-01-02 03:04 UTC" */
void when(time_t t, char out[32]);
/* "user (from)" or "user"; allocated. */
char *by_text(const char *user, const char *from);
/* The table of `mcon tasks list`, with the last state of each item's linked checks. */
void print_table(const struct db_items *items, const struct db_check_states *cs);
/* RFC 3339 or null. */
json_t *json_time(time_t t);
/* A sanitised JSON string, or null for NULL. */
json_t *json_str(const char *s);
json_t *item_json(const struct db_item *it);
/* {"state": "green"|"not green"|"no record", "failing": [...]} or null without links. */
json_t *checks_json(const struct db_check_states *cs, const struct db_item *it);
/* Prints j indented and frees it; EXIT_OK, or EXIT_FAIL when it cannot be encoded. */
int print_json(json_t *j);

#endif
