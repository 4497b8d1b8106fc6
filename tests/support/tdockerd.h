/* tdockerd: what the check tests against the real dockerd fixture (tests/fixtures/dockerd.sh)
 * share: its address, running the docker CLI on it, and one check run over a snapshot whose
 * Docker part comes from the real client. */
#ifndef MCON_TEST_TDOCKERD_H
#define MCON_TEST_TDOCKERD_H

#include <stddef.h>

#include "core/checks.h"
#include "core/config.h"

/* $MCON_TEST_DOCKER_HOST; fails the test when the fixture did not start. */
const char *tdockerd_host(void);
/* `docker -H host args`, output discarded; the system() status. */
int tdockerd_run(const char *args);
/* Collects the Docker state from the fixture under cfg (failing the test on a Docker error)
 * and runs the checks, keeping only the results of check (the caller frees run). */
void tdockerd_check(const struct config *cfg, const char *check, struct check_run *run);
/* How many results of run are not STATUS_OK. */
size_t tdockerd_not_ok(const struct check_run *run);

#endif
