/* sanitize: visible escapes for control characters, U+FFFD for broken UTF-8, and
 * column-aware fitting. The decoder is strict (no overlongs, no surrogates, nothing
 * above U+10FFFF) so a terminal never sees a byte sequence it could reinterpret. */
#include "core/sanitize.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "core/util.h"

size_t sanitize_utf8_decode(const char *str, size_t n, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	*cp = 0xFFFD;
	if (n == 0)
		return 0;
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, min = 0x80, c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, min = 0x800, c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Characters that are printable but change how the rest of a line is shown
 * (bidi overrides and isolates, zero-width joiners used for spoofing, BOM). */
static bool is_format_char(unsigned cp)
{
	return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF || cp == 0x061C;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12)), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	} else {
		o[0] = (char)(0xF0 | (cp >> 18)), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	}
	buf_append(b, o, n);
}

char *sanitize_str(const char *s, size_t len, unsigned flags)
{
	struct buf b = {0};
	if (!s)
		return xstrdup("");
	if (len == (size_t)-1)
		len = strlen(s);
	size_t i = 0;
	while (i < len) {
		unsigned cp;
		size_t n = sanitize_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			/* one bad byte at a time, so the rest of the string survives */
			if (flags & SAN_ASCII)
				buf_putc(&b, '?');
			else
				put_utf8(&b, 0xFFFD);
			i++;
			continue;
		}
		i += n;
		if (cp == '\n' && (flags & SAN_KEEP_NEWLINE)) {
			buf_putc(&b, '\n');
		} else if (cp == '\t') {
			buf_putc(&b, ' ');
		} else if (cp < 0x20) {
			buf_putc(&b, '^');
			buf_putc(&b, (char)(cp + 0x40));
		} else if (cp == 0x7F) {
			buf_puts(&b, "^?");
		} else if ((cp >= 0x80 && cp < 0xA0) || is_format_char(cp)) {
			buf_printf(&b, "\\u%04x", cp);
		} else if (cp >= 0x80 && (flags & SAN_ASCII)) {
			buf_putc(&b, '?');
		} else {
			put_utf8(&b, cp);
		}
	}
	return b.data ? buf_steal(&b) : xstrdup("");
}

static int cp_width(unsigned cp)
{
	if (cp < 0x80)
		return cp >= 0x20 && cp != 0x7F ? 1 : 0;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

int sanitize_width(const char *s)
{
	int w = 0;
	size_t len = s ? strlen(s) : 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = sanitize_utf8_decode(s + i, len - i, &cp);
		i += n ? n : 1;
		w += cp_width(cp);
	}
	return w;
}

char *sanitize_fit(const char *s, int width, bool pad, bool ascii)
{
	struct buf b = {0};
	if (!s)
		s = "";
	if (width <= 0)
		return xstrdup("");
	size_t len = strlen(s);
	int total = sanitize_width(s);
	int limit = total > width ? width - 1 : width; /* room for the ellipsis */
	int used = 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = sanitize_utf8_decode(s + i, len - i, &cp);
		size_t step = n ? n : 1;
		int w = cp_width(cp);
		if (used + w > limit) {
			break;
		}
		if (n)
			buf_append(&b, s + i, n);
		else
			put_utf8(&b, 0xFFFD);
		used += w;
		i += step;
	}
	if (total > width) {
		while (used < width - 1) { /* a wide character that did not fit */
			buf_putc(&b, ' ');
			used++;
		}
		buf_puts(&b, ascii ? "~" : "\xe2\x80\xa6");
		used++;
	}
	while (pad && used < width) {
		buf_putc(&b, ' ');
		used++;
	}
	return b.data ? buf_steal(&b) : xstrdup("");
}

static bool is_space_control(unsigned cp)
{
	return cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r';
}

static bool is_unsafe(unsigned cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || is_format_char(cp);
}

char *sanitize_line(const char *s, size_t max)
{
	struct buf b = {0};
	if (!s)
		s = "";
	size_t len = strlen(s), i = 0;
	while (i < len) {
		unsigned cp;
		size_t n = sanitize_utf8_decode(s + i, len - i, &cp);
		char out[4];
		size_t olen;
		if (n == 0) {
			olen = 3, memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD, one per bad byte */
			n = 1;
		} else if (is_space_control(cp)) {
			olen = b.len && b.data[b.len - 1] != ' ' ? 1 : 0;
			out[0] = ' ';
		} else if (is_unsafe(cp)) {
			olen = 1, out[0] = '?';
		} else {
			olen = n, memcpy(out, s + i, n);
		}
		if (b.len + olen > max)
			break;
		buf_append(&b, out, olen);
		i += n;
	}
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (i < len)
		buf_puts(&b, "...");
	return b.data ? buf_steal(&b) : xstrdup("");
}

char *sanitize_json(const char *s)
{
	return sanitize_line(s, SIZE_MAX);
}

char *sanitize_nagios(const char *s)
{
	char *c = sanitize_line(s, SIZE_MAX);
	for (char *p = c; *p; p++)
		if (*p == '|')
			*p = '/';
	return c;
}

char *sanitize_prom_label(const char *s)
{
	char *c = sanitize_line(s, SIZE_MAX);
	struct buf b = {0};
	for (const char *p = c; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	free(c);
	return b.data ? buf_steal(&b) : xstrdup("");
}
