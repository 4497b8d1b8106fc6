/* stackfiles: what the mailcow-dockerized checkout's config files say about message size
 * limits (Postfix, Rspamd, its antivirus module, ClamAV) and how Roundcube connects to
 * Dovecot. Read-only; the parsers are pure and exported for tests. */
#ifndef MCON_STACKFILES_H
#define MCON_STACKFILES_H

#include <stdbool.h>
#include "core/config.h"
#include "core/snapshot.h"

/* Paths under mailcow.dir. */
#define STACK_POSTFIX_MAIN "data/conf/postfix/main.cf"
#define STACK_POSTFIX_EXTRA "data/conf/postfix/extra.cf"         /* optional, overrides main.cf */
#define STACK_RSPAMD_OPTIONS "data/conf/rspamd/local.d/options.inc"
#define STACK_RSPAMD_OPTIONS_OVERRIDE "data/conf/rspamd/override.d/options.inc" /* optional */
#define STACK_RSPAMD_ANTIVIRUS "data/conf/rspamd/local.d/antivirus.conf"
#define STACK_CLAMD "data/conf/clamav/clamd.conf"

#define RSPAMD_MAX_MESSAGE_DEFAULT 52428800LL   /* rspamd's built-in "50Mb" */
#define POSTFIX_MESSAGE_SIZE_DEFAULT 10240000LL /* Postfix's built-in default */

/* The deepest nesting of UCL sections and of PHP arrays the readers follow; deeper input is
 * a syntax error naming its line and column (the files can be written from containers). */
#define STACKFILES_DEPTH_MAX 64

/* Reads every file; *lim and *rc are zeroed first. A missing or unreadable required file, or
 * a value that does not parse, is reported in lim->err (naming the file, and the line) while
 * the other files are still read. No Roundcube config means Roundcube is not installed
 * (rc->present false), which is not an error. */
void stackfiles_collect(const struct config *cfg, struct size_limits *lim, struct roundcube_info *rc);
void size_limits_free(struct size_limits *l);
void roundcube_info_free(struct roundcube_info *r);

/* An Rspamd (UCL) size: plain bytes, or a number with k, m, g (powers of 1000) or kb, mb, gb
 * (powers of 1024), case-insensitive, decimals allowed ("1.5mb"). 0, or -1. */
int stackfiles_parse_size(const char *s, long long *bytes);
/* A ClamAV size: bytes, or K/M suffixes (powers of 1024), case-insensitive. 0, or -1. */
int stackfiles_parse_clamav_size(const char *s, long long *bytes);

/* Postfix main.cf syntax (`key = value`, # comment lines, continuation lines starting with
 * whitespace): the last value of key. 1 found (*value allocated, *line its line), 0 not set. */
int stackfiles_postfix_get(const char *text, const char *key, char **value, int *line);
/* UCL as Rspamd's files use it (key = value; key: value; sections in braces, # and nested
 * comment blocks, quoted strings): the last value at a dotted path ("clamav.max_size"), as
 * text. 1 found, 0 not set, -1 syntax error (*err, naming the line, never the content);
 * sections nested deeper than STACKFILES_DEPTH_MAX are an error. */
int stackfiles_ucl_get(const char *text, const char *path, char **value, int *line, char **err);
/* clamd.conf (`Key Value`, # comments): the last value of a key (case-insensitive). 1 or 0. */
int stackfiles_clamd_get(const char *text, const char *key, char **value, int *line);
/* Roundcube's config.inc.php: $config['imap_host'] (or the legacy default_host and
 * default_port) and imap_conn_options' ssl verify_peer / verify_peer_name, with PHP's single
 * and double quotes, array() and [] syntax, nested index assignments and //, # and block
 * comments. Fills the fields of rc other than present, path and err. 0, or -1 with *err;
 * arrays nested deeper than STACKFILES_DEPTH_MAX are an error naming line and column. */
int stackfiles_parse_roundcube(const char *text, struct roundcube_info *rc, char **err);

#endif
