/* bench_sim: how fast mcon-sim is ready, and how many Docker API requests a second it
 * answers on its unix socket (libcurl, keep-alive, two client threads). Prints figures;
 * `make bench` runs it. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "tests/support/simproc.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	*(size_t *)u += s * n;
	return s * n;
}

struct worker {
	const char *sock, *url;
	int requests, failures;
	size_t bytes;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, w->sock);
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &w->bytes);
	for (int i = 0; i < w->requests; i++) {
		long code = 0;
		if (curl_easy_perform(c) != CURLE_OK || (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code), code != 200))
			w->failures++;
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* requests per second over two keep-alive clients */
static double rps(const char *sock, const char *url, int per_thread, int *failures)
{
	struct worker w[2] = {{sock, url, per_thread, 0, 0}, {sock, url, per_thread, 0, 0}};
	pthread_t t[2];
	double t0 = now_ms();
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, work, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	double dt = now_ms() - t0;
	*failures = w[0].failures + w[1].failures;
	return 2.0 * per_thread / (dt / 1e3);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	double ready[5];
	for (int i = 0; i < 5; i++) {
		double t0 = now_ms();
		struct simproc *sp = simproc_start(NULL, NULL);
		if (!sp) {
			fprintf(stderr, "bench_sim: mcon-sim did not start\n");
			return 1;
		}
		ready[i] = now_ms() - t0;
		if (i < 4) {
			simproc_stop(sp);
			continue;
		}
		char *sock = xasprintf("%s/docker.sock", sp->dir);
		int f1, f2, f3;
		rps(sock, "http://d/v1.47/_ping", 200, &f1); /* warm up */
		double ping = rps(sock, "http://d/v1.47/_ping", 3000, &f1);
		double list = rps(sock, "http://d/v1.47/containers/json?all=1&filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dmailcowdockerized%22%5D%7D",
				  1500, &f2);
		double insp = rps(sock, "http://d/v1.47/containers/mailcowdockerized-postfix-mailcow-1/json", 1500, &f3);
		qsort(ready, 5, sizeof(ready[0]), cmp_double);
		printf("sim: time to ready        median %6.1f ms (min %.1f, max %.1f)   target < 200 ms  %s\n", ready[2], ready[0],
		       ready[4], ready[2] < 200 ? "ok" : "SLOW");
		printf("sim: docker _ping          %8.0f req/s (2 keep-alive clients)   target >= 2000/s %s\n", ping,
		       ping >= 2000 ? "ok" : "SLOW");
		printf("sim: docker containers/json %7.0f req/s (18 containers, filtered) target >= 2000/s %s\n", list,
		       list >= 2000 ? "ok" : "SLOW");
		printf("sim: docker inspect         %7.0f req/s                          target >= 2000/s %s\n", insp,
		       insp >= 2000 ? "ok" : "SLOW");
		if (f1 + f2 + f3)
			printf("sim: %d failed requests\n", f1 + f2 + f3);
		free(sock);
		simproc_stop(sp);
	}
	/* --latency-ms: four parallel requests take one latency, not four (test_sim only checks
	 * that they take less than four) */
	static const char *const extra[] = {"--latency-ms", "300", NULL};
	struct simproc *lp = simproc_start(NULL, extra);
	if (lp) {
		double t0 = now_ms();
		free(simproc_sh(lp, NULL, "for i in 1 2 3 4; do curl -s -o /dev/null --unix-socket \"$SIM_DIR/docker.sock\" "
					  "http://d/_ping & done; wait"));
		double dt = now_ms() - t0;
		printf("sim: 4 parallel pings at 300 ms latency %6.0f ms              target < 600 ms  %s\n", dt,
		       dt < 600 ? "ok" : "SLOW");
		simproc_stop(lp);
	}
	curl_global_cleanup();
	return 0;
}
