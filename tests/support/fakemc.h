/* fakemc: a fake MailCow API on httpsrv for tests and the bench. It answers like the
 * real one as far as mcon cares (see tests/data/mailcow, copied from the reference
 * examples): X-API-Key checks with the real 401/403 bodies, an empty 200 for a GET
 * without a key, {} for an unknown DKIM domain, Content-Type needed on writes. Faults
 * can be switched on per path prefix. */
#ifndef MCON_FAKEMC_H
#define MCON_FAKEMC_H

#include <stdbool.h>
#include "tests/support/httpsrv.h"
#include "tests/support/testca.h"

#define FAKEMC_RW_KEY "1A2B3C-4D5E6F-A1B2C3-D4E5F6-0A1B2C"
#define FAKEMC_RO_KEY "9F8E7D-6C5B4A-F9E8D7-C6B5A4-9F8E7D"
#define FAKEMC_IPDENIED_KEY "DEAD00-DEAD00-DEAD00-DEAD00-DEAD00"

enum fake_fault {
	FAKE_OK,
	FAKE_SLOW,          /* answer after delay_ms */
	FAKE_STATUS,        /* answer with status (401 = authentication failed, 403 = empty body, else an error page) */
	FAKE_MALFORMED,     /* 200 with broken JSON */
	FAKE_TRUNCATED,     /* the connection drops halfway through the body */
	FAKE_OVERSIZED,     /* a 33 MiB body */
	FAKE_EMPTY,         /* 200 with an empty body */
	FAKE_STARTUP,       /* MailCow's startup check failing: 500, HTML naming the dockerapi container */
};

struct fakemc;

/* ca NULL = plain HTTP. Routes start with the reference examples (netgrimoire.com). */
struct fakemc *fakemc_start(const struct testca *ca);
int fakemc_port(const struct fakemc *m);
/* Sets the body of a GET (path like "/api/v1/get/domain/all"). */
void fakemc_route(struct fakemc *m, const char *path, const char *body);
void fakemc_route_file(struct fakemc *m, const char *path, const char *file);
/* A fault on every path starting with prefix (NULL = all paths). */
void fakemc_fault(struct fakemc *m, const char *prefix, enum fake_fault f, int arg);
/* Every request waits this long first (the bench's added latency). */
void fakemc_latency(struct fakemc *m, int ms);
/* Counters: requests per path prefix, 401 answers. */
int fakemc_hits(struct fakemc *m, const char *prefix);
int fakemc_401s(struct fakemc *m);
/* The last POST: path, body, content type (copies; caller frees), or NULLs. */
void fakemc_last_post(struct fakemc *m, char **path, char **body, char **ctype);
/* Whether any request carried the key anywhere but the X-API-Key header (URL, body). */
bool fakemc_key_leaked(struct fakemc *m);
void fakemc_stop(struct fakemc *m);

#endif
