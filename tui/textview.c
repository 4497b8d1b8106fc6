/* textview: details and help pages. */
#include "tui/textview.h"

#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

void tv_init(struct textview *tv, const char *title, const char *key)
{
	memset(tv, 0, sizeof(*tv));
	tv->title = sanitize_str(title, (size_t)-1, 0);
	tv->key = xstrdup(key);
}

void tv_free(struct textview *tv)
{
	free(tv->title);
	free(tv->key);
	strv_free(&tv->lines);
	memset(tv, 0, sizeof(*tv));
}

void tv_add_text(struct textview *tv, const char *text)
{
	const char *p = text ? text : "";
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		strv_push_owned(&tv->lines, sanitize_str(p, n, 0));
		if (!nl)
			break;
		p = nl + 1;
		if (!*p)
			break;
	}
}

void tv_add(struct textview *tv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	tv_add_text(tv, s);
	free(s);
}

void tv_blank(struct textview *tv)
{
	strv_push(&tv->lines, "");
}

void tv_scroll(struct textview *tv, long delta, int page)
{
	long max = (long)tv->lines.n - page;
	long t = (long)tv->top + delta;
	if (t > max)
		t = max;
	if (t < 0)
		t = 0;
	tv->top = (size_t)t;
}

/* The part of a line from column `left` on. */
static const char *skip_cols(const char *s, int left)
{
	int col = 0;
	while (*s && col < left) {
		unsigned cp;
		size_t n = sanitize_utf8_decode(s, strlen(s), &cp);
		s += n ? n : 1;
		col++;
	}
	return s;
}

void tv_draw(struct textview *tv, const struct display *d, WINDOW *w, const char *spinner)
{
	int h = getmaxy(w), width = getmaxx(w);
	char title[256];
	snprintf(title, sizeof(title), " %s %s", tv->title,
		 tv->loading && spinner ? spinner : "");
	int x = disp_put(d, w, 0, 0, width - 34, title, ST_HEAD);
	char pos[64];
	snprintf(pos, sizeof(pos), "%zu-%zu/%zu  Esc/q close ",
		 tv->lines.n ? tv->top + 1 : 0,
		 tv->top + (size_t)(h - 1) < tv->lines.n ? tv->top + (size_t)(h - 1) : tv->lines.n,
		 tv->lines.n);
	disp_put(d, w, 0, x, width - x, pos, ST_HEAD);
	for (int i = 1; i < h; i++) {
		size_t idx = tv->top + (size_t)(i - 1);
		const char *line = idx < tv->lines.n ? tv->lines.v[idx] : "";
		disp_put(d, w, i, 0, width, skip_cols(line, tv->left), ST_NORMAL);
	}
}
