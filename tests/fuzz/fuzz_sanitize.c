/* fuzz_sanitize: every form of core/sanitize.h on any bytes, with the oracle of what it
 * promises: valid UTF-8 holding no C0 control but a kept newline, no DEL, no C1 control, no
 * bidi override or isolate (U+202A-U+202E, U+2066-U+2069); one-line forms hold no newline
 * and respect their limit, Nagios text no '|', a Prometheus label no bare quote; the ASCII
 * form is ASCII; sanitize_fit fills exactly its width when padding. */
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "tests/fuzz/fuzz.h"

static void check(const char *what, const char *s, bool newline_ok)
{
	if (!s)
		fuzz_fail(what, "(returned NULL)");
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t k = sanitize_utf8_decode(s + i, n - i, &cp);
		if (!k)
			fuzz_fail(what, s);     /* invalid UTF-8 */
		if ((cp < 0x20 && !(cp == '\n' && newline_ok)) || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			fuzz_fail(what, s);
		i += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	unsigned opt = fuzz_byte(&in);
	char *text = fuzz_str(in.p, in.n);
	size_t max = opt & 0x80 ? SIZE_MAX : opt & 0x7f;

	char *s = sanitize_str((const char *)in.p, in.n, opt & 3);
	check("sanitize_str", s, opt & SAN_KEEP_NEWLINE);
	if (opt & SAN_ASCII)
		for (const unsigned char *p = (const unsigned char *)s; *p; p++)
			if (*p >= 0x80)
				fuzz_fail("sanitize_str with SAN_ASCII: not ASCII", s);
	free(s);
	/* sanitize_fit takes one line of sanitized text */
	s = sanitize_str((const char *)in.p, in.n, opt & SAN_ASCII);
	int width = opt & 0x3f;
	char *fit = sanitize_fit(s, width, true, opt & 0x40);
	check("sanitize_fit", fit, false);
	if (sanitize_width(fit) != width)
		fuzz_fail("sanitize_fit: not exactly its width", fit);
	free(fit);
	free(s);

	s = sanitize_line(text, max);
	check("sanitize_line", s, false);
	if (max != SIZE_MAX && strlen(s) > max + 3)
		fuzz_fail("sanitize_line: longer than its limit", s);
	free(s);
	s = sanitize_json(text);
	check("sanitize_json", s, false);
	free(s);
	s = sanitize_nagios(text);
	check("sanitize_nagios", s, false);
	if (strchr(s, '|'))
		fuzz_fail("sanitize_nagios: holds '|'", s);
	free(s);
	s = sanitize_prom_label(text);
	check("sanitize_prom_label", s, false);
	for (const char *p = s; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"' || *p == '\\')
			fuzz_fail("sanitize_prom_label: a bare quote or backslash", s);
	}
	free(s);
	free(text);
	return 0;
}
