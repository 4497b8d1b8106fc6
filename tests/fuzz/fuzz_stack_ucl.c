/* fuzz_stack_ucl: stackfiles_ucl_get (Rspamd's UCL as its files use it) on any text, for the
 * paths mcon reads; a value found lies within the text, a syntax error says why. */
#include <stdlib.h>
#include <string.h>

#include "core/stackfiles.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {"max_message", "clamav.max_size", "clamav.servers", "a.b.c"};
	char *text = fuzz_str(data, size);
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		char *value = NULL, *err = NULL;
		int line = 0;
		int rc = stackfiles_ucl_get(text, paths[i], &value, &line, &err);
		if (rc == 1 && (!value || strlen(value) > strlen(text) || line < 1))
			fuzz_fail("stackfiles_ucl_get: a value out of bounds", text);
		if (rc == -1 && !err)
			fuzz_fail("stackfiles_ucl_get: a syntax error without a reason", text);
		if (rc == 1) {
			long long bytes;
			stackfiles_parse_size(value, &bytes);
		}
		free(value);
		free(err);
	}
	free(text);
	return 0;
}
