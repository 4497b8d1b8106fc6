/* core/sanitize: control characters shown, never passed; invalid UTF-8 replaced; widths. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

static void expect_san(const char *in, size_t len, unsigned flags, const char *want)
{
	char *got = sanitize_str(in, len, flags);
	cr_expect_str_eq(got, want);
	free(got);
}

Test(sanitize, controls_become_visible)
{
	expect_san("a\x1b]2;T\x07" "b", (size_t)-1, 0, "a^[]2;T^Gb");
	expect_san("\x1b[31mred\x1b[0m", (size_t)-1, 0, "^[[31mred^[[0m");
	expect_san("x\x7fy", (size_t)-1, 0, "x^?y");
	expect_san("tab\there", (size_t)-1, 0, "tab here");
	expect_san("l1\nl2\r", (size_t)-1, 0, "l1^Jl2^M");
	expect_san("l1\nl2", (size_t)-1, SAN_KEEP_NEWLINE, "l1\nl2");
	/* an embedded NUL when the length is given */
	expect_san("a\0b", 3, 0, "a^@b");
}

Test(sanitize, c1_and_bidi_are_escaped)
{
	/* U+009B is a one-character CSI on some terminals */
	expect_san("a\xc2\x9b" "31m", (size_t)-1, 0, "a\\u009b31m");
	/* right-to-left override */
	expect_san("abc\xe2\x80\xaegpj.exe", (size_t)-1, 0, "abc\\u202egpj.exe");
}

Test(sanitize, invalid_utf8_replaced)
{
	expect_san("ok\xff!", (size_t)-1, 0, "ok\xef\xbf\xbd!");
	/* overlong encoding of '/' and a lone surrogate */
	expect_san("\xc0\xaf", (size_t)-1, 0, "\xef\xbf\xbd\xef\xbf\xbd");
	expect_san("\xed\xa0\x80", (size_t)-1, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* truncated sequence at the end */
	expect_san("ab\xe2\x9c", (size_t)-1, 0, "ab\xef\xbf\xbd\xef\xbf\xbd");
	expect_san("caf\xc3\xa9 \xe2\x9c\x93", (size_t)-1, 0, "caf\xc3\xa9 \xe2\x9c\x93");
	expect_san("caf\xc3\xa9 \xff", (size_t)-1, SAN_ASCII, "caf? ?");
	expect_san(NULL, 0, 0, "");
}

Test(sanitize, width_and_fit)
{
	setlocale(LC_ALL, "C.UTF-8");
	cr_expect_eq(sanitize_width("abc"), 3);
	cr_expect_eq(sanitize_width("\xe2\x9c\x93 ok"), 4);
	cr_expect_eq(sanitize_width("\xe4\xb8\xad\xe6\x96\x87"), 4); /* two wide CJK characters */
	char *f = sanitize_fit("abcdef", 4, true, false);
	cr_expect_str_eq(f, "abc\xe2\x80\xa6");
	free(f);
	f = sanitize_fit("ab", 4, true, false);
	cr_expect_str_eq(f, "ab  ");
	free(f);
	f = sanitize_fit("abcdef", 4, false, true);
	cr_expect_str_eq(f, "abc~");
	free(f);
	/* a wide character that does not fit before the ellipsis becomes a space */
	f = sanitize_fit("a\xe4\xb8\xad\xe6\x96\x87", 3, true, false);
	cr_expect_str_eq(f, "a \xe2\x80\xa6");
	cr_expect_eq(sanitize_width(f), 3);
	free(f);
	f = sanitize_fit("abc", 0, true, false);
	cr_expect_str_eq(f, "");
	free(f);
}

/* The one hostile string every output form below is given: ESC (a title-setting OSC),
 * a one-character CSI (U+009B), a right-to-left override, a raw 0xFF, a Nagios '|', a
 * Prometheus quote and backslash, and a line break. */
#define HOSTILE "a\x1b]2;T\x07" "b\xc2\x9b" "c\xe2\x80\xae" "d\xff" "e|f\"g\\h\nX"

static void expect_form(char *(*form)(const char *), const char *in, const char *want)
{
	char *got = form(in);
	cr_expect_str_eq(got, want);
	free(got);
}

static void expect_line(const char *in, size_t max, const char *want)
{
	char *got = sanitize_line(in, max);
	cr_expect_str_eq(got, want);
	free(got);
}

Test(sanitize, line_marks_controls_and_joins_lines)
{
	expect_line(HOSTILE, SIZE_MAX, "a?]2;T?b?c?d\xef\xbf\xbd" "e|f\"g\\h X");
	/* line breaks and tabs: one space, none at the ends */
	expect_line("\r\none\r\n\ttwo \n", SIZE_MAX, "one two");
	expect_line("a\x7f" "b\xe2\x81\xa6" "c", SIZE_MAX, "a?b?c"); /* DEL, U+2066 isolate */
	expect_line(NULL, 10, "");
	expect_line("", 10, "");
}

Test(sanitize, line_cuts_on_character_boundaries)
{
	expect_line("abcdef", 6, "abcdef");
	expect_line("abcdefg", 6, "abcdef...");
	/* "é" is two bytes: a limit of 4 bytes after "abc" keeps "abc", never half of it */
	expect_line("abc\xc3\xa9xyz", 4, "abc...");
	expect_line("abc\xc3\xa9xyz", 5, "abc\xc3\xa9...");
	/* "✓" is three bytes */
	expect_line("\xe2\x9c\x93\xe2\x9c\x93", 5, "\xe2\x9c\x93...");
}

Test(sanitize, json_is_always_valid_utf8)
{
	expect_form(sanitize_json, HOSTILE, "a?]2;T?b?c?d\xef\xbf\xbd" "e|f\"g\\h X");
	expect_form(sanitize_json, "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd");
	expect_form(sanitize_json, NULL, "");
}

Test(sanitize, nagios_text_has_no_pipe)
{
	expect_form(sanitize_nagios, HOSTILE, "a?]2;T?b?c?d\xef\xbf\xbd" "e/f\"g\\h X");
	expect_form(sanitize_nagios, "x|y=1;2;3", "x/y=1;2;3");
	expect_form(sanitize_nagios, NULL, "");
}

Test(sanitize, prometheus_label_escapes_quote_and_backslash)
{
	expect_form(sanitize_prom_label, HOSTILE, "a?]2;T?b?c?d\xef\xbf\xbd" "e|f\\\"g\\\\h X");
	expect_form(sanitize_prom_label, "mx.example.org", "mx.example.org");
	expect_form(sanitize_prom_label, NULL, "");
}
