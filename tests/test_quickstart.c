/* test_quickstart: the README's quick start, followed in a clean directory against the
 * simulator (tests/quickstart.sh holds the steps): install, key file, mcon.conf, mcon info,
 * the timer's service, the console. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/simproc.h"

Test(quickstart, the_readme_path_works_on_a_clean_host)
{
	const char *build = getenv("MCON_BUILD");
	cr_assert(build, "MCON_BUILD is not set");
	struct simproc *sp = simproc_start(NULL, NULL);
	cr_assert(sp);
	char *root = simproc_tmpdir("quickstart");
	int st = -1;
	char *out = simproc_sh(sp, &st, "bash tests/quickstart.sh '%s' '%s' 2>&1", build, root);
	cr_expect_eq(st, 0, "%s", out);
	cr_expect(strstr(out, "step 6 ok"), "%s", out);
	free(out);
	out = simproc_sh(sp, &st, "rm -rf '%s'", root);
	free(out);
	free(root);
	cr_expect_eq(simproc_stop(sp), 0);
}
