/* pending: the `## Pending` markdown checklist of a wiki page (`- [ ] text` / `- [x] text`):
 * parsing a page's section, formatting it back, and the rules for titles and check ids
 * shared by the checklist commands, the store and the console. No SQL here. */
#ifndef MCON_PENDING_H
#define MCON_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include "core/util.h"

#define PENDING_TITLE_MAX 500

struct pending_item {
	char *title;        /* whitespace normalised */
	bool done;
	struct strv links;  /* check ids from a `<!-- mcon-link: a, b -->` marker */
	int line;           /* 1-based line in the page */
};

struct pending_doc {
	bool found;         /* the page has a `## Pending` heading */
	int section_line;
	struct pending_item *items;
	size_t n;
	struct strv bad;    /* "line N: why: text", one per line that was not imported */
};

/* Parses the first `## Pending` section of a markdown page (up to the next heading of
 * level 1 or 2, headings inside code fences ignored). Items are `- [ ] text`, `- [x] text`,
 * also with `*` or `+` and `X`; an indented line after an item continues its title. Blank
 * lines, deeper headings and HTML comments are skipped; every other line is named in bad. */
void pending_parse(const char *text, struct pending_doc *doc);
void pending_doc_free(struct pending_doc *doc);
/* The embedded runbook's section (asset pending.md): the items a fresh list is seeded with and
 * whose check links an imported item of the same title gets. */
void pending_seed(struct pending_doc *doc);

/* Writes the section: "## Pending", a blank line, then "- [ ] title" / "- [x] title" lines.
 * Links are left out, so the result pastes into the wiki unchanged. */
void pending_format(struct buf *out, const struct pending_item *items, size_t n);

/* A new string with runs of white space collapsed to one space and the ends trimmed. */
char *pending_title_norm(const char *title);
/* NULL when title (already normalised) is acceptable, else why not (static string). */
const char *pending_title_invalid(const char *title);
/* Whether s is well-formed UTF-8 (no overlong forms, no surrogates). */
bool pending_utf8_valid(const char *s);
/* Check ids look like `dkim.selector`: lowercase words of [a-z0-9_] joined by dots. */
bool pending_check_id_valid(const char *id);

#endif
