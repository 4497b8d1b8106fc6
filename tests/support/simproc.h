/* simproc: runs build/mcon-sim ($MCON_SIM_BIN) for a test in a fresh directory, waits for
 * its ready line, talks to its control socket, and runs shell commands (docker, curl, dig)
 * against it. Any test binary can use it. */
#ifndef MCON_TEST_SIMPROC_H
#define MCON_TEST_SIMPROC_H

#include <stdbool.h>
#include <sys/types.h>

struct simproc {
	pid_t pid;
	char *dir;          /* the simulator's DIR */
	char *conf;         /* DIR/mcon.conf, from the ready line */
	char *err_path;     /* the simulator's stderr */
	char *mailcow_url;  /* https://127.0.0.1:PORT */
	int dns_port, mta_sts_port;
	char *api_key, *api_key_ro;
};

/* Starts the simulator with the scenario (NULL = the bundled demo) and extra arguments
 * (NULL-terminated, may be NULL). Returns NULL, with the reason on stderr, when it does not
 * print its ready line within T_HANG_MS (tests/support/hang.h). */
struct simproc *simproc_start(const char *scenario, const char *const *extra);
/* Sends one control command; returns the answer line (caller frees) or NULL. */
char *simproc_ctl(struct simproc *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like simproc_ctl but true only for an "ok" answer. */
bool simproc_ctl_ok(struct simproc *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* SIGTERM, wait; returns the exit status, or -1 if it did not stop within T_HANG_MS or its stderr
 * holds a sanitizer report (which is copied to this process's stderr). Frees sp. */
int simproc_stop(struct simproc *sp);

/* Runs a shell command with DOCKER_HOST, SIM_DIR, SIM_CA, SIM_KEY, SIM_KEY_RO, SIM_API,
 * SIM_DNS_PORT and SIM_STS_PORT set for this simulator; returns stdout+stderr (caller frees)
 * and the exit status in *status. */
char *simproc_sh(struct simproc *sp, int *status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The simulator's binary: $MCON_SIM_BIN, else build/mcon-sim. */
const char *simproc_bin(void);
/* A fresh directory for a test (under $MCON_TEST_TMP or /tmp); caller frees. */
char *simproc_tmpdir(const char *tag);

#endif
