/* util: allocation that aborts on failure, growable buffers and string vectors,
 * time (with an injectable clock for tests), durations, and small string helpers.
 * Everything returned by an x*() function is owned by the caller. */
#ifndef MCON_UTIL_H
#define MCON_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ATTR_NORETURN __attribute__((noreturn))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);            /* NULL stays NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) ATTR_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) ATTR_PRINTF(1, 0);
/* Prints "mcon: message" and exits with 1, from any thread. The hook (die_set_hook) runs
 * first, once, on the thread that dies: the console ends curses there, so that the terminal
 * is not left raw and the message shows. */
void die(const char *fmt, ...) ATTR_PRINTF(1, 2) ATTR_NORETURN;
/* Sets the hook (NULL removes it); returns the previous one. */
void (*die_set_hook(void (*hook)(void)))(void);

/* A growable byte buffer, always NUL-terminated when len > 0 or after buf_cstr(). */
struct buf {
	char *data;
	size_t len, cap;
};
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) ATTR_PRINTF(2, 3);
const char *buf_cstr(struct buf *b);      /* borrowed; "" for an empty buffer */
char *buf_steal(struct buf *b);           /* caller frees; buffer is reset */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* A vector of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct strv *s, const char *str);      /* copies */
void strv_push_owned(struct strv *s, char *str);      /* takes ownership */
bool strv_contains(const struct strv *s, const char *str);
void strv_free(struct strv *s);
/* Splits a comma (or whitespace) separated list, trimming each item, skipping empties. */
void strv_split_list(struct strv *out, const char *list);
char *strv_join(const struct strv *s, const char *sep);

/* Strings. */
char *str_trim(char *s);                   /* in place; returns s moved past leading blanks */
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
bool str_case_eq(const char *a, const char *b);
bool str_glob(const char *pattern, const char *s); /* shell glob, case-insensitive for '*' and '?' */
void str_lower(char *s);

/* Time. mcon_now() is the real time; test builds (the test binaries, the simulator and the
 * mcon-test binary link tests/support/testclock.c) may fix it with $MCON_NOW. */
time_t mcon_now(void);
/* The test builds' clock: true with *out set when the time is fixed. The library's own
 * definition is weak and says no; the binary mcon links no other. */
bool mcon_now_fixed(time_t *out);

/* Before any secret is read: no core dumps (PR_SET_DUMPABLE 0, RLIMIT_CORE 0), so the
 * API key cannot land in a core file or be read through /proc by another user. */
void process_harden(void);
/* "2026-11-29T12:00:00Z" into out (at least 21 bytes). */
void time_rfc3339(time_t t, char out[32]);
/* Parses RFC 3339 (fractional seconds and offsets accepted); -1 on error. */
time_t time_parse_rfc3339(const char *s);
/* "90m", "24h", "7d", "30s", "2w"; -1 on error. */
long duration_parse(const char *s);
/* "3d 4h", "12m", "45s": short human form of a number of seconds. */
void duration_format(long secs, char out[32]);

/* Files. */
char *file_read(const char *path, size_t max, size_t *len_out); /* NULL + errno on failure */
int file_write_atomic(const char *path, const void *data, size_t len, int mode);
int mkdir_p(const char *path, int mode);

#endif
