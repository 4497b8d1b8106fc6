/* phpconf: a small reader of PHP configuration files such as Roundcube's config.inc.php:
 * the $config assignments (strings, numbers, booleans, null, array() and [] literals, nested
 * index assignments) are evaluated, anything else is skipped. stackfiles_parse_roundcube
 * (declared in core/stackfiles.h) takes imap_host and the IMAP TLS options from the result. */
#include "core/stackfiles.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	const char *src;    /* the whole file */
	const char *p;
	int line;
	bool in_php;
	char *err;
	enum tok_kind kind;
	char *text;         /* token text (string contents unescaped) */
	int tok_line;
	const char *tok_start;
	int depth;          /* arrays open around the token */
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
	x->tok_start = x->p;
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

/* The 1-based byte column of the current token on its line. */
static int php_column(const struct php *x)
{
	const char *s = x->tok_start;
	while (s > x->src && s[-1] != '\n')
		s--;
	return (int)(x->tok_start - s) + 1;
}

/* At an array's opening token: whether it would nest too deep (then x->err is set and the
 * parse ends). */
static bool php_too_deep(struct php *x)
{
	if (x->depth < STACKFILES_DEPTH_MAX)
		return false;
	if (!x->err)
		x->err = xasprintf("line %d, column %d: arrays nested deeper than %d levels", x->tok_line,
				   php_column(x), STACKFILES_DEPTH_MAX);
	free(x->text);
	x->text = NULL;
	x->kind = T_EOF;
	return true;
}

static struct pv *php_array(struct php *x, const char *close)
{
	struct pv *a = pv_new(PV_ARRAY);
	x->depth++;
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
	x->depth--;
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
		if (php_too_deep(x))
			return pv_new(PV_UNKNOWN);
		php_next(x);
		return php_array(x, "]");
	}
	if (x->kind == T_IDENT) {
		if (strcasecmp(x->text, "array") == 0) {
			if (php_too_deep(x))
				return pv_new(PV_UNKNOWN);
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
	struct php x = {.src = text, .p = text, .line = 1};
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
			while (x.kind != T_EOF &&
			       !(depth == 0 && (tok_is(&x, ";") || tok_is(&x, "{") || tok_is(&x, "}")))) {
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
