/* cmd_complete: the hidden `mcon __complete WORD...` command behind the bash completion.
 * Given the words typed after `mcon` (the last one being completed), it prints the
 * candidates that start with it, one a line: commands and options from the command table
 * (an option followed by an upper-case word in the usage or help takes a value), check ids
 * for --only, --link and fix, task ids for `tasks done|reopen|note|show`, and domains from
 * the last `mcon record` for onboard. "@files" asks the shell to complete file names.
 * It never writes: the database is opened read-only, and a missing one gives no ids. */
#include "cli/cli.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checks.h"
#include "db/db.h"

struct comp {
	const char *cur;        /* the word being completed */
	const char *config;     /* --config given before the command */
	const char *db;         /* --db given before the command */
};

static void comp_put(const struct comp *c, const char *word)
{
	if (str_starts_with(word, c->cur))
		printf("%s\n", word);
}

/* The options of a command, and what value each takes ("" for none): every "--name"
 * in the usage line and the help text, the next word when it is upper case. */
static void command_options(const struct cli_command *cmd, struct strv *names, struct strv *values)
{
	const char *texts[] = {cmd->usage, cmd->help};
	for (size_t t = 0; t < ARRAY_SIZE(texts); t++) {
		for (const char *p = texts[t]; (p = strstr(p, "--")) != NULL;) {
			const char *e = p + 2;
			while (islower((unsigned char)*e) || *e == '-')
				e++;
			if (e == p + 2 || (p > texts[t] && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))) {
				p = e;
				continue;
			}
			char *name = xstrndup(p, (size_t)(e - p));
			const char *v = *e == ' ' ? e + 1 : e, *ve = v;
			while (isupper((unsigned char)*ve) || *ve == '.' || *ve == '_')
				ve++;
			bool takes = *e == ' ' && ve > v && isupper((unsigned char)*v);
			char *value = takes ? xstrndup(v, (size_t)(ve - v)) : xstrdup("");
			if (strv_contains(names, name)) {
				free(name);
				free(value);
			} else {
				strv_push_owned(names, name);
				strv_push_owned(values, value);
			}
			p = e;
		}
	}
}

/* The words of the first [a|b|c] of the usage line (the subcommands of tasks). */
static void command_subcommands(const struct cli_command *cmd, struct strv *out)
{
	const char *open = strchr(cmd->usage, '['), *close = open ? strchr(open, ']') : NULL;
	if (!open || !close || !memchr(open, '|', (size_t)(close - open)) || memchr(open, '-', (size_t)(close - open)))
		return;
	char *list = xstrndup(open + 1, (size_t)(close - open - 1));
	for (char *s = list, *bar; s; s = bar ? bar + 1 : NULL) {
		bar = strchr(s, '|');
		if (bar)
			*bar = '\0';
		strv_push(out, s);
	}
	free(list);
}

static struct db *comp_db(const struct comp *c)
{
	struct config cfg = {0};
	char *err = NULL;
	struct db *db = NULL;
	if (c->db || (config_load(&cfg, c->config, &err) == 0 && cfg.state_db)) {
		struct db_error derr;
		db = db_open(c->db ? c->db : cfg.state_db, DB_OPEN_READONLY, &derr);
	}
	free(err);
	config_free(&cfg);
	return db;
}

/* Task ids: open ones for done, done ones for reopen, all for show and note. */
static void put_tasks(const struct comp *c, const char *sub)
{
	struct db *db = comp_db(c);
	struct db_items items = {0};
	if (!db || db_items_list(db, &items) != DB_OK)
		goto out;
	for (size_t i = 0; i < items.n; i++) {
		if ((strcmp(sub, "done") == 0 && items.v[i].done) || (strcmp(sub, "reopen") == 0 && !items.v[i].done))
			continue;
		char id[32];
		snprintf(id, sizeof(id), "%" PRId64, items.v[i].id);
		comp_put(c, id);
	}
out:
	db_items_free(&items);
	if (db)
		db_close(db);
}

/* Targets the last record stored: of one check, or of every per-domain check. */
static void put_targets(const struct comp *c, const char *check)
{
	struct db *db = comp_db(c);
	struct db_check_states st = {0};
	struct strv seen = {0};
	if (!db || db_check_list(db, &st) != DB_OK)
		goto out;
	for (size_t i = 0; i < st.n; i++) {
		const struct check_def *def = check_find(st.v[i].check);
		bool want = check ? strcmp(st.v[i].check, check) == 0 : def && def->target == TARGET_DOMAIN;
		if (!want || strcmp(st.v[i].target, "*") == 0 || strv_contains(&seen, st.v[i].target))
			continue;
		strv_push(&seen, st.v[i].target);
		comp_put(c, st.v[i].target);
	}
out:
	strv_free(&seen);
	db_check_states_free(&st);
	if (db)
		db_close(db);
}

static void put_checks(const struct comp *c)
{
	for (size_t i = 0; i < check_table_len; i++)
		comp_put(c, check_table[i].id);
}

static void put_value(const struct comp *c, const char *kind)
{
	if (strcmp(kind, "FILE") == 0 || strcmp(kind, "FILE.md") == 0)
		puts("@files");
	else if (strcmp(kind, "CHECK") == 0 || strcmp(kind, "GLOB") == 0)
		put_checks(c);
}

/* words: what follows the command name, the last being the one completed. */
static void complete_command(const struct comp *c, const struct cli_command *cmd, int n, char **words)
{
	struct strv names = {0}, values = {0}, subs = {0}, pos = {0};
	command_options(cmd, &names, &values);
	command_subcommands(cmd, &subs);
	const char *prev = n >= 2 ? words[n - 2] : "";
	for (size_t i = 0; i < names.n; i++)
		if (strcmp(prev, names.v[i]) == 0 && *values.v[i]) {
			put_value(c, values.v[i]);
			goto out;
		}
	if (*c->cur == '-') {
		for (size_t i = 0; i < names.n; i++)
			comp_put(c, names.v[i]);
		comp_put(c, "--help");
		goto out;
	}
	/* the positional words before the current one (option values left out) */
	for (int i = 0; i < n - 1; i++) {
		bool takes = false;
		for (size_t j = 0; j < names.n; j++)
			takes = takes || (strcmp(words[i], names.v[j]) == 0 && *values.v[j]);
		if (takes)
			i++;
		else if (words[i][0] != '-')
			strv_push(&pos, words[i]);
	}
	if (subs.n) {
		if (pos.n == 0)
			for (size_t i = 0; i < subs.n; i++)
				comp_put(c, subs.v[i]);
		else if (pos.n == 1 && (strcmp(pos.v[0], "done") == 0 || strcmp(pos.v[0], "reopen") == 0 ||
					strcmp(pos.v[0], "note") == 0 || strcmp(pos.v[0], "show") == 0))
			put_tasks(c, pos.v[0]);
		else if (pos.n == 1 && strcmp(pos.v[0], "import") == 0)
			puts("@files");
	} else if (strcmp(cmd->name, "onboard") == 0 && pos.n == 0) {
		put_targets(c, NULL);
	} else if (strcmp(cmd->name, "fix") == 0 && pos.n == 0) {
		put_checks(c);
	} else if (strcmp(cmd->name, "fix") == 0 && pos.n == 1) {
		put_targets(c, pos.v[0]);
	}
out:
	strv_free(&names);
	strv_free(&values);
	strv_free(&subs);
	strv_free(&pos);
}

int cmd_doc_complete(int argc, char **argv)
{
	/* argv[0] is "__complete"; with no words, the command position is completed */
	char *empty[] = {(char *)"", NULL};
	int n = argc > 1 ? argc - 1 : 1;
	char **words = argc > 1 ? argv + 1 : empty;
	struct comp c = {.cur = words[n - 1]};
	int i = 0;
	for (; i < n - 1 && words[i][0] == '-'; i++) {
		if (strcmp(words[i], "--config") == 0 && i + 1 < n - 1)
			c.config = words[++i];
		else if (strcmp(words[i], "--db") == 0 && i + 1 < n - 1)
			c.db = words[++i];
	}
	if (i == n - 1 && n >= 2 && (strcmp(words[n - 2], "--config") == 0 || strcmp(words[n - 2], "--db") == 0)) {
		puts("@files");
	} else if (i == n - 1) {
		if (*c.cur == '-') {
			const char *opts[] = {"--config", "--db", "--version", "--help"};
			for (size_t k = 0; k < ARRAY_SIZE(opts); k++)
				comp_put(&c, opts[k]);
		} else {
			size_t nc;
			const struct cli_command *cmds = cli_commands(&nc);
			for (size_t k = 0; k < nc; k++)
				comp_put(&c, cmds[k].name);
		}
	} else {
		size_t nc;
		const struct cli_command *cmds = cli_commands(&nc);
		for (size_t k = 0; k < nc; k++)
			if (strcmp(cmds[k].name, words[i]) == 0)
				complete_command(&c, &cmds[k], n - i - 1, words + i + 1);
	}
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}
