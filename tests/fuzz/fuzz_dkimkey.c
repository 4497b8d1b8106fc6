/* fuzz_dkimkey: base64_decode and dkim_key_bits (a DER walk) on any text; the first byte
 * chooses whether the text is used as it is or first encoded to base64, so the DER walk
 * sees arbitrary bytes. An RSA size is positive, and only RSA has one. */
#include <stdlib.h>
#include <string.h>

#include "core/dkimkey.h"
#include "core/util.h"
#include "tests/fuzz/fuzz.h"

static char *b64(const uint8_t *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = xmalloc(4 * (n / 3 + 1) + 1), *w = o;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		*w++ = tab[v >> 18 & 63];
		*w++ = tab[v >> 12 & 63];
		*w++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*w++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*w = '\0';
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	unsigned mode = fuzz_byte(&in);
	char *text = mode & 1 ? b64(in.p, in.n) : fuzz_str(in.p, in.n);
	size_t len = 0;
	unsigned char *raw = base64_decode(text, &len);
	if ((mode & 1) && in.n && (!raw || len != in.n || (len && memcmp(raw, in.p, len) != 0)))
		fuzz_fail("base64_decode does not invert the encoding", text);
	free(raw);
	const char *kind = NULL;
	int bits = dkim_key_bits(text, &kind);
	if (bits > 0 && (!kind || strcmp(kind, "rsa") != 0))
		fuzz_fail("dkim_key_bits: a size for a key that is not RSA", text);
	if (bits < -1)
		fuzz_fail("dkim_key_bits: below -1", text);
	free(text);
	return 0;
}
