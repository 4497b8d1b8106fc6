/* action: every key the console answers to, in ONE table with its group and help text.
 * The table generates the action enum, the key lookup and the `?` help screen, so the
 * help can never drift from the bindings. */
#ifndef MCON_TUI_ACTION_H
#define MCON_TUI_ACTION_H

#include <curses.h>
#include "core/util.h"

#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27
#define KEY_TAB '\t'

/* _(ID, group, word, help, keys...): the word names the action in the status line's hints.
 * PANE stands for every pane of the registry: its keys and help lines come from each pane's
 * ops (tui/pane.h), in the registry's order. */
#define ACTION_INFO(_) \
	_(DOWN,      "Move",      NULL,      "move down",                              'j', KEY_DOWN) \
	_(UP,        "Move",      NULL,      "move up",                                'k', KEY_UP) \
	_(PAGE_DOWN, "Move",      NULL,      "page down",                              KEY_NPAGE, KEY_CTRL('f')) \
	_(PAGE_UP,   "Move",      NULL,      "page up",                                KEY_PPAGE, KEY_CTRL('b')) \
	_(FIRST,     "Move",      NULL,      "first row",                              'g', KEY_HOME) \
	_(LAST,      "Move",      NULL,      "last row",                               'G', KEY_END) \
	_(LEFT,      "Move",      NULL,      "scroll details left",                    'h', KEY_LEFT) \
	_(RIGHT,     "Move",      NULL,      "scroll details right",                   'l', KEY_RIGHT) \
	_(PANE,      "Panes",     "panes",   "switch to a pane",                       0) \
	_(NEXT_PANE, "Panes",     NULL,      "next pane",                              KEY_TAB) \
	_(PREV_PANE, "Panes",     NULL,      "previous pane",                          KEY_BTAB) \
	_(ENTER,     "View",      "details", "open details (Esc or q closes them)",    '\n', '\r', KEY_ENTER) \
	_(FILTER,    "View",      "filter",  "filter this pane (Esc clears)",          '/') \
	_(REFRESH,   "View",      "refresh", "refresh now",                            'r') \
	_(REDRAW,    "View",      NULL,      "redraw the screen",                      KEY_CTRL('l')) \
	_(HELP,      "View",      "help",    "this help",                              '?') \
	_(BACK,      "View",      NULL,      "close details, help or filter",          KEY_ESC) \
	_(QUIT,      "View",      "quit",    "quit (closes details first)",            'q') \
	_(TICK,      "Checklist", "tick",    "tick or untick the item, with an optional note", ' ') \
	_(UNDO,      "Checklist", "undo",    "undo the last tick",                     'u') \
	_(ADD,       "Checklist", "add",     "add an item",                            'a') \
	_(NOTE,      "Checklist", "note",    "add a note to the item",                 'n') \
	_(ONBOARD,   "MailCow",   NULL,      "onboard a new domain (asks before changing MailCow)", 'o') \
	_(FIX,       "MailCow",   "fix",     "fix the finding or the domain's worst one: the plan, then y/N", 'f') \
	_(QFLUSH,    "Queue",     "flush",   "flush the mail queue: deliver every message now (y/N)", 'x') \
	_(QHOLD,     "Queue",     "hold",    "hold the marked messages or the cursor's; release held ones (y/N)", 'H') \
	_(QDELETE,   "Queue",     "delete",  "delete the marked messages (or the one under the cursor) (y/N)", 'D') \
	_(QMARK,     "Queue",     "mark",    "mark or unmark the message for hold or delete", 'm') \
	_(RESTART,   "Containers", "restart", "restart the service's container (y/N)", 'R') \
	_(FOLLOW,    "Containers", "follow",  "follow the service's log live in the details (Esc stops)", 'F')

enum action {
	ACT_NONE = 0,
#define ACTION_ENUM(id, ...) ACT_##id,
	ACTION_INFO(ACTION_ENUM)
#undef ACTION_ENUM
	ACT__COUNT
};

struct action_info {
	enum action id;
	const char *group;
	const char *word;       /* in the status line's hints; NULL = not hinted */
	const char *help;
	int keys[4];    /* 0-terminated */
};

/* The table, ACT__COUNT - 1 entries in display order (borrowed, static). */
const struct action_info *action_table(size_t *n);
/* The action bound to a key, or ACT_NONE. */
enum action action_for_key(int key);
/* The key's name as the help shows it ("j", "Down", "PgDn", "Ctrl-L", "Space"). */
void action_key_name(int key, char out[16]);
/* The action's row (borrowed, static). */
const struct action_info *action_info(enum action a);
/* "j/Down" for an action (out at least 48 bytes). */
void action_keys_text(enum action a, char *out, size_t len);

/* The PANE row stands for every pane of the registry: the i-th pane's key and help line,
 * false past the last (for help and man page writers that do not include curses). */
bool action_pane_at(size_t i, int *key, const char **help);

#endif
