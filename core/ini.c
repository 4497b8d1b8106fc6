/* ini: the INI reader of ini.h. Lines are read in place from the text, so their length is
 * limited only by INI_LINE_MAX; comments (';' or '#' first on a line) may be any length. */
#include "core/ini.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static bool ini_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* A copy of [s, e) without surrounding blanks and without an inline " ;" comment. */
static char *ini_clean(const char *s, const char *e, bool strip_comment)
{
	if (strip_comment)
		for (const char *p = s; p < e; p++)
			if (*p == ';' && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
				e = p;
				break;
			}
	while (s < e && ini_space(*s))
		s++;
	while (e > s && ini_space(e[-1]))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

enum ini_result ini_read(const char *text, ini_fn fn, void *user, int *line)
{
	enum ini_result rc = INI_OK;
	char *section = xstrdup(""), *prev = NULL, *name = NULL, *value = NULL;
	const char *p = text;
	int lineno = 0;
	if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		p += 3;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *s = p, *begin = p;
		p = nl ? nl + 1 : end;
		*line = ++lineno;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s == end || *s == '\r')
			continue;                       /* blank */
		if (*s == ';' || *s == '#')
			continue;                       /* comment, of any length */
		if ((size_t)(end - begin) > INI_LINE_MAX) {
			rc = INI_TOO_LONG;
			goto out;
		}
		free(name), free(value);
		name = value = NULL;
		struct ini_line l = {.section = section, .line = lineno};
		if (prev && s > begin) {
			value = ini_clean(s, end, true);
			l.name = prev;
			l.value = value;
			l.continuation = true;
		} else if (*s == '[') {
			const char *close = memchr(s, ']', (size_t)(end - s));
			if (!close) {
				rc = INI_SYNTAX;
				goto out;
			}
			free(section);
			section = ini_clean(s + 1, close, false);
			free(prev);
			prev = NULL;
			l.section = section;
		} else {
			const char *eq = s;
			while (eq < end && *eq != '=' && *eq != ':')
				eq++;
			if (eq == end) {
				rc = INI_SYNTAX;
				goto out;
			}
			name = ini_clean(s, eq, false);
			value = ini_clean(eq + 1, end, true);
			free(prev);
			prev = xstrdup(name);
			l.name = name;
			l.value = value;
		}
		if (!fn(user, &l)) {
			rc = INI_STOPPED;
			goto out;
		}
	}
out:
	free(section), free(prev), free(name), free(value);
	return rc;
}
