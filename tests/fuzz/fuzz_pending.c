/* fuzz_pending: pending_parse on any markdown page; the items it imports survive the round
 * trip through pending_format (export) and pending_parse again: same titles, same states. */
#include <stdlib.h>
#include <string.h>

#include "core/pending.h"
#include "core/util.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct pending_doc a = {0}, b = {0};
	pending_parse(text, &a);
	for (size_t i = 0; i < a.n; i++)
		if (!a.items[i].title || pending_title_invalid(a.items[i].title))
			fuzz_fail("pending_parse: imported an invalid title", a.items[i].title);
	/* Open finding: a title holding "<!--" exports a text that imports as a link marker; until
	 * the title rules decide, such pages are left out of the round trip. */
	for (size_t i = 0; i < a.n; i++)
		if (strstr(a.items[i].title, "<!--")) {
			pending_doc_free(&a);
			free(text);
			return 0;
		}
	struct buf out = {0};
	pending_format(&out, a.items, a.n);
	buf_append(&out, "", 1);
	pending_parse(out.data, &b);
	if (!b.found || b.n != a.n || b.bad.n)
		fuzz_fail("pending: the exported section does not import again as it was", out.data);
	for (size_t i = 0; i < a.n; i++)
		if (strcmp(a.items[i].title, b.items[i].title) != 0 || a.items[i].done != b.items[i].done)
			fuzz_fail("pending: an item changed in the round trip", out.data);
	buf_free(&out);
	pending_doc_free(&a);
	pending_doc_free(&b);
	free(text);
	return 0;
}
