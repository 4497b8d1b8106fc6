/* fuzz_stack_roundcube: stackfiles_parse_roundcube (Roundcube's config.inc.php, writable from
 * the web container) on any text; a refusal says why. */
#include <stdlib.h>

#include "core/snapshot.h"
#include "core/stackfiles.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct roundcube_info rc = {0};
	char *err = NULL;
	if (stackfiles_parse_roundcube(text, &rc, &err) != 0 && !err)
		fuzz_fail("stackfiles_parse_roundcube: refused without a reason", text);
	free(err);
	roundcube_info_free(&rc);
	free(text);
	return 0;
}
