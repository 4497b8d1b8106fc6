/* fuzz_onboard_domain: onboard_domain_normalize on anything an admin may type: an accepted
 * name is RFC 1035 LDH ASCII, lower case, 1..63 per label, at most 253, two labels at least. */
#include <stdlib.h>
#include <string.h>

#include "core/onboard.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	char *ascii = NULL, *err = NULL;
	if (onboard_domain_normalize(text, &ascii, &err) == 0) {
		size_t n = strlen(ascii), label = 0, labels = 1;
		if (n == 0 || n > 253)
			fuzz_fail("onboard_domain_normalize: bad length", ascii);
		for (const char *p = ascii; *p; p++) {
			bool ldh = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
				   (*p >= 'A' && *p <= 'Z');
			if (*p == '.') {
				if (label == 0)
					fuzz_fail("onboard_domain_normalize: an empty label", ascii);
				labels++;
				label = 0;
			} else if (!ldh || ++label > 63) {
				fuzz_fail("onboard_domain_normalize: not an LDH label", ascii);
			}
		}
		if (label == 0 || labels < 2)
			fuzz_fail("onboard_domain_normalize: fewer than two labels", ascii);
	} else if (!err) {
		fuzz_fail("onboard_domain_normalize: refused without a reason", text);
	}
	free(ascii);
	free(err);
	free(text);
	return 0;
}
