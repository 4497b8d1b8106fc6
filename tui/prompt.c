/* prompt: the one-line input on the status line (notes, new items, the filter): UTF-8
 * editing, Enter hands the text to the caller, Esc cancels; and the one-key confirmation
 * (y, or n, Esc or Enter for no). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "tui/console.h"

void console_prompt_close(struct console *c)
{
	struct prompt *p = &c->prompt;
	if (p->ud_free)
		p->ud_free(p->ud);
	free(p->label);
	buf_free(&p->text);
	memset(p, 0, sizeof(*p));
	curs_set(0);
	c->dirty_status = true;
}

void console_prompt(struct console *c, const char *label, const char *initial, prompt_done_fn *done,
		    prompt_done_fn *change, void *ud, void (*ud_free)(void *ud))
{
	if (c->prompt.active)
		console_prompt_close(c);
	struct prompt *p = &c->prompt;
	p->active = true;
	p->label = xstrdup(label);
	if (initial)
		buf_puts(&p->text, initial);
	p->done = done;
	p->change = change;
	p->ud = ud;
	p->ud_free = ud_free;
	curs_set(1);
	c->dirty_status = true;
}

void console_confirm(struct console *c, const char *question, prompt_done_fn *done, void *ud,
		     void (*ud_free)(void *ud))
{
	char *label = xasprintf("%s [y/N]", question);
	console_prompt(c, label, NULL, done, NULL, ud, ud_free);
	free(label);
	c->prompt.one_key = true;
	curs_set(0);
}

void console_prompt_key(struct console *c, wint_t ch, bool fkey)
{
	struct prompt *p = &c->prompt;
	bool changed = false;
	bool enter = (!fkey && (ch == '\n' || ch == '\r')) || (fkey && ch == KEY_ENTER);
	bool yes = false;
	if (p->one_key) {
		yes = !fkey && (ch == 'y' || ch == 'Y');
		bool no = enter || (!fkey && (ch == 'n' || ch == 'N' || ch == KEY_ESC));
		if (!yes && !no)
			return;         /* only an answer ends the question */
	}
	if (p->one_key || enter || (!fkey && ch == KEY_ESC)) {
		/* done() may open another prompt, so the prompt is reset before it runs;
		 * ud is freed after done() either way */
		char *text = p->one_key ? (yes ? xstrdup("y") : NULL) : enter ? xstrdup(buf_cstr(&p->text)) : NULL;
		prompt_done_fn *done = p->done;
		void *ud = p->ud;
		void (*ud_free)(void *) = p->ud_free;
		p->ud_free = NULL;
		console_prompt_close(c);
		done(c, text ? str_trim(text) : NULL, ud);
		if (ud_free)
			ud_free(ud);
		free(text);
		return;
	}
	if ((fkey && ch == KEY_BACKSPACE) || (!fkey && (ch == 127 || ch == 8))) {
		/* drop the last UTF-8 character */
		while (p->text.len > 0) {
			unsigned char last = (unsigned char)p->text.data[--p->text.len];
			if ((last & 0xC0) != 0x80)
				break;
		}
		if (p->text.data)
			p->text.data[p->text.len] = '\0';
		changed = true;
	} else if (!fkey && ch == KEY_CTRL('u')) {
		buf_reset(&p->text);
		changed = true;
	} else if (!fkey && ch >= 32 && ch != 127 && p->text.len < 400) {
		char mb[MB_LEN_MAX];
		mbstate_t st = {0};
		size_t n = wcrtomb(mb, (wchar_t)ch, &st);
		if (n != (size_t)-1) {
			buf_append(&p->text, mb, n);
			changed = true;
		}
	}
	if (changed) {
		c->dirty_status = true;
		if (p->change)
			p->change(c, buf_cstr(&p->text), p->ud);
	}
}

