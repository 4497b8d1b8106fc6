/* fuzz_mailcow_mailq: mailcow_parse_mailq on any body;
 * the error says no secret and the snapshot JSON made from the result is valid. */
#include "core/mailcow.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_mailcow_list(data, size, mailcow_parse_mailq, "mailcow_parse_mailq");
}
