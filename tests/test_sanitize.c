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
