/* action: the table behind ACTION_INFO and its lookups. */
#include "tui/action.h"

#include <stdio.h>
#include <string.h>

static const struct action_info table[] = {
#define ACTION_ROW(id, group, word, help, ...) {ACT_##id, group, word, help, {__VA_ARGS__, 0}},
	ACTION_INFO(ACTION_ROW)
#undef ACTION_ROW
};

const struct action_info *action_table(size_t *n)
{
	*n = ARRAY_SIZE(table);
	return table;
}

const struct action_info *action_info(enum action a)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].id == a)
			return &table[i];
	return NULL;
}

enum action action_for_key(int key)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		for (const int *k = table[i].keys; *k; k++)
			if (*k == key)
				return table[i].id;
	return ACT_NONE;
}

void action_key_name(int key, char out[16])
{
	static const struct { int key; const char *name; } names[] = {
		{KEY_DOWN, "Down"}, {KEY_UP, "Up"}, {KEY_NPAGE, "PgDn"}, {KEY_PPAGE, "PgUp"},
		{KEY_HOME, "Home"}, {KEY_END, "End"}, {KEY_LEFT, "Left"}, {KEY_RIGHT, "Right"},
		{KEY_BTAB, "Shift-Tab"}, {KEY_TAB, "Tab"},
		{'\n', "Enter"}, {KEY_ESC, "Esc"}, {' ', "Space"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].key == key) {
			snprintf(out, 16, "%s", names[i].name);
			return;
		}
	if (key > 0 && key < 32)
		snprintf(out, 16, "Ctrl-%c", key + 64);
	else if (key >= 32 && key < 127)
		snprintf(out, 16, "%c", key);
	else
		snprintf(out, 16, "key%d", key);
}

void action_keys_text(enum action a, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (table[i].id != a)
			continue;
		size_t used = 0;
		for (const int *k = table[i].keys; *k; k++) {
			/* Enter has three codes; show it once */
			if (*k == '\r' || *k == KEY_ENTER)
				continue;
			char name[16];
			action_key_name(*k, name);
			int w = snprintf(out + used, len - used, "%s%s", used ? "/" : "", name);
			if (w < 0 || (size_t)w >= len - used)
				break;
			used += (size_t)w;
		}
	}
}
