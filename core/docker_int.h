/* docker_int: what the Docker client's own files (core/docker*.c) share and nothing else
 * includes. */
#ifndef MCON_DOCKER_INT_H
#define MCON_DOCKER_INT_H

#include "core/docker.h"
#include "core/fetch.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

char *project_filters(const char *project);
char *result_problem(const char *host, const struct fetch_result *r, long want);
char *url_escape(const char *s);
/* "GET /containers/json" for messages (caller frees). */
char *request_what(const char *method, const char *path);
#define LOGS_MAX_BYTES (8u << 20)

/* JSON members of Docker's replies. */
static inline const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static inline long long jint(const json_t *o, const char *key, long long def)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return json_integer_value(v);
	/* a real outside long long's range is no number (the cast would be undefined) */
	if (json_is_real(v) && fabs(json_real_value(v)) < 9e18)
		return (long long)json_real_value(v);
	return def;
}

/* Docker's zero time "0001-01-01T00:00:00Z" (never started/stopped) is 0 here. */
static inline time_t docker_time(const char *s)
{
	if (!s || !*s || str_starts_with(s, "0001-"))
		return 0;
	time_t t = time_parse_rfc3339(s);
	return t > 0 ? t : 0;
}

#endif
