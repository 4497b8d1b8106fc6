/* cmd_snapshot: `mcon snapshot --json`, one collection printed as the snapshot's JSON. */
#include "cli/cli.h"
#include "core/collect.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_snapshot(struct cli_ctx *ctx, int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return cli_error(EXIT_USAGE, "snapshot: unknown argument '%s' (see mcon snapshot --help)",
					 argv[i]);
	}
	if (!json)
		return cli_error(EXIT_USAGE, "snapshot prints JSON only: run mcon snapshot --json");
	struct collect_opts opts = {.cancel_fd = -1};
	struct snapshot *s = collect_run(&ctx->cfg, &opts);
	json_t *j = snapshot_to_json(s);
	snapshot_free(s);
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!text)
		return cli_error(EXIT_FAIL, "snapshot: cannot encode the snapshot as JSON");
	int rc = EXIT_OK;
	if (puts(text) == EOF || fflush(stdout) != 0)
		rc = cli_error(EXIT_FAIL, "snapshot: cannot write to standard output");
	free(text);
	return rc;
}
