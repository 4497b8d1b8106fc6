/* trun: helpers for tests that run real processes (the mcon binary) and need private
 * temporary directories. */
#ifndef MCON_TEST_TRUN_H
#define MCON_TEST_TRUN_H

#include <stdbool.h>
#include <sys/types.h>

struct trun {
	int code;       /* exit status, or 128 + signal */
	char *out, *err;
};

struct trun_opts {
	const char *const *env;  /* "K=V" to set, "K" alone to unset; NULL-terminated, may be NULL */
	const char *input;       /* standard input, NULL for /dev/null */
	uid_t uid;               /* run as this user (uid and gid) when as_user */
	bool as_user;
	const char *cwd;
};

/* Runs argv (argv[0] is a path) and collects its output; a child stuck for 60 s is killed.
 * Any sanitizer report in the child's stderr is copied to ours, so tests/run sees it. */
int trun(struct trun *r, const struct trun_opts *o, const char *const *argv);
void trun_free(struct trun *r);

/* $MCON_BIN, failing the test when it is not set. */
const char *trun_bin(void);

/* A new private directory under $MCON_TEST_TMP (else /tmp), mode, named after tag. */
char *tdir_make(const char *tag, int mode);
/* A new directory under /tmp that other users may enter (for tests that drop to nobody). */
char *tdir_make_public(const char *tag);
void tdir_remove(const char *path);

#endif
