/* main: the mcon binary's entry point; everything else is in cli.c so tests can call it. */
#include "cli/cli.h"

#include "core/util.h"

int main(int argc, char **argv)
{
	process_harden();
	return cli_main(argc, argv);
}
