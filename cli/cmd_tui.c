/* cmd_tui: `mcon` / `mcon tui [--mouse]`, the interactive console. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/tui_backend.h"
#include "tui/tui.h"

int cmd_tui(struct cli_ctx *ctx, int argc, char **argv)
{
	struct tui_opts opts = {0};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mouse") == 0)
			opts.mouse = true;
		else
			return cli_error(EXIT_USAGE, "tui: unknown argument '%s' (see mcon tui --help)", argv[i]);
	}
	struct tui_backend *be = tui_live_new(&ctx->cfg, cli_db_path(ctx));
	int rc = tui_run(be, &opts);
	tui_live_free(be);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
