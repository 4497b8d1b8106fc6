/* onboard_names: domain names as typed (IDN through libidn2) to their ASCII and display
 * forms, and TXT values quoted for a zone file. */
#include "core/onboard_int.h"

#include <ctype.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

/* ---- Names ---- */

static bool label_ok(const char *l, size_t n)
{
	if (n < 1 || n > 63 || l[0] == '-' || l[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)l[i]) && l[i] != '-')
			return false;
	return true;
}

int onboard_domain_normalize(const char *input, char **ascii, char **err)
{
	*ascii = NULL;
	char *copy = xstrdup(input ? input : "");
	char *s = str_trim(copy);
	size_t n = strlen(s);
	if (n && s[n - 1] == '.')
		s[--n] = '\0';
	if (!n) {
		free(copy);
		*err = xstrdup("empty domain name");
		return -1;
	}
	bool plain = true;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			plain = false;
	char *out = NULL;
	if (plain) {
		out = xstrdup(s);
		str_lower(out);
	} else {
		/* IDNA2008 with the UTS#46 mapping (case folding, NFC), as browsers and MTAs do. */
		char *idn = NULL;
		int rc = idn2_to_ascii_8z(s, &idn, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			*err = xasprintf("'%s' is not a valid internationalised domain name: %s", s, idn2_strerror(rc));
			free(copy);
			return -1;
		}
		out = xstrdup(idn);
		idn2_free(idn);
	}
	free(copy);

	const char *why = NULL;
	size_t len = strlen(out), labels = 0;
	if (len > 253)
		why = "longer than 253 characters";
	const char *p = out, *last = out;
	while (!why) {
		const char *dot = strchr(p, '.');
		size_t ln = dot ? (size_t)(dot - p) : strlen(p);
		if (!label_ok(p, ln)) {
			why = ln == 0 ? "has an empty label" : ln > 63 ? "has a label longer than 63 characters"
			    : "has a label with characters other than letters, digits and inner hyphens";
			break;
		}
		/* an A-label must decode (xn--zzz is not a name) */
		if (ln > 4 && strncasecmp(p, "xn--", 4) == 0) {
			char *lab = xstrndup(p, ln), *u = NULL;
			/* lookup decodes and applies the IDNA2008 rules to the label */
			int rc = idn2_lookup_u8((const uint8_t *)lab, (uint8_t **)&u, IDN2_NONTRANSITIONAL);
			free(lab);
			if (rc != IDN2_OK)
				why = "has an invalid xn-- label";
			idn2_free(u);
		}
		labels++;
		last = p;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (!why && labels < 2)
		why = "needs at least two labels (name.tld)";
	if (!why) {
		bool numeric = true;
		for (const char *q = last; *q; q++)
			if (!isdigit((unsigned char)*q))
				numeric = false;
		if (numeric)
			why = "has an all-numeric top-level label";
	}
	if (why) {
		*err = xasprintf("'%s' is not a valid domain name: it %s", out, why);
		free(out);
		return -1;
	}
	*ascii = out;
	return 0;
}

char *onboard_domain_display(const char *ascii)
{
	char *u = NULL;
	if (strstr(ascii, "xn--") && idn2_to_unicode_8z8z(ascii, &u, 0) == IDN2_OK) {
		char *r = xstrdup(u);
		idn2_free(u);
		return r;
	}
	idn2_free(u);
	return xstrdup(ascii);
}

char *onboard_txt_quote(const char *value)
{
	struct buf b = {0};
	size_t n = strlen(value);
	if (n == 0)
		buf_puts(&b, "\"\"");
	for (size_t off = 0; off < n; off += 255) {
		size_t k = n - off < 255 ? n - off : 255;
		if (off)
			buf_putc(&b, ' ');
		buf_putc(&b, '"');
		for (size_t i = 0; i < k; i++) {
			char c = value[off + i];
			if (c == '"' || c == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, c);
		}
		buf_putc(&b, '"');
	}
	return buf_steal(&b);
}
