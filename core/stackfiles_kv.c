/* stackfiles_kv: the key-value formats under mailcow.dir, Postfix main.cf (with continuation
 * lines) and clamd.conf, and the size units of Rspamd (UCL) and ClamAV. Declared in
 * core/stackfiles.h. */
#include "core/stackfiles.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		if (*s && *s != '#' && strncasecmp(s, key, klen) == 0 &&
		    (isspace((unsigned char)s[klen]) || !s[klen])) {
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
