/* bench history: a year of once-a-minute `record` runs with realistic churn on a site-sized
 * stack (8 domains, 18 services), then the database size and the time of
 * `mcon history --since 7d`. Minutes whose snapshot equals the previous one store nothing
 * (tests/test_history.c proves it), so only minutes with a change, and one a day for the
 * pruning, run the real record path. Usage: bench_history [DIR [MCON_BIN]], by default
 * $MCON_TEST_TMP/bench-history and $MCON_BIN (as tests/bench/run sets them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/check_cmd.h"
#include "core/record.h"
#include "db/db.h"
#include "tests/support/tsnap.h"

#define MINUTES (getenv("BENCH_MINUTES") ? atol(getenv("BENCH_MINUTES")) : 365L * 24 * 60)

/* The churn of the site at a minute, a pure function of the minute (deterministic). */
struct churn {
	long queue;             /* deferred mails */
	int restarted;          /* index of a service that restarted, -1 */
	long restarts[18];      /* cumulative counts */
	bool clamd_starting;
	bool dns_timeout;
	bool docker_down;
	int dkim_rotation;      /* how many mxroute key rotations so far */
	int sts_generation;
};

static unsigned long long rng(unsigned long long x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void churn_at(long m, struct churn *c, const struct churn *prev)
{
	if (prev)
		*c = *prev;
	else
		memset(c, 0, sizeof(*c));
	long hour = m / 60, day = m / 1440;
	/* the deferred queue moves hourly; a burst over 10 a couple of times a week */
	unsigned long long h = rng((unsigned long long)hour * 7919);
	c->queue = (long)(h % 6) + ((h >> 8) % 80 == 0 ? 12 : 0) + ((h >> 16) % 400 == 0 ? 35 : 0);
	/* about one container restart every two days */
	c->restarted = -1;
	unsigned long long r = rng((unsigned long long)m * 104729 + 1);
	if (r % 2880 == 0) {
		c->restarted = (int)((r >> 20) % 18);
		c->restarts[c->restarted]++;
	}
	/* clamd starts for 5 minutes after its restart */
	c->clamd_starting = false;
	for (long k = 0; k < 5 && m - k >= 0; k++) {
		unsigned long long rk = rng((unsigned long long)(m - k) * 104729 + 1);
		if (rk % 2880 == 0 && (rk >> 20) % 18 == 3)
			c->clamd_starting = true;
	}
	/* the resolver times out two minutes a week, Docker is away three minutes a month */
	c->dns_timeout = m % (7 * 1440) >= 3000 && m % (7 * 1440) < 3002;
	c->docker_down = m % (30 * 1440) >= 9000 && m % (30 * 1440) < 9003;
	c->dkim_rotation = (int)(day / 90);
	c->sts_generation = (int)(day / 120);
}

static bool churn_same(const struct churn *a, const struct churn *b)
{
	return a->queue == b->queue && memcmp(a->restarts, b->restarts, sizeof(a->restarts)) == 0 &&
	       a->clamd_starting == b->clamd_starting && a->dns_timeout == b->dns_timeout &&
	       a->docker_down == b->docker_down && a->dkim_rotation == b->dkim_rotation &&
	       a->sts_generation == b->sts_generation;
}

static struct snapshot *snapshot_at(const struct churn *c)
{
	struct snapshot *s = tsnap_site();
	s->mailcow.queue_deferred = c->queue;
	s->mailcow.queue_total = c->queue + 2;
	for (size_t i = 0; i < s->docker.n_containers && i < 18; i++)
		s->docker.containers[i].restart_count = c->restarts[i];
	if (c->clamd_starting)
		tsnap_container(s, "clamd-mailcow")->health = HEALTH_STARTING;
	if (c->dns_timeout)
		tsnap_fail(&s->dns_err, "timed out after 2000 ms");
	if (c->docker_down)
		tsnap_fail(&s->docker.err, "connect to /run/docker.sock: Connection refused");
	if (c->dkim_rotation % 2) {
		char *rec = xasprintf("v=DKIM1; k=rsa; p=%s", TK_PKCS1);
		tsnap_answer(tsnap_dkim(tsnap_domain(s, "example.com"), "mxroute"), DNS_OK, rec, NULL);
		free(rec);
	}
	char *id = xasprintf("v=STSv1; id=2026%08d", c->sts_generation);
	tsnap_answer(&tsnap_domain(s, "example.net")->dns.mta_sts_txt, DNS_OK, id, NULL);
	free(id);
	return s;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long long)st.st_size : 0;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("MCON_TEST_TMP");
	char *dir = argc > 1 ? xstrdup(argv[1]) : xasprintf("%s/bench-history", tmp && *tmp ? tmp : "/tmp");
	const char *bin = argc > 2 ? argv[2] : getenv("MCON_BIN");
	mkdir_p(dir, 0700);
	char *path = xasprintf("%s/bench-history.db", dir);
	unlink(path);
	struct db_error err;
	struct db *db = db_open(path, 0, &err);
	if (!db) {
		fprintf(stderr, "bench_history: %s\n", err.msg);
		return 1;
	}
	struct config cfg;
	tsnap_config(&cfg, NULL);
	const time_t t0 = 1733011200; /* 2024-12-01 */
	struct churn prev, cur;
	long runs = 0, rows = 0;
	double t_start = now_s(), t_rec = 0;
	for (long m = 0; m < MINUTES; m++) {
		churn_at(m, &cur, m ? &prev : NULL);
		bool daily = m % 1440 == 0;
		if (m == 0 || daily || !churn_same(&cur, &prev)) {
			struct snapshot *s = snapshot_at(&cur);
			struct changes ch;
			long pruned;
			double a = now_s();
			if (record_run(db, &cfg, s, t0 + m * 60, &ch, &pruned) != DB_OK) {
				fprintf(stderr, "bench_history: minute %ld: %s\n", m, db_errmsg(db));
				return 1;
			}
			t_rec += now_s() - a;
			rows += (long)ch.n;
			runs++;
			changes_free(&ch);
			tsnap_free(s);
		}
		prev = cur;
	}
	db_close(db);
	config_free(&cfg);
	long long size = file_size(path);
	char *wal = xasprintf("%s-wal", path);
	size += file_size(wal);
	free(wal);
	printf("history: a year of once-a-minute records (%ld minutes, %ld with a change or daily ran the record path, %.1f ms each), %ld history rows\n",
	       MINUTES, runs, runs ? 1000.0 * t_rec / (double)runs : 0.0, rows);
	printf("history: database size %.1f MB (limit 50 MB) %s\n", (double)size / 1e6, size < 50 * 1000 * 1000 ? "PASS" : "FAIL");
	int rc = size < 50 * 1000 * 1000 ? 0 : 1;

	/* mcon history --since 7d at the end of the year */
	if (bin && *bin && access(bin, X_OK) == 0) {
		char *cmd = xasprintf("MCON_NOW=%ld %s --config /dev/null --db '%s' history --since 7d --json > '%s/history.json'",
				      (long)(t0 + MINUTES * 60), bin, path, dir);
		double best = 1e9;
		int st = 0;
		for (int i = 0; i < 5; i++) {
			double a = now_s();
			st = system(cmd);
			double d = now_s() - a;
			best = d < best ? d : best;
		}
		char *out = xasprintf("%s/history.json", dir);
		long long n = file_size(out);
		printf("history: mcon history --since 7d --json: %.1f ms wall (best of 5, %lld bytes of JSON, limit 50 ms) %s\n",
		       best * 1000, n, st == 0 && best < 0.050 ? "PASS" : "FAIL");
		if (st != 0 || best >= 0.050)
			rc = 1;
		free(out);
		free(cmd);
	}
	printf("history: total bench time %.1f s\n", now_s() - t_start);
	free(path);
	free(dir);
	return rc;
}
