/* fuzz_config: config_load_string on any text; a refusal says why. */
#include <stdlib.h>

#include "core/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct config cfg = {0};
	char *err = NULL;
	if (config_load_string(&cfg, text, "fuzz.conf", &err) != 0 && !err)
		fuzz_fail("config_load_string: refused without a reason", text);
	free(err);
	config_free(&cfg);
	free(text);
	return 0;
}
