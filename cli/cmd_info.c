/* cmd_info: `mcon info`, what mcon would use and whether each part answers. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int cmd_info(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_error(EXIT_USAGE, "info takes no arguments");
	const struct config *c = &ctx->cfg;
	const char *db = cli_db_path(ctx);
	printf("config:     %s\n", c->path ? c->path : "(none found; defaults in force)");
	printf("database:   %s (%s)\n", db, access(db, F_OK) == 0 ? (access(db, W_OK) == 0 ? "exists, writable" : "exists, read-only") : "not created yet");
	printf("docker:     %s\n", c->docker_host);
	printf("mailcow:    %s\n", c->mailcow_url ? c->mailcow_url : "(mailcow.url not set)");
	if (c->dns_servers.n) {
		char *s = strv_join(&c->dns_servers, ", ");
		printf("resolver:   %s\n", s);
		free(s);
	} else {
		printf("resolver:   system (/etc/resolv.conf)\n");
	}
	return EXIT_OK;
}
