/* ucl: a tolerant reader of UCL as Rspamd's files use it (key = value; key: value;
 * sections in braces, named sections, # and nested comment blocks, quoted strings), which
 * finds the last value at a dotted path. stackfiles_ucl_get is declared in core/stackfiles.h. */
#include "core/stackfiles.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- UCL (Rspamd) ---- */

struct ucl {
	const char *text;
	const char *p;
	int line;
	int depth;          /* objects open around u->p */
	char *err;
	const char *want;   /* dotted path looked for */
	char *value;
	int value_line;
	int found;
};

/* The first syntax error is the one reported; a later one (the parser unwinding after it)
 * is dropped, not leaked. */
static void ucl_error(struct ucl *u, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void ucl_error(struct ucl *u, const char *fmt, ...)
{
	if (u->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	u->err = xvasprintf(fmt, ap);
	va_end(ap);
}

static void ucl_skip(struct ucl *u)
{
	for (;;) {
		while (isspace((unsigned char)*u->p)) {
			if (*u->p == '\n')
				u->line++;
			u->p++;
		}
		if (*u->p == '#') {
			while (*u->p && *u->p != '\n')
				u->p++;
		} else if (u->p[0] == '/' && u->p[1] == '*') {
			/* UCL comment blocks nest. */
			int depth = 0, start = u->line;
			do {
				if (u->p[0] == '/' && u->p[1] == '*') {
					depth++;
					u->p += 2;
				} else if (u->p[0] == '*' && u->p[1] == '/') {
					depth--;
					u->p += 2;
				} else if (!*u->p) {
					ucl_error(u, "line %d: unterminated comment", start);
					return;
				} else {
					if (*u->p == '\n')
						u->line++;
					u->p++;
				}
			} while (depth > 0);
		} else {
			return;
		}
	}
}

/* A quoted string (the opening quote at u->p); NULL on error. */
static char *ucl_string(struct ucl *u)
{
	char q = *u->p++;
	struct buf b = {0};
	while (*u->p && *u->p != q) {
		if (*u->p == '\n')
			u->line++;
		if (*u->p == '\\' && u->p[1]) {
			u->p++;
			char c = *u->p;
			buf_putc(&b, q == '\'' ? c : c == 'n' ? '\n' : c == 't' ? '\t' : c);
			u->p++;
			continue;
		}
		buf_putc(&b, *u->p++);
	}
	if (*u->p != q) {
		buf_free(&b);
		ucl_error(u, "line %d: unterminated string", u->line);
		return NULL;
	}
	u->p++;
	return buf_steal(&b);
}

static bool ucl_bare_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("={}[]:;,#\"'", c);
}

static void ucl_object(struct ucl *u, const char *prefix, char close);

/* The 1-based byte column of u->p on its line. */
static int ucl_column(const struct ucl *u)
{
	const char *s = u->p;
	while (s > u->text && s[-1] != '\n')
		s--;
	return (int)(u->p - s) + 1;
}

static void ucl_record(struct ucl *u, const char *path, const char *value, int line)
{
	if (strcmp(path, u->want) == 0) {
		free(u->value);
		u->value = xstrdup(value);
		u->value_line = line;
		u->found = 1;
	}
}

/* Skips an array's contents (the '[' consumed). */
static void ucl_array(struct ucl *u)
{
	int depth = 1;
	while (*u->p && depth > 0 && !u->err) {
		ucl_skip(u);
		char c = *u->p;
		if (c == '"' || c == '\'') {
			free(ucl_string(u));
			continue;
		}
		if (c == '[' || c == '{')
			depth++;
		else if (c == ']' || c == '}')
			depth--;
		if (c)
			u->p++;
	}
	if (depth > 0)
		ucl_error(u, "line %d: unterminated array", u->line);
}

static void ucl_value(struct ucl *u, const char *path)
{
	ucl_skip(u);
	int line = u->line;
	char c = *u->p;
	if (c == '{') {
		if (u->depth >= STACKFILES_DEPTH_MAX) {
			ucl_error(u, "line %d, column %d: sections nested deeper than %d levels", u->line,
				                   ucl_column(u), STACKFILES_DEPTH_MAX);
			return;
		}
		u->p++;
		u->depth++;
		ucl_object(u, path, '}');
		u->depth--;
	} else if (c == '[') {
		u->p++;
		ucl_array(u);
	} else if (c == '"' || c == '\'') {
		char *s = ucl_string(u);
		if (s)
			ucl_record(u, path, s, line);
		free(s);
	} else {
		/* A bare value runs to ; , newline or a closing brace. */
		const char *s = u->p;
		while (*u->p && !strchr(";,\n}]#", *u->p))
			u->p++;
		char *v = xstrndup(s, (size_t)(u->p - s));
		char *t = str_trim(v);
		size_t l = strlen(t);
		while (l && isspace((unsigned char)t[l - 1]))
			t[--l] = '\0';
		if (!*t)
			ucl_error(u, "line %d, column %d: a key without a value", line, ucl_column(u));
		else
			ucl_record(u, path, t, line);
		free(v);
	}
	ucl_skip(u);
	if (*u->p == ';' || *u->p == ',')
		u->p++;
}

static void ucl_object(struct ucl *u, const char *prefix, char close)
{
	for (;;) {
		ucl_skip(u);
		if (u->err)
			return;
		char c = *u->p;
		if (!c) {
			if (close)
				ucl_error(u, "line %d: missing '%c'", u->line, close);
			return;
		}
		if (c == close) {
			u->p++;
			return;
		}
		if (c == '.') { /* macros such as .include "file": not followed */
			while (*u->p && *u->p != '\n')
				u->p++;
			continue;
		}
		if (c == ';' || c == ',') {
			u->p++;
			continue;
		}
		char *key;
		if (c == '"' || c == '\'') {
			key = ucl_string(u);
			if (!key)
				return;
		} else if (ucl_bare_char(c)) {
			const char *s = u->p;
			while (ucl_bare_char(*u->p))
				u->p++;
			key = xstrndup(s, (size_t)(u->p - s));
		} else {
			ucl_error(u, "line %d, column %d: unexpected character", u->line, ucl_column(u));
			return;
		}
		char *path = *prefix ? xasprintf("%s.%s", prefix, key) : xstrdup(key);
		free(key);
		ucl_skip(u);
		if (*u->p == '=' || *u->p == ':') {
			u->p++;
		} else if (*u->p != '{' && *u->p != '"' && *u->p != '\'' && !ucl_bare_char(*u->p)) {
			ucl_error(u, "line %d, column %d: expected '=' after a key", u->line, ucl_column(u));
			free(path);
			return;
		} else if (*u->p != '{') {
			/* `name "sub" { ... }` is a named section, name { sub { ... } }; `name value;`
			 * a value without the optional separator. */
			int line = u->line;
			char *sub;
			if (*u->p == '"' || *u->p == '\'') {
				sub = ucl_string(u);
			} else {
				const char *s = u->p;
				while (ucl_bare_char(*u->p))
					u->p++;
				sub = xstrndup(s, (size_t)(u->p - s));
			}
			if (!sub) {
				free(path);
				return;
			}
			ucl_skip(u);
			if (*u->p != '{') {
				ucl_record(u, path, sub, line);
				free(sub);
				free(path);
				if (*u->p == ';' || *u->p == ',')
					u->p++;
				continue;
			}
			char *p2 = xasprintf("%s.%s", path, sub);
			free(sub);
			free(path);
			path = p2;
		}
		ucl_value(u, path);
		free(path);
	}
}

int stackfiles_ucl_get(const char *text, const char *path, char **value, int *line, char **err)
{
	struct ucl u = {.text = text, .p = text, .line = 1, .want = path};
	ucl_object(&u, "", '\0');
	*value = NULL;
	if (u.err) {
		free(u.value);
		*err = u.err;
		return -1;
	}
	*value = u.value;
	if (u.found)
		*line = u.value_line;
	return u.found;
}
