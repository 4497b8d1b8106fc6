/* stackfiles: reads the size limits and Roundcube's IMAP settings from the files under
 * mailcow.dir. Each format gets a small tolerant parser of its own (Postfix main.cf, UCL
 * as Rspamd uses it, clamd.conf, PHP arrays) rather than regular expressions, so that
 * comments, quoting and whitespace are handled the way the programs themselves do. */
#include "core/stackfiles.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STACK_FILE_MAX (4u << 20)

/* ---- sizes ---- */

static int scaled(const char *num, size_t numlen, long long mult, long long *bytes)
{
	char tmp[64];
	if (numlen == 0 || numlen >= sizeof(tmp))
		return -1;
	memcpy(tmp, num, numlen);
	tmp[numlen] = '\0';
	bool frac = strchr(tmp, '.') != NULL;
	errno = 0;
	if (!frac) {
		char *end;
		long long v = strtoll(tmp, &end, 10);
		if (errno || *end || v < 0 || (mult > 1 && v > LLONG_MAX / mult))
			return -1;
		*bytes = v * mult;
		return 0;
	}
	char *end;
	double d = strtod(tmp, &end);
	if (errno || *end || !(d >= 0) || d * (double)mult > 9e18) /* !(d >= 0): NaN too */
		return -1;
	*bytes = llround(d * (double)mult);
	return 0;
}

/* Splits " 50 mb " into the number and a lower-cased suffix; -1 when malformed. */
static int split_number(const char *s, const char **num, size_t *numlen, char suffix[4])
{
	while (isspace((unsigned char)*s))
		s++;
	const char *p = s;
	bool dot = false, digit = false;
	for (; isdigit((unsigned char)*p) || (*p == '.' && !dot); p++) {
		if (*p == '.')
			dot = true;
		else
			digit = true;
	}
	if (!digit)
		return -1;
	*num = s;
	*numlen = (size_t)(p - s);
	while (isspace((unsigned char)*p))
		p++;
	size_t k = 0;
	for (; isalpha((unsigned char)*p); p++) {
		if (k == 3)
			return -1;
		suffix[k++] = (char)tolower((unsigned char)*p);
	}
	suffix[k] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -1 : 0;
}

int stackfiles_parse_size(const char *s, long long *bytes)
{
	const char *num;
	size_t numlen;
	char sfx[4];
	if (!s || split_number(s, &num, &numlen, sfx) < 0)
		return -1;
	/* libucl: k m g are powers of 1000, kb mb gb powers of 1024. */
	static const struct {
		const char *sfx;
		long long mult;
	} units[] = {
		{"", 1}, {"k", 1000LL}, {"m", 1000000LL}, {"g", 1000000000LL},
		{"kb", 1LL << 10}, {"mb", 1LL << 20}, {"gb", 1LL << 30},
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(sfx, units[i].sfx) == 0)
			return scaled(num, numlen, units[i].mult, bytes);
	return -1;
}

int stackfiles_parse_clamav_size(const char *s, long long *bytes)
{
	const char *num;
	size_t numlen;
	char sfx[4];
	if (!s || split_number(s, &num, &numlen, sfx) < 0 || memchr(num, '.', numlen))
		return -1;
	long long mult = !*sfx ? 1 : strcmp(sfx, "k") == 0 ? 1LL << 10 : strcmp(sfx, "m") == 0 ? 1LL << 20 : 0;
	if (!mult)
		return -1;
	return scaled(num, numlen, mult, bytes);
}

/* ---- Postfix main.cf ---- */

int stackfiles_postfix_get(const char *text, const char *key, char **value, int *line)
{
	int found = 0, lineno = 0;
	size_t klen = strlen(key);
	const char *p = text;
	*value = NULL;
	while (*p) {
		lineno++;
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *next = eol ? eol + 1 : p + len;
		int start_line = lineno;
		/* A logical line starts with non-whitespace; # lines and blank lines are ignored. */
		const char *q = p;
		while (q < p + len && isspace((unsigned char)*q))
			q++;
		if (q == p + len || *q == '#' || q != p) {
			p = next;
			continue;
		}
		struct buf logical = {0};
		buf_append(&logical, p, len);
		/* Continuation lines: start with whitespace and are not comments or blank. */
		while (*next && (next[0] == ' ' || next[0] == '\t')) {
			const char *e2 = strchr(next, '\n');
			size_t l2 = e2 ? (size_t)(e2 - next) : strlen(next);
			const char *r = next;
			while (r < next + l2 && isspace((unsigned char)*r))
				r++;
			if (r < next + l2 && *r == '#') {
				lineno++;
				next = e2 ? e2 + 1 : next + l2;
				continue;
			}
			buf_putc(&logical, ' ');
			buf_append(&logical, next, l2);
			lineno++;
			next = e2 ? e2 + 1 : next + l2;
		}
		char *ln = buf_steal(&logical);
		char *eq = strchr(ln, '=');
		if (eq) {
			*eq = '\0';
			char *k = str_trim(ln);
			size_t kl = strlen(k);
			while (kl && isspace((unsigned char)k[kl - 1]))
				k[--kl] = '\0';
			if (kl == klen && strcmp(k, key) == 0) {
				char *v = str_trim(eq + 1);
				size_t vl = strlen(v);
				while (vl && isspace((unsigned char)v[vl - 1]))
					v[--vl] = '\0';
				free(*value);
				*value = xstrdup(v);
				*line = start_line;
				found = 1;
			}
		}
		free(ln);
		p = next;
	}
	return found;
}

/* ---- clamd.conf ---- */

int stackfiles_clamd_get(const char *text, const char *key, char **value, int *line)
{
	int found = 0, lineno = 0;
	size_t klen = strlen(key);
	*value = NULL;
	for (const char *p = text; *p;) {
		lineno++;
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *ln = xstrndup(p, len);
		char *s = str_trim(ln);
		if (*s && *s != '#' && strncasecmp(s, key, klen) == 0 && (isspace((unsigned char)s[klen]) || !s[klen])) {
			char *v = str_trim(s + klen);
			size_t vl = strlen(v);
			while (vl && isspace((unsigned char)v[vl - 1]))
				v[--vl] = '\0';
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				v[vl - 1] = '\0';
				v++;
			}
			free(*value);
			*value = xstrdup(v);
			*line = lineno;
			found = 1;
		}
		free(ln);
		p = eol ? eol + 1 : p + len;
	}
	return found;
}

/* ---- UCL (Rspamd) ---- */

struct ucl {
	const char *p;
	int line;
	char *err;
	const char *want;   /* dotted path looked for */
	char *value;
	int value_line;
	int found;
};

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
					if (!u->err)
						u->err = xasprintf("line %d: unterminated comment", start);
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
		if (!u->err)
			u->err = xasprintf("line %d: unterminated string", u->line);
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
	if (depth > 0 && !u->err)
		u->err = xasprintf("line %d: unterminated array", u->line);
}

static void ucl_value(struct ucl *u, const char *path)
{
	ucl_skip(u);
	int line = u->line;
	char c = *u->p;
	if (c == '{') {
		u->p++;
		ucl_object(u, path, '}');
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
		if (!*t && !u->err)
			u->err = xasprintf("line %d: missing value for %s", line, path);
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
				u->err = xasprintf("line %d: missing '%c'", u->line, close);
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
			u->err = xasprintf("line %d: unexpected '%c'", u->line, c);
			return;
		}
		char *path = *prefix ? xasprintf("%s.%s", prefix, key) : xstrdup(key);
		free(key);
		ucl_skip(u);
		if (*u->p == '=' || *u->p == ':') {
			u->p++;
		} else if (*u->p != '{' && *u->p != '"' && *u->p != '\'' && !ucl_bare_char(*u->p)) {
			u->err = xasprintf("line %d: expected '=' after %s", u->line, path);
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
	struct ucl u = {.p = text, .line = 1, .want = path};
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

/* ---- PHP (Roundcube) ---- */

enum pv_type { PV_UNKNOWN, PV_STRING, PV_NUMBER, PV_BOOL, PV_NULL, PV_ARRAY };

struct pv;
struct pv_item {
	char *key;          /* NULL: positional */
	struct pv *v;
};
struct pv {
	enum pv_type t;
	char *s;            /* string or number text */
	bool b;
	struct pv_item *items;
	size_t n;
};

static void pv_free(struct pv *v)
{
	if (!v)
		return;
	free(v->s);
	for (size_t i = 0; i < v->n; i++) {
		free(v->items[i].key);
		pv_free(v->items[i].v);
	}
	free(v->items);
	free(v);
}

static struct pv *pv_new(enum pv_type t)
{
	struct pv *v = xcalloc(1, sizeof(*v));
	v->t = t;
	return v;
}

/* The item of an array under key, or NULL. */
static struct pv *pv_get(const struct pv *a, const char *key)
{
	if (!a || a->t != PV_ARRAY)
		return NULL;
	for (size_t i = a->n; i-- > 0;) /* a later duplicate key wins, as in PHP */
		if (a->items[i].key && strcmp(a->items[i].key, key) == 0)
			return a->items[i].v;
	return NULL;
}

/* Stores v at key (replacing), taking ownership; key NULL appends. */
static void pv_set(struct pv *a, const char *key, struct pv *v)
{
	if (key)
		for (size_t i = 0; i < a->n; i++)
			if (a->items[i].key && strcmp(a->items[i].key, key) == 0) {
				pv_free(a->items[i].v);
				a->items[i].v = v;
				return;
			}
	a->items = xrealloc(a->items, (a->n + 1) * sizeof(*a->items));
	a->items[a->n].key = key ? xstrdup(key) : xasprintf("%zu", a->n);
	a->items[a->n].v = v;
	a->n++;
}

enum tok_kind { T_EOF, T_VAR, T_STRING, T_NUMBER, T_IDENT, T_PUNCT };

struct php {
	const char *p;
	int line;
	bool in_php;
	char *err;
	enum tok_kind kind;
	char *text;         /* token text (string contents unescaped) */
	int tok_line;
};

static void php_skip(struct php *x)
{
	for (;;) {
		if (!x->in_php) {
			const char *open = strstr(x->p, "<?");
			if (!open) {
				x->p += strlen(x->p);
				return;
			}
			for (; x->p < open; x->p++)
				if (*x->p == '\n')
					x->line++;
			x->p += 2;
			if (strncasecmp(x->p, "php", 3) == 0)
				x->p += 3;
			else if (*x->p == '=')
				x->p++;
			x->in_php = true;
		}
		while (isspace((unsigned char)*x->p)) {
			if (*x->p == '\n')
				x->line++;
			x->p++;
		}
		if (x->p[0] == '?' && x->p[1] == '>') {
			x->p += 2;
			x->in_php = false;
			continue;
		}
		if ((x->p[0] == '/' && x->p[1] == '/') || x->p[0] == '#') {
			/* A line comment ends at the newline or at ?> */
			while (*x->p && *x->p != '\n' && !(x->p[0] == '?' && x->p[1] == '>'))
				x->p++;
			continue;
		}
		if (x->p[0] == '/' && x->p[1] == '*') {
			const char *end = strstr(x->p + 2, "*/");
			if (!end) {
				if (!x->err)
					x->err = xasprintf("line %d: unterminated comment", x->line);
				x->p += strlen(x->p);
				return;
			}
			for (; x->p < end; x->p++)
				if (*x->p == '\n')
					x->line++;
			x->p += 2;
			continue;
		}
		return;
	}
}

static void php_next(struct php *x)
{
	free(x->text);
	x->text = NULL;
	php_skip(x);
	x->tok_line = x->line;
	const char *s = x->p;
	char c = *s;
	if (!c || x->err) {
		x->kind = T_EOF;
		return;
	}
	if (c == '\'' || c == '"') {
		struct buf b = {0};
		x->p++;
		while (*x->p && *x->p != c) {
			if (*x->p == '\n')
				x->line++;
			if (*x->p == '\\' && x->p[1]) {
				char e = x->p[1];
				if (c == '\'') {
					/* single quotes: only \' and \\ are escapes */
					if (e == '\'' || e == '\\') {
						buf_putc(&b, e);
						x->p += 2;
					} else {
						buf_putc(&b, *x->p++);
					}
					continue;
				}
				x->p += 2;
				buf_putc(&b, e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
				continue;
			}
			buf_putc(&b, *x->p++);
		}
		if (*x->p != c) {
			buf_free(&b);
			x->err = xasprintf("line %d: unterminated string", x->tok_line);
			x->kind = T_EOF;
			return;
		}
		x->p++;
		x->kind = T_STRING;
		x->text = buf_steal(&b);
		if (!x->text)
			x->text = xstrdup("");
		return;
	}
	if (c == '$' && (isalpha((unsigned char)s[1]) || s[1] == '_')) {
		x->p++;
		while (isalnum((unsigned char)*x->p) || *x->p == '_')
			x->p++;
		x->kind = T_VAR;
		x->text = xstrndup(s + 1, (size_t)(x->p - s - 1));
		return;
	}
	if (isdigit((unsigned char)c) || (c == '-' && isdigit((unsigned char)s[1]))) {
		x->p++;
		while (isalnum((unsigned char)*x->p) || *x->p == '.')
			x->p++;
		x->kind = T_NUMBER;
		x->text = xstrndup(s, (size_t)(x->p - s));
		return;
	}
	if (isalpha((unsigned char)c) || c == '_' || c == '\\') {
		while (isalnum((unsigned char)*x->p) || *x->p == '_' || *x->p == '\\')
			x->p++;
		x->kind = T_IDENT;
		x->text = xstrndup(s, (size_t)(x->p - s));
		return;
	}
	static const char *const multi[] = {"===", "!==", "<=>", "**=", "...", "=>", "==", "!=", ".=", "+=", "-=",
	                                    "??", "::", "->", "<=", ">=", "&&", "||", "<<", ">>"};
	for (size_t i = 0; i < ARRAY_SIZE(multi); i++) {
		size_t l = strlen(multi[i]);
		if (strncmp(s, multi[i], l) == 0) {
			x->p += l;
			x->kind = T_PUNCT;
			x->text = xstrdup(multi[i]);
			return;
		}
	}
	x->p++;
	x->kind = T_PUNCT;
	x->text = xstrndup(s, 1);
}

static bool tok_is(const struct php *x, const char *punct)
{
	return x->kind == T_PUNCT && strcmp(x->text, punct) == 0;
}

/* Skips the rest of an expression we do not evaluate, up to , ) ] ; at depth 0. */
static void php_skip_expr(struct php *x)
{
	int depth = 0;
	while (x->kind != T_EOF) {
		if (x->kind == T_PUNCT) {
			char c = x->text[0];
			if (!x->text[1] && (c == '(' || c == '[' || c == '{'))
				depth++;
			else if (!x->text[1] && (c == ')' || c == ']' || c == '}')) {
				if (depth == 0)
					return;
				depth--;
			} else if (depth == 0 && (tok_is(x, ",") || tok_is(x, ";")))
				return;
		}
		php_next(x);
	}
}

static struct pv *php_value(struct php *x);

static struct pv *php_array(struct php *x, const char *close)
{
	struct pv *a = pv_new(PV_ARRAY);
	while (x->kind != T_EOF && !tok_is(x, close)) {
		struct pv *first = php_value(x);
		if (tok_is(x, "=>")) {
			php_next(x);
			struct pv *val = php_value(x);
			if (first->t == PV_STRING || first->t == PV_NUMBER)
				pv_set(a, first->s, val);
			else if (first->t == PV_BOOL)
				pv_set(a, first->b ? "1" : "0", val);
			else
				pv_set(a, NULL, val);
			pv_free(first);
		} else {
			pv_set(a, NULL, first);
		}
		if (tok_is(x, ","))
			php_next(x);
		else if (!tok_is(x, close))
			break;
	}
	if (!tok_is(x, close)) {
		if (!x->err)
			x->err = xasprintf("line %d: expected '%s' to close an array", x->tok_line, close);
	} else {
		php_next(x);
	}
	return a;
}

/* One value: a string (with . concatenation of strings), number, bool, null or array;
 * anything else (constants, function calls, variables) is PV_UNKNOWN. */
static struct pv *php_value(struct php *x)
{
	struct pv *v;
	if (x->kind == T_STRING) {
		v = pv_new(PV_STRING);
		v->s = xstrdup(x->text);
		php_next(x);
		while (tok_is(x, ".")) {
			php_next(x);
			if (x->kind == T_STRING && v->t == PV_STRING) {
				char *cat = xasprintf("%s%s", v->s, x->text);
				free(v->s);
				v->s = cat;
				php_next(x);
			} else {
				v->t = PV_UNKNOWN;
				php_skip_expr(x);
			}
		}
		return v;
	}
	if (x->kind == T_NUMBER) {
		v = pv_new(PV_NUMBER);
		v->s = xstrdup(x->text);
		php_next(x);
		return v;
	}
	if (tok_is(x, "[")) {
		php_next(x);
		return php_array(x, "]");
	}
	if (x->kind == T_IDENT) {
		if (strcasecmp(x->text, "array") == 0) {
			php_next(x);
			if (tok_is(x, "(")) {
				php_next(x);
				return php_array(x, ")");
			}
			return pv_new(PV_UNKNOWN);
		}
		if (strcasecmp(x->text, "true") == 0 || strcasecmp(x->text, "false") == 0) {
			v = pv_new(PV_BOOL);
			v->b = strcasecmp(x->text, "true") == 0;
			php_next(x);
			return v;
		}
		if (strcasecmp(x->text, "null") == 0) {
			php_next(x);
			return pv_new(PV_NULL);
		}
	}
	php_skip_expr(x);
	return pv_new(PV_UNKNOWN);
}

/* $config[...][...] = value;  and $config = [...]; */
static void php_assignment(struct php *x, struct pv **root)
{
	struct strv keys = {0};
	bool ok = true;
	php_next(x); /* the variable */
	while (tok_is(x, "[")) {
		php_next(x);
		if (x->kind == T_STRING || x->kind == T_NUMBER) {
			strv_push(&keys, x->text);
			php_next(x);
		} else {
			ok = false;
		}
		if (!tok_is(x, "]")) {
			ok = false;
			break;
		}
		php_next(x);
	}
	if (!ok || !tok_is(x, "=")) {
		php_skip_expr(x);
		strv_free(&keys);
		return;
	}
	php_next(x);
	struct pv *val = php_value(x);
	if (keys.n == 0) {
		if (val->t == PV_ARRAY) {
			pv_free(*root);
			*root = val;
		} else {
			pv_free(val);
		}
	} else {
		struct pv *cur = *root;
		for (size_t i = 0; i + 1 < keys.n; i++) {
			struct pv *next = pv_get(cur, keys.v[i]);
			if (!next || next->t != PV_ARRAY) {
				next = pv_new(PV_ARRAY);
				pv_set(cur, keys.v[i], next);
			}
			cur = next;
		}
		pv_set(cur, keys.v[keys.n - 1], val);
	}
	strv_free(&keys);
	if (!tok_is(x, ";"))
		php_skip_expr(x);
}

static bool pv_falsy(const struct pv *v)
{
	if (!v)
		return false;
	switch (v->t) {
	case PV_BOOL:
		return !v->b;
	case PV_NUMBER:
		return strtod(v->s, NULL) == 0;
	case PV_STRING:
		return !*v->s || strcmp(v->s, "0") == 0;
	default:
		return false;
	}
}

/* imap_host may be a string or an array: ['ssl://host:993' => 'Label'] or ['tls://host']. */
static char *pv_host(const struct pv *v)
{
	if (!v)
		return NULL;
	if (v->t == PV_STRING)
		return xstrdup(v->s);
	if (v->t == PV_ARRAY && v->n > 0) {
		const struct pv_item *it = &v->items[0];
		if (it->v->t == PV_STRING && it->key && !isdigit((unsigned char)it->key[0]))
			return xstrdup(it->key);
		if (it->v->t == PV_STRING)
			return xstrdup(it->v->s);
	}
	return NULL;
}

int stackfiles_parse_roundcube(const char *text, struct roundcube_info *rc, char **err)
{
	struct php x = {.p = text, .line = 1};
	struct pv *root = pv_new(PV_ARRAY);
	php_next(&x);
	while (x.kind != T_EOF) {
		if (x.kind == T_VAR && (strcmp(x.text, "config") == 0 || strcmp(x.text, "rcmail_config") == 0)) {
			php_assignment(&x, &root);
		} else if (x.kind == T_PUNCT && (tok_is(&x, "{") || tok_is(&x, "}"))) {
			php_next(&x);
			continue;
		} else {
			/* Another statement (if, define, a require): skip to ; or a block. */
			int depth = 0;
			while (x.kind != T_EOF && !(depth == 0 && (tok_is(&x, ";") || tok_is(&x, "{") || tok_is(&x, "}")))) {
				if (tok_is(&x, "(") || tok_is(&x, "["))
					depth++;
				else if ((tok_is(&x, ")") || tok_is(&x, "]")) && depth > 0)
					depth--;
				php_next(&x);
			}
			if (!tok_is(&x, ";"))
				continue;
		}
		if (tok_is(&x, ";"))
			php_next(&x);
	}
	free(x.text);
	if (x.err) {
		*err = x.err;
		pv_free(root);
		return -1;
	}
	free(rc->imap_host);
	rc->imap_host = pv_host(pv_get(root, "imap_host"));
	if (!rc->imap_host) {
		/* Roundcube < 1.6: default_host (+ default_port) */
		rc->imap_host = pv_host(pv_get(root, "default_host"));
		const struct pv *port = pv_get(root, "default_port");
		if (rc->imap_host && port && (port->t == PV_NUMBER || port->t == PV_STRING)) {
			const char *hostpart = strstr(rc->imap_host, "://");
			hostpart = hostpart ? hostpart + 3 : rc->imap_host;
			if (!strchr(hostpart, ':')) {
				char *h = xasprintf("%s:%s", rc->imap_host, port->s);
				free(rc->imap_host);
				rc->imap_host = h;
			}
		}
	}
	const struct pv *opts = pv_get(root, "imap_conn_options");
	rc->has_conn_options = opts && opts->t == PV_ARRAY;
	const struct pv *ssl = pv_get(opts, "ssl");
	rc->verify_peer_off = pv_falsy(pv_get(ssl, "verify_peer"));
	rc->verify_peer_name_off = pv_falsy(pv_get(ssl, "verify_peer_name"));
	pv_free(root);
	return 0;
}

/* ---- collection ---- */

struct problems {
	struct strv list;
	char *first_file;
};

static void problem(struct problems *pr, const char *file, char *msg)
{
	if (!pr->first_file)
		pr->first_file = xstrdup(file);
	strv_push_owned(&pr->list, msg);
}

/* NULL when missing (and optional) or unreadable; a required missing file is a problem. */
static char *read_stack_file(const char *dir, const char *rel, bool required, struct problems *pr,
                             struct size_limits *lim, const char *source, char **path_out)
{
	char *path = xasprintf("%s/%s", dir, rel);
	char *text = file_read(path, STACK_FILE_MAX, NULL);
	if (!text) {
		if (errno != ENOENT || required)
			problem(pr, path, xasprintf("cannot read %s: %s", path, strerror(errno)));
		free(path);
		return NULL;
	}
	strv_push_owned(&lim->sources, xasprintf("%s=%s", source, path));
	*path_out = path;
	return text;
}

static void postfix_from(const char *text, const char *path, long long *dst, struct problems *pr)
{
	char *v = NULL;
	int line = 0;
	if (stackfiles_postfix_get(text, "message_size_limit", &v, &line) == 1) {
		char *end = NULL;
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (!*v || *end || errno || n < 0)
			problem(pr, path, xasprintf("%s line %d: message_size_limit '%s' is not a number of bytes", path, line, v));
		else
			*dst = n;
	}
	free(v);
}

static void ucl_size_from(const char *text, const char *path, const char *key, long long *dst, bool *set,
                          struct problems *pr)
{
	char *v = NULL, *err = NULL;
	int line = 0;
	int r = stackfiles_ucl_get(text, key, &v, &line, &err);
	if (r < 0) {
		problem(pr, path, xasprintf("%s: %s", path, err));
		free(err);
	} else if (r == 1) {
		long long n;
		if (stackfiles_parse_size(v, &n) < 0) {
			problem(pr, path, xasprintf("%s line %d: %s '%s' is not a size", path, line, key, v));
		} else {
			*dst = n;
			if (set)
				*set = true;
		}
	}
	free(v);
}

static void clamd_from(const char *text, const char *path, const char *key, long long *dst, struct problems *pr)
{
	char *v = NULL;
	int line = 0;
	if (stackfiles_clamd_get(text, key, &v, &line) == 1) {
		long long n;
		if (stackfiles_parse_clamav_size(v, &n) < 0)
			problem(pr, path, xasprintf("%s line %d: %s '%s' is not a size", path, line, key, v));
		else
			*dst = n;
	}
	free(v);
}

static void collect_limits(const char *dir, struct size_limits *lim)
{
	struct problems pr = {0};
	struct stat st;
	lim->postfix_main = lim->postfix_extra = lim->postfix = -1;
	lim->rspamd_max_message = RSPAMD_MAX_MESSAGE_DEFAULT;
	lim->av_max_size = lim->clamav_stream_max = lim->clamav_max_file = lim->clamav_max_scan = -1;

	int sr = stat(dir, &st);
	if (sr < 0 || !S_ISDIR(st.st_mode)) {
		lim->err.failed = true;
		lim->err.what = xasprintf("mailcow.dir %s", dir);
		lim->err.why = xasprintf("%s: %s (set mailcow.dir to the mailcow-dockerized checkout)", dir,
		                         sr < 0 ? strerror(errno) : "not a directory");
		lim->err.since = mcon_now();
		return;
	}
	char *path = NULL, *text;
	if ((text = read_stack_file(dir, STACK_POSTFIX_MAIN, true, &pr, lim, "postfix_main", &path))) {
		postfix_from(text, path, &lim->postfix_main, &pr);
		free(text);
		free(path);
	}
	if ((text = read_stack_file(dir, STACK_POSTFIX_EXTRA, false, &pr, lim, "postfix_extra", &path))) {
		postfix_from(text, path, &lim->postfix_extra, &pr);
		free(text);
		free(path);
	}
	/* mailcow appends extra.cf to main.cf, so its value wins; unset in both is Postfix's default. */
	lim->postfix = lim->postfix_extra >= 0 ? lim->postfix_extra
	             : lim->postfix_main >= 0 ? lim->postfix_main : POSTFIX_MESSAGE_SIZE_DEFAULT;
	if ((text = read_stack_file(dir, STACK_RSPAMD_OPTIONS, true, &pr, lim, "rspamd_options", &path))) {
		ucl_size_from(text, path, "max_message", &lim->rspamd_max_message, &lim->rspamd_set, &pr);
		free(text);
		free(path);
	}
	if ((text = read_stack_file(dir, STACK_RSPAMD_OPTIONS_OVERRIDE, false, &pr, lim, "rspamd_override", &path))) {
		ucl_size_from(text, path, "max_message", &lim->rspamd_max_message, &lim->rspamd_set, &pr);
		free(text);
		free(path);
	}
	if ((text = read_stack_file(dir, STACK_RSPAMD_ANTIVIRUS, true, &pr, lim, "rspamd_antivirus", &path))) {
		ucl_size_from(text, path, "clamav.max_size", &lim->av_max_size, NULL, &pr);
		free(text);
		free(path);
	}
	if ((text = read_stack_file(dir, STACK_CLAMD, true, &pr, lim, "clamd", &path))) {
		clamd_from(text, path, "StreamMaxLength", &lim->clamav_stream_max, &pr);
		clamd_from(text, path, "MaxFileSize", &lim->clamav_max_file, &pr);
		clamd_from(text, path, "MaxScanSize", &lim->clamav_max_scan, &pr);
		free(text);
		free(path);
	}
	if (pr.list.n) {
		lim->err.failed = true;
		lim->err.what = pr.list.n == 1 ? xstrdup(pr.first_file) : xasprintf("%zu problems under %s", pr.list.n, dir);
		lim->err.why = strv_join(&pr.list, "; ");
		lim->err.since = mcon_now();
	}
	strv_free(&pr.list);
	free(pr.first_file);
}

static void collect_roundcube(const char *path, struct roundcube_info *rc)
{
	rc->path = xstrdup(path);
	char *text = file_read(path, STACK_FILE_MAX, NULL);
	if (!text) {
		if (errno == ENOENT || errno == ENOTDIR)
			return; /* Roundcube is not installed */
		rc->present = true;
		rc->err.failed = true;
		rc->err.what = xstrdup(path);
		rc->err.why = xasprintf("cannot read %s: %s", path, strerror(errno));
		rc->err.since = mcon_now();
		return;
	}
	rc->present = true;
	char *err = NULL;
	if (stackfiles_parse_roundcube(text, rc, &err) < 0) {
		rc->err.failed = true;
		rc->err.what = xstrdup(path);
		rc->err.why = xasprintf("%s: %s", path, err);
		rc->err.since = mcon_now();
		free(err);
	}
	free(text);
}

void stackfiles_collect(const struct config *cfg, struct size_limits *lim, struct roundcube_info *rc)
{
	memset(lim, 0, sizeof(*lim));
	memset(rc, 0, sizeof(*rc));
	collect_limits(cfg->mailcow_dir, lim);
	collect_roundcube(cfg->roundcube_config, rc);
}

void size_limits_free(struct size_limits *l)
{
	if (!l)
		return;
	free(l->err.what);
	free(l->err.why);
	strv_free(&l->sources);
	memset(l, 0, sizeof(*l));
}

void roundcube_info_free(struct roundcube_info *r)
{
	if (!r)
		return;
	free(r->err.what);
	free(r->err.why);
	free(r->path);
	free(r->imap_host);
	memset(r, 0, sizeof(*r));
}
