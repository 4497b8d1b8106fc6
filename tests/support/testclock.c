/* testclock: the clock of the test builds, fixed by $MCON_NOW (Unix seconds or RFC 3339).
 * Linked into the tests, the simulator and mcon-test, never into mcon. */
#include <stdlib.h>

#include "core/util.h"

bool mcon_now_fixed(time_t *out)
{
	const char *fixed = getenv("MCON_NOW");
	if (!fixed || !*fixed)
		return false;
	char *end;
	long long v = strtoll(fixed, &end, 10);
	if (*end == '\0') {
		*out = (time_t)v;
		return true;
	}
	time_t t = time_parse_rfc3339(fixed);
	if (t == (time_t)-1)
		return false;
	*out = t;
	return true;
}
