/* fuzz_mtasts: mtasts_parse on any policy body; a valid policy has a mode and a version, a
 * refused one says why. */
#include <stdlib.h>

#include "core/mtasts.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mta_sts_policy p = {0};
	int rc = mtasts_parse((const char *)data, size, &p);
	if (rc == 0 && (!p.mode || !p.version))
		fuzz_fail("mtasts_parse: a valid policy without mode or version", NULL);
	if (rc != 0 && !p.err.why)
		fuzz_fail("mtasts_parse: refused without a reason", NULL);
	mta_sts_policy_free(&p);
	return 0;
}
