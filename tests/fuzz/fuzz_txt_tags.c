/* fuzz_txt_tags: tag_value (the "k=v; k=v" parser of DKIM, DMARC, MTA-STS and TLS-RPT
 * records) and dkim_txt_p on any record, for the tags the checks ask. A value found lies
 * within the record and has no blanks at its ends. */
#include <stdlib.h>
#include <string.h>

#include "core/checks.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tags[] = {"v", "p", "k", "t", "rua", "ruf", "sp", "pct", "id", "adkim", "aspf"};
	char *rec = fuzz_str(data, size);
	for (size_t i = 0; i < sizeof(tags) / sizeof(*tags); i++) {
		char *v = tag_value(rec, tags[i]);
		if (v) {
			size_t n = strlen(v);
			if (n > strlen(rec))
				fuzz_fail("tag_value longer than the record", rec);
			if (n && (v[0] == ' ' || v[n - 1] == ' '))
				fuzz_fail("tag_value keeps blanks", v);
		}
		free(v);
	}
	free(dkim_txt_p(rec));
	free(rec);
	return 0;
}
