/* jsonerr: JSON parse errors as kind, line and column (see jsonerr.h). */
#include "core/jsonerr.h"
#include "core/util.h"

static const char *kind(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_out_of_memory: return "out of memory";
	case json_error_stack_overflow: return "nested too deep";
	case json_error_invalid_utf8: return "invalid UTF-8";
	case json_error_premature_end_of_input: return "the text ends early, cut off";
	case json_error_end_of_input_expected: return "more text after the end";
	case json_error_null_character: return "a NUL character";
	case json_error_numeric_overflow: return "a number out of range";
	case json_error_duplicate_key: return "a duplicate key";
	default: return "invalid syntax";
	}
}

char *jsonerr_describe(const char *what, const json_error_t *e)
{
	return xasprintf("malformed JSON in %s: %s (line %d, column %d)", what, kind(e), e->line, e->column);
}
