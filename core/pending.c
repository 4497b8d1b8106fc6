/* pending: the markdown checklist of a wiki page's `## Pending` section. The parser is
 * line based and forgiving (it imports what it understands and names the rest) because
 * its input is hand-edited wiki text. */
#include "core/pending.h"
#include "core/assets.h"
#include "core/sanitize.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_MARKER "<!--"
#define LINK_KEYWORD "mcon-link:"

char *pending_title_norm(const char *title)
{
	struct buf b = {0};
	bool space = false;
	for (const char *p = title; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_putc(&b, ' ');
		space = false;
		buf_putc(&b, *p);
	}
	buf_cstr(&b);
	return buf_steal(&b);
}

bool pending_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80             ? 0
			: (*p & 0xe0) == 0xc0 ? 1
			: (*p & 0xf0) == 0xe0 ? 2
			: (*p & 0xf8) == 0xf0 ? 3
					      : -1;
		if (n < 0 || (n == 1 && *p < 0xc2) || (n == 3 && *p > 0xf4))
			return false;
		unsigned cp = n ? *p & (0x3f >> n) : *p;
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong three/four byte forms, surrogates and beyond U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

const char *pending_title_invalid(const char *title)
{
	if (!title || !*title)
		return "empty title";
	if (strlen(title) > PENDING_TITLE_MAX)
		return "title longer than 500 bytes";
	for (const unsigned char *p = (const unsigned char *)title; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "control character in title";
	if (!pending_utf8_valid(title))
		return "title is not valid UTF-8";
	return NULL;
}

bool pending_check_id_valid(const char *id)
{
	if (!id || !islower((unsigned char)*id) || strlen(id) > 100)
		return false;
	bool dot = false, after_dot = true;
	for (const char *p = id; *p; p++) {
		if (*p == '.') {
			if (after_dot)
				return false;
			dot = after_dot = true;
		} else if (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_') {
			after_dot = false;
		} else {
			return false;
		}
	}
	return dot && !after_dot;
}

/* ATX heading level (1-6) of a line, 0 when it is not a heading; *text gets its title. */
static int heading_level(const char *line, char **text)
{
	const char *p = line;
	for (int i = 0; i < 3 && *p == ' '; i++)
		p++;
	int level = 0;
	while (p[level] == '#')
		level++;
	if (level < 1 || level > 6 || (p[level] && p[level] != ' ' && p[level] != '\t'))
		return 0;
	if (text) {
		char *t = xstrdup(p + level);
		size_t n = strlen(t);
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			t[--n] = '\0';
		while (n && t[n - 1] == '#')   /* closing sequence */
			t[--n] = '\0';
		char *trimmed = pending_title_norm(t);
		free(t);
		*text = trimmed;
	}
	return level;
}

static bool is_fence(const char *line)
{
	const char *p = line;
	for (int i = 0; i < 3 && *p == ' '; i++)
		p++;
	return strncmp(p, "```", 3) == 0 || strncmp(p, "~~~", 3) == 0;
}

static bool is_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

static void bad_line(struct pending_doc *doc, int line, const char *why, const char *text)
{
	char *norm = pending_title_norm(text);
	char *t = sanitize_line(norm, strlen(norm) > 60 ? 57 : 60);
	free(norm);
	strv_push_owned(&doc->bad, xasprintf("line %d: %s: %s", line, why, t));
	free(t);
}

/* Splits a trailing `<!-- mcon-link: a, b -->` marker off *title (in place). Returns false
 * with *why set when the marker is there but malformed. */
static bool take_links(char *title, struct strv *links, const char **why)
{
	char *m = strstr(title, LINK_MARKER);
	if (!m)
		return true;
	char *body = m + strlen(LINK_MARKER);
	while (*body == ' ')
		body++;
	if (strncmp(body, LINK_KEYWORD, strlen(LINK_KEYWORD)) != 0)
		return true;    /* some other comment: part of the title */
	body += strlen(LINK_KEYWORD);
	char *end = strstr(body, "-->");
	if (!end || !is_blank(end + 3)) {
		*why = "mcon-link marker not closed by --> at the end of the line";
		return false;
	}
	*end = '\0';
	struct strv ids = {0};
	strv_split_list(&ids, body);
	for (size_t i = 0; i < ids.n; i++) {
		if (!pending_check_id_valid(ids.v[i])) {
			*why = "bad check id in mcon-link marker";
			strv_free(&ids);
			return false;
		}
		if (!strv_contains(links, ids.v[i]))
			strv_push(links, ids.v[i]);
	}
	strv_free(&ids);
	*m = '\0';
	return true;
}

/* Parses one list line. Returns 1 for an item, 0 when the line is no list item at all,
 * -1 for a list item that is not a well-formed checkbox (why says what is wrong). */
static int parse_item(const char *line, struct pending_item *it, const char **why)
{
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '-' && *p != '*' && *p != '+')
		return 0;
	if (p[1] != ' ' && p[1] != '\t') {
		if (p[1] == '[') {
			*why = "no space after the list marker";
			return -1;
		}
		return 0;   /* "---", "**bold**": not a list item */
	}
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] != '[') {
		*why = "list item without a checkbox ([ ] or [x])";
		return -1;
	}
	if (!(p[1] == ' ' || p[1] == 'x' || p[1] == 'X') || p[2] != ']') {
		*why = "checkbox is not [ ] or [x]";
		return -1;
	}
	bool done = p[1] != ' ';
	p += 3;
	if (*p && *p != ' ' && *p != '\t') {
		*why = "no space after the checkbox";
		return -1;
	}
	char *raw = xstrdup(p);
	struct strv links = {0};
	if (!take_links(raw, &links, why)) {
		free(raw);
		strv_free(&links);
		return -1;
	}
	char *title = pending_title_norm(raw);
	free(raw);
	const char *invalid = pending_title_invalid(title);
	if (invalid) {
		*why = invalid;
		free(title);
		strv_free(&links);
		return -1;
	}
	it->title = title;
	it->done = done;
	it->links = links;
	return 1;
}

static bool is_comment_line(const char *line)
{
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "<!--", 4) != 0)
		return false;
	const char *end = strstr(p, "-->");
	return end && is_blank(end + 3);
}

static struct pending_item *find_title(struct pending_doc *doc, const char *title)
{
	for (size_t i = 0; i < doc->n; i++)
		if (strcmp(doc->items[i].title, title) == 0)
			return &doc->items[i];
	return NULL;
}

void pending_parse(const char *text, struct pending_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	bool in_fence = false, in_section = false;
	struct pending_item *last = NULL;   /* the item an indented line continues */
	size_t cap = 0;
	int lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);
		p += len + (nl ? 1 : 0);
		lineno++;
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';

		if (is_fence(line)) {
			in_fence = !in_fence;
			if (in_section)
				bad_line(doc, lineno, "code fence inside the section", line);
			last = NULL;
			free(line);
			continue;
		}
		if (in_fence) {
			if (in_section)
				bad_line(doc, lineno, "inside a code fence", line);
			free(line);
			continue;
		}
		char *htext = NULL;
		int level = heading_level(line, &htext);
		if (!in_section) {
			if (level == 2 && !doc->found && strcasecmp(htext, "Pending") == 0) {
				doc->found = in_section = true;
				doc->section_line = lineno;
			}
			free(htext);
			free(line);
			continue;
		}
		free(htext);
		if (level && level <= 2) {
			free(line);
			break;
		}
		if (level || is_blank(line) || is_comment_line(line)) {
			last = level ? NULL : last;
			free(line);
			continue;
		}
		struct pending_item it = {0};
		const char *why = NULL;
		int r = parse_item(line, &it, &why);
		if (r > 0) {
			it.line = lineno;
			struct pending_item *dup = find_title(doc, it.title);
			if (dup) {
				char *w = xasprintf("same title as line %d", dup->line);
				bad_line(doc, lineno, w, line);
				free(w);
				free(it.title);
				strv_free(&it.links);
				last = NULL;
			} else {
				if (doc->n == cap) {
					cap = cap ? cap * 2 : 8;
					doc->items = xrealloc(doc->items, cap * sizeof(*doc->items));
				}
				doc->items[doc->n++] = it;
				last = &doc->items[doc->n - 1];
			}
		} else if (r == 0 && last && (line[0] == ' ' || line[0] == '\t')) {
			/* A wrapped item: the indented line continues its title. */
			char *joined = xasprintf("%s %s", last->title, line);
			char *norm = pending_title_norm(joined);
			free(joined);
			const char *invalid = pending_title_invalid(norm);
			struct pending_item *dup = invalid ? NULL : find_title(doc, norm);
			if (invalid) {
				bad_line(doc, lineno, invalid, line);
				free(norm);
			} else if (dup && dup != last) {
				/* The whole title repeats an earlier item's: the item goes, as a repeated
				 * one-line item does (last is the item just added: found by fuzzing). */
				char *w = xasprintf("same title as line %d", dup->line);
				bad_line(doc, lineno, w, line);
				free(w);
				free(norm);
				free(last->title);
				strv_free(&last->links);
				doc->n--;
				last = NULL;
			} else {
				free(last->title);
				last->title = norm;
			}
		} else {
			bad_line(doc, lineno, r < 0 ? why : "not a checklist item (- [ ] text)", line);
			last = NULL;
		}
		free(line);
	}
}

void pending_doc_free(struct pending_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->items[i].title);
		strv_free(&doc->items[i].links);
	}
	free(doc->items);
	strv_free(&doc->bad);
	memset(doc, 0, sizeof(*doc));
}

void pending_seed(struct pending_doc *doc)
{
	const struct asset *a = asset_find("pending.md");
	pending_parse(a ? a->data : "", doc);
}

void pending_format(struct buf *out, const struct pending_item *items, size_t n)
{
	buf_puts(out, "## Pending\n\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "- [%c] %s\n", items[i].done ? 'x' : ' ', items[i].title);
}
