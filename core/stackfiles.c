/* stackfiles: reads the size limits and Roundcube's IMAP settings from the files under
 * mailcow.dir. Each format gets a small tolerant parser of its own (Postfix main.cf and
 * clamd.conf in stackfiles_kv.c, UCL as Rspamd uses it in ucl.c, PHP arrays in phpconf.c)
 * rather than regular expressions, so that comments, quoting and whitespace are handled the
 * way the programs themselves do. This file turns their answers into size_limits and
 * roundcube_info. */
#include "core/stackfiles.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STACK_FILE_MAX (4u << 20)

/* ---- collection ---- */

struct problems {
	struct strv list;
	char *first_file;
};

static void problem(struct problems *pr, const char *file, char *msg)
{
	if (!pr->first_file)
		pr->first_file = xstrdup(file);
	strv_push_owned(&pr->list, msg);
}

/* NULL when missing (and optional) or unreadable; a required missing file is a problem. */
static char *read_stack_file(const char *dir, const char *rel, bool required, struct problems *pr,
                             struct size_limits *lim, const char *source, char **path_out)
{
	char *path = xasprintf("%s/%s", dir, rel);
	char *text = file_read(path, STACK_FILE_MAX, NULL);
	if (!text) {
		if (errno != ENOENT || required)
			problem(pr, path, xasprintf("cannot read %s: %s", path, strerror(errno)));
		free(path);
		return NULL;
	}
	strv_push_owned(&lim->sources, xasprintf("%s=%s", source, path));
	*path_out = path;
	return text;
}

static void postfix_from(const char *text, const char *path, long long *dst, struct problems *pr)
{
	char *v = NULL;
	int line = 0;
	if (stackfiles_postfix_get(text, "message_size_limit", &v, &line) == 1) {
		char *end = NULL;
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (!*v || *end || errno || n < 0)
			problem(pr, path,
				xasprintf("%s line %d: message_size_limit is not a number of bytes", path, line));
		else
			*dst = n;
	}
	free(v);
}

static void ucl_size_from(const char *text, const char *path, const char *key, long long *dst, bool *set,
                          struct problems *pr)
{
	char *v = NULL, *err = NULL;
	int line = 0;
	int r = stackfiles_ucl_get(text, key, &v, &line, &err);
	if (r < 0) {
		problem(pr, path, xasprintf("%s: %s", path, err));
		free(err);
	} else if (r == 1) {
		long long n;
		if (stackfiles_parse_size(v, &n) < 0) {
			problem(pr, path, xasprintf("%s line %d: %s is not a size", path, line, key));
		} else {
			*dst = n;
			if (set)
				*set = true;
		}
	}
	free(v);
}

static void clamd_from(const char *text, const char *path, const char *key, long long *dst, struct problems *pr)
{
	char *v = NULL;
	int line = 0;
	if (stackfiles_clamd_get(text, key, &v, &line) == 1) {
		long long n;
		if (stackfiles_parse_clamav_size(v, &n) < 0)
			problem(pr, path, xasprintf("%s line %d: %s is not a size", path, line, key));
		else
			*dst = n;
	}
	free(v);
}

static void collect_limits(const char *dir, struct size_limits *lim)
{
	struct problems pr = {0};
	struct stat st;
	lim->postfix_main = lim->postfix_extra = lim->postfix = -1;
	lim->rspamd_max_message = RSPAMD_MAX_MESSAGE_DEFAULT;
	lim->av_max_size = lim->clamav_stream_max = lim->clamav_max_file = lim->clamav_max_scan = -1;

	int sr = stat(dir, &st);
	if (sr < 0 || !S_ISDIR(st.st_mode)) {
		lim->err.failed = true;
		lim->err.what = xasprintf("mailcow.dir %s", dir);
		lim->err.why = xasprintf("%s: %s (set mailcow.dir to the mailcow-dockerized checkout)", dir,
		                         sr < 0 ? strerror(errno) : "not a directory");
		lim->err.since = mcon_now();
		return;
	}
	char *path = NULL, *text;
	if ((text = read_stack_file(dir, STACK_POSTFIX_MAIN, true, &pr, lim, "postfix_main", &path))) {
		postfix_from(text, path, &lim->postfix_main, &pr);
		free(text);
		free(path);
	}
	if ((text = read_stack_file(dir, STACK_POSTFIX_EXTRA, false, &pr, lim, "postfix_extra", &path))) {
		postfix_from(text, path, &lim->postfix_extra, &pr);
		free(text);
		free(path);
	}
	/* mailcow appends extra.cf to main.cf, so its value wins; unset in both is Postfix's default. */
	lim->postfix = lim->postfix_extra >= 0 ? lim->postfix_extra
	             : lim->postfix_main >= 0 ? lim->postfix_main : POSTFIX_MESSAGE_SIZE_DEFAULT;
	if ((text = read_stack_file(dir, STACK_RSPAMD_OPTIONS, true, &pr, lim, "rspamd_options", &path))) {
		ucl_size_from(text, path, "max_message", &lim->rspamd_max_message, &lim->rspamd_set, &pr);
		free(text);
		free(path);
	}
	if ((text = read_stack_file(dir, STACK_RSPAMD_OPTIONS_OVERRIDE, false, &pr, lim, "rspamd_override", &path))) {
		ucl_size_from(text, path, "max_message", &lim->rspamd_max_message, &lim->rspamd_set, &pr);
		free(text);
		free(path);
	}
	if ((text = read_stack_file(dir, STACK_RSPAMD_ANTIVIRUS, true, &pr, lim, "rspamd_antivirus", &path))) {
		ucl_size_from(text, path, "clamav.max_size", &lim->av_max_size, NULL, &pr);
		free(text);
		free(path);
	}
	if ((text = read_stack_file(dir, STACK_CLAMD, true, &pr, lim, "clamd", &path))) {
		clamd_from(text, path, "StreamMaxLength", &lim->clamav_stream_max, &pr);
		clamd_from(text, path, "MaxFileSize", &lim->clamav_max_file, &pr);
		clamd_from(text, path, "MaxScanSize", &lim->clamav_max_scan, &pr);
		free(text);
		free(path);
	}
	if (pr.list.n) {
		lim->err.failed = true;
		lim->err.what =
			pr.list.n == 1 ? xstrdup(pr.first_file) : xasprintf("%zu problems under %s", pr.list.n, dir);
		lim->err.why = strv_join(&pr.list, "; ");
		lim->err.since = mcon_now();
	}
	strv_free(&pr.list);
	free(pr.first_file);
}

static void collect_roundcube(const char *path, struct roundcube_info *rc)
{
	rc->path = xstrdup(path);
	char *text = file_read(path, STACK_FILE_MAX, NULL);
	if (!text) {
		if (errno == ENOENT || errno == ENOTDIR)
			return; /* Roundcube is not installed */
		rc->present = true;
		rc->err.failed = true;
		rc->err.what = xstrdup(path);
		rc->err.why = xasprintf("cannot read %s: %s", path, strerror(errno));
		rc->err.since = mcon_now();
		return;
	}
	rc->present = true;
	char *err = NULL;
	if (stackfiles_parse_roundcube(text, rc, &err) < 0) {
		rc->err.failed = true;
		rc->err.what = xstrdup(path);
		rc->err.why = xasprintf("%s: %s", path, err);
		rc->err.since = mcon_now();
		free(err);
	}
	free(text);
}

void stackfiles_collect(const struct config *cfg, struct size_limits *lim, struct roundcube_info *rc)
{
	memset(lim, 0, sizeof(*lim));
	memset(rc, 0, sizeof(*rc));
	collect_limits(cfg->mailcow_dir, lim);
	collect_roundcube(cfg->roundcube_config, rc);
}

void size_limits_free(struct size_limits *l)
{
	if (!l)
		return;
	free(l->err.what);
	free(l->err.why);
	strv_free(&l->sources);
	memset(l, 0, sizeof(*l));
}

void roundcube_info_free(struct roundcube_info *r)
{
	if (!r)
		return;
	free(r->err.what);
	free(r->err.why);
	free(r->path);
	free(r->imap_host);
	memset(r, 0, sizeof(*r));
}
