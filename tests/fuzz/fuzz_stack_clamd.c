/* fuzz_stack_clamd: stackfiles_clamd_get (the clamd.conf reader) on any text, for the keys mcon reads; a
 * value found lies within the text, on a line that exists. */
#include "core/stackfiles.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"StreamMaxLength", "MaxFileSize", "MaxScanSize", NULL};
	return fuzz_stack_keys(data, size, stackfiles_clamd_get, "stackfiles_clamd_get", keys);
}
