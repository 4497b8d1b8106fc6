/* ini: a small reader of INI text of any line length (up to INI_LINE_MAX), shared by the
 * configuration and the onboarding steps. */
#ifndef MCON_INI_H
#define MCON_INI_H

#include <stdbool.h>

#define INI_LINE_MAX (64 * 1024)

/* One event: a section header (name and value NULL), a "name = value" line, or an indented
 * line after a key of the same section (continuation true, name the previous key, value the
 * trimmed line). Values are trimmed and lose an inline comment (" ;" to the end). */
struct ini_line {
	const char *section, *name, *value;
	int line;
	bool continuation;
};

/* Returns 0 to stop the reading. */
typedef int (*ini_fn)(void *user, const struct ini_line *l);

enum ini_result { INI_OK, INI_SYNTAX, INI_TOO_LONG, INI_STOPPED };

/* Reads text, calling fn for every event. On anything but INI_OK, *line is the line. */
enum ini_result ini_read(const char *text, ini_fn fn, void *user, int *line);

#endif
