/* test_pending: the `## Pending` markdown parser and formatter (round trips of the
 * runbook page), check id rules, and who/SSH attribution. */
#include <criterion/criterion.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/pending.h"
#include "core/who.h"

#define RUNBOOK "tests/data/MailCow-Overview.md"

static char *runbook(void)
{
	char *text = file_read(RUNBOOK, 0, NULL);
	cr_assert(text, "cannot read " RUNBOOK " (tests run from the repository root)");
	return text;
}

/* The page's section as written: from its heading to the next level 1-2 heading or the end. */
static char *section_of(const char *text)
{
	const char *start = strstr(text, "\n## Pending\n");
	cr_assert(start);
	start++;
	const char *end = start + 1;
	while ((end = strchr(end, '\n')) && end[1]) {
		end++;
		if ((end[0] == '#' && end[1] == ' ') || (end[0] == '#' && end[1] == '#' && end[2] == ' '))
			break;
	}
	return end && end[1] ? xstrndup(start, (size_t)(end - start)) : xstrdup(start);
}

Test(pending, parses_the_runbook_section)
{
	char *text = runbook();
	struct pending_doc doc;
	pending_parse(text, &doc);
	cr_assert(doc.found);
	cr_assert_eq(doc.bad.n, 0, "bad: %s", doc.bad.n ? doc.bad.v[0] : "");
	cr_assert_eq(doc.n, 3);
	cr_assert_str_eq(doc.items[0].title, "Dedicated ATT_Mail static IP for outbound mail (OPNsense outbound NAT rule)");
	cr_assert_str_eq(doc.items[1].title, "Second DKIM selector (`mxroute`) validation");
	cr_assert_str_eq(doc.items[2].title, "MTA-STS validation (supported since Sep 2025 update)");
	for (size_t i = 0; i < 3; i++) {
		cr_assert_not(doc.items[i].done);
		cr_assert_eq(doc.items[i].links.n, 0);
	}
	cr_assert_eq(doc.items[0].line, doc.section_line + 2);
	pending_doc_free(&doc);
	free(text);
}

Test(pending, format_gives_the_runbook_section_back_byte_for_byte)
{
	char *text = runbook();
	struct pending_doc doc;
	pending_parse(text, &doc);
	struct buf out = {0};
	pending_format(&out, doc.items, doc.n);
	char *want = section_of(text);
	cr_assert_str_eq(buf_cstr(&out), want);
	buf_free(&out);
	free(want);
	pending_doc_free(&doc);
	free(text);
}

Test(pending, round_trip_keeps_done_items)
{
	const char *md = "## Pending\n\n- [x] Done thing\n- [ ] Open thing\n";
	struct pending_doc doc;
	pending_parse(md, &doc);
	cr_assert_eq(doc.n, 2);
	cr_assert(doc.items[0].done);
	struct buf out = {0};
	pending_format(&out, doc.items, doc.n);
	cr_assert_str_eq(buf_cstr(&out), md);
	buf_free(&out);
	pending_doc_free(&doc);
}

Test(pending, accepts_the_markdown_variants)
{
	const char *md =
		"# Page\r\n"
		"## pending ##\r\n"
		"* [X] Star and capital X\r\n"
		"+ [ ] Plus bullet\r\n"
		"  - [x]   Indented   with  spaces  \r\n"
		"### A sub heading does not end the section\r\n"
		"<!-- a comment line -->\r\n"
		"- [ ] Wrapped over\r\n"
		"      two lines\r\n"
		"## Next section\r\n"
		"- [ ] Not pending\r\n";
	struct pending_doc doc;
	pending_parse(md, &doc);
	cr_assert(doc.found);
	cr_assert_eq(doc.section_line, 2);
	cr_assert_eq(doc.bad.n, 0, "bad: %s", doc.bad.n ? doc.bad.v[0] : "");
	cr_assert_eq(doc.n, 4);
	cr_assert_str_eq(doc.items[0].title, "Star and capital X");
	cr_assert(doc.items[0].done);
	cr_assert_str_eq(doc.items[1].title, "Plus bullet");
	cr_assert_not(doc.items[1].done);
	cr_assert_str_eq(doc.items[2].title, "Indented with spaces");
	cr_assert(doc.items[2].done);
	cr_assert_str_eq(doc.items[3].title, "Wrapped over two lines");
	pending_doc_free(&doc);
}

Test(pending, ignores_headings_in_code_fences)
{
	const char *md =
		"```\n## Pending\n- [ ] in a fence\n```\n"
		"## Pending\n- [ ] real\n# Top\n- [ ] after\n";
	struct pending_doc doc;
	pending_parse(md, &doc);
	cr_assert(doc.found);
	cr_assert_eq(doc.section_line, 5);
	cr_assert_eq(doc.n, 1);
	cr_assert_str_eq(doc.items[0].title, "real");
	pending_doc_free(&doc);
}

Test(pending, names_malformed_lines_and_keeps_the_rest)
{
	const char *md =
		"## Pending\n"
		"- [ ] Good one\n"
		"- [] empty box\n"
		"- [y] odd box\n"
		"-[ ] no space\n"
		"- plain bullet\n"
		"some prose\n"
		"- [ ]\n"
		"- [x]done\n"
		"- [ ] Good one\n"
		"- [x] Good two\n";
	struct pending_doc doc;
	pending_parse(md, &doc);
	cr_assert_eq(doc.n, 2);
	cr_assert_str_eq(doc.items[1].title, "Good two");
	cr_assert_eq(doc.bad.n, 8);
	const char *want[] = {"line 3:", "line 4:", "line 5:", "line 6:", "line 7:", "line 8:", "line 9:", "line 10:"};
	for (size_t i = 0; i < 8; i++)
		cr_assert(str_starts_with(doc.bad.v[i], want[i]), "bad[%zu] = %s", i, doc.bad.v[i]);
	cr_assert(strstr(doc.bad.v[0], "[] empty box"), "%s", doc.bad.v[0]);
	cr_assert(strstr(doc.bad.v[5], "empty title"), "%s", doc.bad.v[5]);
	cr_assert(strstr(doc.bad.v[6], "no space after the checkbox"), "%s", doc.bad.v[6]);
	cr_assert(strstr(doc.bad.v[7], "same title as line 2"), "%s", doc.bad.v[7]);
	pending_doc_free(&doc);
}

Test(pending, reads_link_markers)
{
	const char *md =
		"## Pending\n"
		"- [ ] MTA-STS validation <!-- mcon-link: mta_sts.record, mta_sts.policy -->\n"
		"- [ ] Keeps <!-- other --> comments\n"
		"- [ ] Bad marker <!-- mcon-link: Not.Valid -->\n";
	struct pending_doc doc;
	pending_parse(md, &doc);
	cr_assert_eq(doc.n, 2);
	cr_assert_str_eq(doc.items[0].title, "MTA-STS validation");
	cr_assert_eq(doc.items[0].links.n, 2);
	cr_assert_str_eq(doc.items[0].links.v[0], "mta_sts.record");
	cr_assert_str_eq(doc.items[0].links.v[1], "mta_sts.policy");
	cr_assert_str_eq(doc.items[1].title, "Keeps <!-- other --> comments");
	cr_assert_eq(doc.bad.n, 1);
	cr_assert(strstr(doc.bad.v[0], "check id"), "%s", doc.bad.v[0]);
	pending_doc_free(&doc);
}

Test(pending, without_the_section_nothing_is_found)
{
	struct pending_doc doc;
	pending_parse("# Title\n\n### Pending\n- [ ] level three is not it\n", &doc);
	cr_assert_not(doc.found);
	cr_assert_eq(doc.n, 0);
	pending_doc_free(&doc);
	pending_parse("", &doc);
	cr_assert_not(doc.found);
	pending_doc_free(&doc);
}

Test(pending, check_ids_and_titles)
{
	cr_assert(pending_check_id_valid("dkim.selector"));
	cr_assert(pending_check_id_valid("mta_sts.policy"));
	cr_assert(pending_check_id_valid("a.b.c2"));
	cr_assert_not(pending_check_id_valid("dkim"));
	cr_assert_not(pending_check_id_valid("Dkim.selector"));
	cr_assert_not(pending_check_id_valid("dkim..selector"));
	cr_assert_not(pending_check_id_valid("dkim.selector."));
	cr_assert_not(pending_check_id_valid(".dkim"));
	cr_assert_not(pending_check_id_valid("dkim.sel ector"));
	cr_assert_not(pending_check_id_valid(""));
	char *n = pending_title_norm("  a \t b\n c  ");
	cr_assert_str_eq(n, "a b c");
	free(n);
	cr_assert_null(pending_title_invalid("fine"));
	cr_assert_not_null(pending_title_invalid(""));
	cr_assert_not_null(pending_title_invalid("esc \x1b[2J"));
	cr_assert(pending_utf8_valid("Prüfen ✓ 𝄞"));
	cr_assert_not(pending_utf8_valid("latin1 \xe9t\xe9"));
	cr_assert_not(pending_utf8_valid("overlong \xc0\xaf"));
	cr_assert_not(pending_utf8_valid("surrogate \xed\xa0\x80"));
	cr_assert_not(pending_utf8_valid("cut \xe2\x9c"));
	cr_assert_not_null(pending_title_invalid("caf\xe9"));
	char *longt = xcalloc(1, 502);
	memset(longt, 'a', 501);
	cr_assert_not_null(pending_title_invalid(longt));
	free(longt);
}

Test(who, sudo_user_and_ssh_client)
{
	setenv("SUDO_USER", "alice", 1);
	setenv("SSH_CONNECTION", "203.0.113.5 50022 192.0.2.1 22", 1);
	struct who w;
	who_current(&w);
	cr_assert_str_eq(w.user, "alice");
	cr_assert_str_eq(w.from, "203.0.113.5");
	setenv("SSH_CONNECTION", "2001:db8::7 50022 2001:db8::1 22", 1);
	who_current(&w);
	cr_assert_str_eq(w.from, "2001:db8::7");
}

Test(who, login_user_without_sudo_and_no_ssh)
{
	unsetenv("SUDO_USER");
	unsetenv("SSH_CONNECTION");
	struct who w;
	who_current(&w);
	struct passwd *pw = getpwuid(getuid());
	cr_assert(pw);
	cr_assert_str_eq(w.user, pw->pw_name);
	cr_assert_str_eq(w.from, "");
	setenv("SUDO_USER", "", 1);
	who_current(&w);
	cr_assert_str_eq(w.user, pw->pw_name, "an empty SUDO_USER is ignored");
}

Test(who, hostile_values_are_neutralised)
{
	setenv("SUDO_USER", "eve\x1b[2J;rm -rf", 1);
	setenv("SSH_CONNECTION", "not-an-address 1 2 3", 1);
	struct who w;
	who_current(&w);
	cr_assert_str_eq(w.user, "eve??2J?rm?-rf");
	cr_assert_str_eq(w.from, "");
	who_set(&w, NULL, NULL);
	cr_assert_str_eq(w.user, "unknown");
}
