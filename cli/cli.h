/* cli: the command line of the contract (section 2). One table of commands in cli.c
 * drives dispatch, `mcon --help` and every `mcon COMMAND --help`. */
#ifndef MCON_CLI_H
#define MCON_CLI_H

#include <stdbool.h>
#include "core/config.h"

/* Exit codes of every command but `check` (which uses the Nagios codes). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli_ctx {
	struct config cfg;
	const char *db_path;    /* --db, else cfg.state_db */
	const char *prog;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli_ctx *ctx, int argc, char **argv); /* argv[0] is the command name */
	bool needs_backend;     /* needs mailcow.url & co: refused with a message when unset */
	const char *usage;      /* one line, after "mcon " */
	const char *help;       /* the rest of `mcon COMMAND --help` */
};

/* Entry point shared by main() and the tests. */
int cli_main(int argc, char **argv);

/* Prints "mcon: <message>" on stderr, returns code. */
int cli_error(int code, const char *fmt, ...) ATTR_PRINTF(2, 3);

/* The database path in force: --db, else state.db. */
const char *cli_db_path(const struct cli_ctx *ctx);

/* Keeps the MailCow API key's backoff in the database at cli_db_path(ctx) for this
 * process (core/key_gate.h); ctx must outlive every MailCow request. */
void cli_key_store_install(const struct cli_ctx *ctx);

/* The command table, in help order (borrowed, static): completion and the man pages. */
const struct cli_command *cli_commands(size_t *n);

/* Hidden commands, never listed: `mcon __man conf|console` writes the generated parts of
 * the man pages, `mcon __complete WORD...` the bash completion's candidates. */
int cmd_doc_man(int argc, char **argv);
int cmd_doc_complete(int argc, char **argv);

/* Command handlers, one file each. */
int cmd_info(struct cli_ctx *ctx, int argc, char **argv);
int cmd_tasks(struct cli_ctx *ctx, int argc, char **argv);
int cmd_tui(struct cli_ctx *ctx, int argc, char **argv);
int cmd_check(struct cli_ctx *ctx, int argc, char **argv);
int cmd_snapshot(struct cli_ctx *ctx, int argc, char **argv);
int cmd_record(struct cli_ctx *ctx, int argc, char **argv);
int cmd_history(struct cli_ctx *ctx, int argc, char **argv);
int cmd_onboard(struct cli_ctx *ctx, int argc, char **argv);
int cmd_fix(struct cli_ctx *ctx, int argc, char **argv);

#endif
