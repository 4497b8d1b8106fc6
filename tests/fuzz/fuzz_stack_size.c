/* fuzz_stack_size: the size parsers (stackfiles_parse_size for UCL, stackfiles_parse_clamav_size)
 * on any text: a size accepted is not negative. */
#include <stdlib.h>

#include "core/stackfiles.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	long long bytes = -1;
	if (stackfiles_parse_size(text, &bytes) == 0 && bytes < 0)
		fuzz_fail("stackfiles_parse_size: a negative size", text);
	bytes = -1;
	if (stackfiles_parse_clamav_size(text, &bytes) == 0 && bytes < 0)
		fuzz_fail("stackfiles_parse_clamav_size: a negative size", text);
	free(text);
	return 0;
}
