/* fuzz: what the libFuzzer harnesses of tests/fuzz share: the entry point every harness
 * defines, a NUL-terminated copy of the input, a byte reader for the leading choices,
 * and the oracles (valid UTF-8, no secret, valid JSON) that abort with a message. The same
 * harnesses build with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test). */
#ifndef MCON_FUZZ_H
#define MCON_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The secret planted in password / private key fields; an input already holding its first
 * FUZZ_SECRET_PREFIX bytes is skipped, so any occurrence in an output is a leak. */
#define FUZZ_SECRET "pw7Qz-planted-SECRET"
#define FUZZ_SECRET_PREFIX 6

/* A malloc'd NUL-terminated copy of size bytes (an inner NUL ends the string, as for a C caller). */
char *fuzz_str(const uint8_t *data, size_t size);

/* Takes leading bytes off the input to choose a variant; 0 when none is left. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};
unsigned fuzz_byte(struct fuzz_in *in);

/* Oracles: abort() with a message naming what and the offending text. */
void fuzz_fail(const char *what, const char *text);
void fuzz_assert_utf8(const char *what, const char *s);
void fuzz_assert_no_secret(const char *what, const char *s);
/* Whether the input holds the start of the secret (then the harness skips it). */
bool fuzz_has_secret(const uint8_t *data, size_t size);
/* text must parse as JSON (a whole document) and must not hold the secret. */
void fuzz_assert_json(const char *what, const char *text);

struct snapshot;
/* The snapshot as `mcon snapshot --json` prints it: valid JSON, no secret. */
void fuzz_assert_snapshot(const struct snapshot *s);

/* When data is a JSON document: every member named one of keys (NULL-terminated), at any
 * depth, set to FUZZ_SECRET, and the document dumped again (caller frees). NULL otherwise. */
char *fuzz_plant_secret(const uint8_t *data, size_t size, const char *const *keys);

/* The body of a MailCow list harness: parse (named name in messages) on the input into a fresh
 * snapshot; a failure must set an error, the error must not hold the secret, and the snapshot
 * JSON made from the result must be valid. Inputs holding the secret are skipped. Returns 0. */
struct mailcow_state;
typedef int (*fuzz_mailcow_parse_fn)(const char *body, size_t len, struct mailcow_state *st, char **err);
int fuzz_mailcow_list(const uint8_t *data, size_t size, fuzz_mailcow_parse_fn parse, const char *name);

/* The body of a stack config-reader harness: get (named name in messages) on the input as text,
 * for each of keys (NULL-terminated); a value found lies within the text, on a line that
 * exists. Returns 0. */
typedef int (*fuzz_stack_get_fn)(const char *text, const char *key, char **value, int *line);
int fuzz_stack_keys(const uint8_t *data, size_t size, fuzz_stack_get_fn get, const char *name,
		    const char *const *keys);

#endif
