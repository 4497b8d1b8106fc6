/* fuzz_stack_postfix: stackfiles_postfix_get (the Postfix main.cf reader) on any text, for the keys mcon reads; a
 * value found lies within the text, on a line that exists. */
#include <stdlib.h>
#include <string.h>

#include "core/stackfiles.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"message_size_limit", "mailbox_size_limit", "smtpd_tls_security_level"};
	char *text = fuzz_str(data, size);
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		char *value = NULL;
		int line = 0;
		if (stackfiles_postfix_get(text, keys[i], &value, &line) == 1) {
			if (!value || strlen(value) > strlen(text) || line < 1 || (size_t)line > lines)
				fuzz_fail("stackfiles_postfix_get: a value out of bounds", text);
		}
		free(value);
	}
	free(text);
	return 0;
}
