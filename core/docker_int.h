/* docker_int: what the Docker client's own files (core/docker.c, core/docker_events.c)
 * share and nothing else includes. */
#ifndef MCON_DOCKER_INT_H
#define MCON_DOCKER_INT_H

#include "core/docker.h"
#include "core/fetch.h"

char *project_filters(const char *project);
char *result_problem(const char *host, const struct fetch_result *r, long want);
char *url_escape(const char *s);

#endif
