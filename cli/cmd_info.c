/* cmd_info: `mcon info`, which configuration, database, Docker endpoint, MailCow URL and
 * resolver are in use, and whether each answers (one collection, as `check` does). */
#include "cli/cli.h"
#include "core/collect.h"
#include "core/key_gate.h"
#include "core/sanitize.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Prints "name: target (state)" with every network-borne part sanitized. */
static void info_line(const char *name, const char *target, const struct part_error *err, const char *ok_text)
{
	char *t = sanitize_str(target, (size_t)-1, 0);
	char *state = err && err->failed ? sanitize_str(err->why ? err->why : "failed", (size_t)-1, 0)
					 : sanitize_str(ok_text, (size_t)-1, 0);
	printf("%-10s %s (%s%s)\n", name, t, err && err->failed ? "FAILED: " : "", state);
	free(t);
	free(state);
}

static void info_db(const char *path)
{
	struct db_error err = {0};
	bool exists = access(path, F_OK) == 0;
	if (!exists) {
		printf("%-10s %s (not created yet; the first write creates it)\n", "database:", path);
		return;
	}
	struct db *db = db_open(path, DB_OPEN_READONLY, &err);
	if (!db) {
		printf("%-10s %s (FAILED: %s)\n", "database:", path, err.msg);
		return;
	}
	int version = db_schema_version(db);
	db_close(db);
	printf("%-10s %s (schema %d, %s)\n", "database:", path, version,
	       access(path, W_OK) == 0 ? "writable" : "read-only");
}

/* The API key's shared backoff (never the key): whether MailCow refused it and when mcon
 * tries it again. Asks nothing. */
static void info_key(const struct config *c)
{
	if (!c->mailcow_url)
		return;
	char *err = NULL;
	char *key = config_api_key(c, &err);
	if (!key) {
		char *t = sanitize_str(err, (size_t)-1, 0);
		printf("%-10s FAILED: %s\n", "api key:", t);
		free(t);
		free(err);
		return;
	}
	struct key_gate g;
	key_gate_load(&g, key, c->mailcow_url);
	config_key_free(key);
	char *d = key_gate_describe(&g);
	char *t = sanitize_str(d, (size_t)-1, 0);
	printf("%-10s %s\n", "api key:", t);
	free(t);
	free(d);
}

int cmd_info(struct cli_ctx *ctx, int argc, char **argv)
{
	bool offline = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--offline") == 0)
			offline = true;
		else
			return cli_error(EXIT_USAGE, "info: unknown argument '%s' (see mcon info --help)", argv[i]);
	}
	const struct config *c = &ctx->cfg;
	printf("%-10s %s\n", "config:", c->path ? c->path : "(none found; defaults in force)");
	info_db(cli_db_path(ctx));
	char *resolver = c->dns_servers.n ? strv_join(&c->dns_servers, ", ") : xstrdup("system (/etc/resolv.conf)");
	if (offline) {
		printf("%-10s %s\n", "docker:", c->docker_host);
		printf("%-10s %s\n", "mailcow:", c->mailcow_url ? c->mailcow_url : "(mailcow.url not set)");
		info_key(c);
		printf("%-10s %s\n", "resolver:", resolver);
		printf("%-10s %s\n", "files:", c->mailcow_dir);
		free(resolver);
		return EXIT_OK;
	}

	struct collect_opts o = {.cancel_fd = -1};
	struct snapshot *s = collect_run(c, &o);
	char *docker_ok = xasprintf("API %s, engine %s, %zu containers in project %s",
				    s->docker.api_version ? s->docker.api_version : "?",
				    s->docker.server_version ? s->docker.server_version : "?", s->docker.n_containers,
				    c->docker_project);
	info_line("docker:", c->docker_host, &s->docker.err, docker_ok);
	char *mc_ok = xasprintf("version %s, %zu domains", s->mailcow.version ? s->mailcow.version : "?",
				s->mailcow.n_domains);
	struct part_error unset = {.failed = true, .why = (char *)"mailcow.url is not set"};
	info_line("mailcow:", c->mailcow_url ? c->mailcow_url : "-", c->mailcow_url ? &s->mailcow.err : &unset, mc_ok);
	info_key(c);
	info_line("resolver:", resolver, &s->dns_err, s->n_domains ? "answers" : "not asked: no domain to resolve");
	info_line("files:", c->mailcow_dir, &s->limits.err, "size limits read");
	bool failed = s->docker.err.failed || s->mailcow.err.failed || s->dns_err.failed || s->limits.err.failed ||
		      !c->mailcow_url;
	free(docker_ok);
	free(mc_ok);
	free(resolver);
	snapshot_free(s);
	return failed ? EXIT_FAIL : EXIT_OK;
}
