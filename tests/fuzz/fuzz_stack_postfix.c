/* fuzz_stack_postfix: stackfiles_postfix_get (the Postfix main.cf reader) on any text, for the keys mcon reads; a
 * value found lies within the text, on a line that exists. */
#include "core/stackfiles.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"message_size_limit", "mailbox_size_limit", "smtpd_tls_security_level", NULL};
	return fuzz_stack_keys(data, size, stackfiles_postfix_get, "stackfiles_postfix_get", keys);
}
