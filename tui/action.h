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

/* _(ID, group, help, keys...) */
#define ACTION_INFO(_) \
	_(DOWN,      "Move",      "move down",                              'j', KEY_DOWN) \
	_(UP,        "Move",      "move up",                                'k', KEY_UP) \
	_(PAGE_DOWN, "Move",      "page down",                              KEY_NPAGE, KEY_CTRL('f')) \
	_(PAGE_UP,   "Move",      "page up",                                KEY_PPAGE, KEY_CTRL('b')) \
	_(FIRST,     "Move",      "first row",                              'g', KEY_HOME) \
	_(LAST,      "Move",      "last row",                               'G', KEY_END) \
	_(LEFT,      "Move",      "scroll details left",                    'h', KEY_LEFT) \
	_(RIGHT,     "Move",      "scroll details right",                   'l', KEY_RIGHT) \
	_(PANE1,     "Panes",     "domains: a status cell per check family", '1') \
	_(PANE2,     "Panes",     "containers: state, health, networks",    '2') \
	_(PANE3,     "Panes",     "DKIM: every domain and selector",        '3') \
	_(PANE4,     "Panes",     "pending: the shared checklist",          '4') \
	_(PANE5,     "Panes",     "checks: every non-OK result first",      '5') \
	_(PANE6,     "Panes",     "history: what changed",                  '6') \
	_(NEXT_PANE, "Panes",     "next pane",                              KEY_TAB) \
	_(PREV_PANE, "Panes",     "previous pane",                          KEY_BTAB) \
	_(ENTER,     "View",      "open details (Esc or q closes them)",    '\n', '\r', KEY_ENTER) \
	_(FILTER,    "View",      "filter this pane (Esc clears)",          '/') \
	_(REFRESH,   "View",      "refresh now",                            'r') \
	_(REDRAW,    "View",      "redraw the screen",                      KEY_CTRL('l')) \
	_(HELP,      "View",      "this help",                              '?') \
	_(BACK,      "View",      "close details, help or filter",          KEY_ESC) \
	_(QUIT,      "View",      "quit (closes details first)",            'q') \
	_(TICK,      "Checklist", "tick or untick the item, with an optional note", ' ') \
	_(UNDO,      "Checklist", "undo the last tick",                     'u') \
	_(ADD,       "Checklist", "add an item",                            'a') \
	_(NOTE,      "Checklist", "add a note to the item",                 'n') \
	_(ONBOARD,   "MailCow",   "onboard a new domain (asks before changing MailCow)", 'o') \
	_(FIX,       "MailCow",   "fix the finding or the domain's worst one: the plan; f again asks y/N", 'f')

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
	const char *help;
	int keys[4];    /* 0-terminated */
};

/* The table, ACT__COUNT - 1 entries in display order (borrowed, static). */
const struct action_info *action_table(size_t *n);
/* The action bound to a key, or ACT_NONE. */
enum action action_for_key(int key);
/* The key's name as the help shows it ("j", "Down", "PgDn", "Ctrl-L", "Space"). */
void action_key_name(int key, char out[16]);
/* "j/Down" for an action (out at least 48 bytes). */
void action_keys_text(enum action a, char *out, size_t len);

#endif
