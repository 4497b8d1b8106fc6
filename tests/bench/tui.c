/* bench tui: the console's figures on a pty (through libvterm, as in the screen tests):
 * time from start to the first complete screen, CPU used while idle, resident memory with
 * the demo site and with 1000 domains, and the cost of one full redraw. With $MCON_SIM_BIN
 * it also measures the real binary against the simulator's demo scenario, and with
 * $MCON_BIN the exec of it to the first screen from the last known state.
 *   MCON_BENCH_IDLE_S   idle period in seconds (default 10; the figure is per 60 s too) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/util.h"
#include "tests/support/simproc.h"
#include "tests/support/tui_run.h"

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CPU time (user + system) of a process in clock ticks. */
static long long cpu_ticks(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *s = file_read(path, 8192, NULL);
	if (!s)
		return -1;
	/* fields after the ")" of comm: state(3) ... utime(14) stime(15) */
	char *p = strrchr(s, ')');
	long long ut = 0, st = 0;
	if (p)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &ut, &st);
	free(s);
	return ut + st;
}

static long rss_kb(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *s = file_read(path, 65536, NULL);
	if (!s)
		return -1;
	char *p = strstr(s, "VmRSS:");
	long kb = p ? atol(p + 6) : -1;
	free(s);
	return kb;
}

static struct simproc *sim;

static int run_mcon(void *ud)
{
	(void)ud;
	char *argv[] = {(char *)"mcon", (char *)"--config", sim->conf, NULL};
	return cli_main(3, argv);
}

/* The real binary, exec'd on the pty ($MCON_BIN), as an admin starts it. */
static int exec_mcon(void *ud)
{
	const char *bin = ud;
	execl(bin, bin, "--config", sim->conf, (char *)NULL);
	return 127;
}

/* Milliseconds from t0 until a screen row holds needle, or -1 after timeout_ms. */
static long long until_row(struct vt *t, const char *needle, long long t0, int timeout_ms)
{
	while (ms_now() - t0 < timeout_ms) {
		if (vt_find_row(t, needle) >= 0)
			return ms_now() - t0;
		vt_pump(t, 1, 0);
	}
	return -1;
}

/* Exec to the first complete screen (the demo's domains drawn) of the real binary, now that
 * a previous run kept the last known state; and to the live screen that replaces it. */
static void bench_exec_first_screen(void)
{
	const char *bin = getenv("MCON_BIN");
	if (!bin || access(bin, X_OK) != 0) {
		printf("tui.exec_first_screen_ms      skipped: no $MCON_BIN\n");
		return;
	}
	long long best = -1, live_best = -1;
	bool stale = false;
	for (int i = 0; i < 5; i++) {
		long long t0 = ms_now();
		struct vt *t = vt_spawn(24, 80, NULL, NULL, exec_mcon, (void *)bin);
		long long first = until_row(t, "florosafd.org", t0, 10000);
		stale = stale || vt_contains(t, "as of ");
		long long live = vt_wait(t, "refreshed ", 10000) ? ms_now() - t0 : -1;
		vt_close(t, NULL);
		if (first >= 0 && (best < 0 || first < best))
			best = first;
		if (live >= 0 && (live_best < 0 || live < live_best))
			live_best = live;
	}
	printf("tui.exec_first_screen_ms      %lld   (exec of mcon to the demo's domains drawn%s, best of 5; goal < 50: "
	       "%.2fx)\n", best, stale ? " from the last known state" : "", (double)best / 50.0);
	printf("tui.exec_live_screen_ms       %lld   (exec to the live collect's screen, best of 5; first screen at "
	       "%.2fx of it)\n", live_best, live_best > 0 ? (double)best / (double)live_best : 0.0);
}

/* The real console (cli_main, the live backend) on the simulator's demo scenario. */
static int bench_demo(int idle_s, long hz)
{
	sim = simproc_start(NULL, NULL);
	if (!sim) {
		fprintf(stderr, "bench tui: the simulator did not start (%s)\n", simproc_bin());
		return 1;
	}
	long long t0 = ms_now();
	struct vt *t = vt_spawn(24, 80, NULL, NULL, run_mcon, NULL);
	/* complete: the header says when it refreshed and the checklist is read */
	bool ok = vt_wait(t, "refreshed ", 10000);
	long long first = ms_now() - t0;
	vt_char(t, '4');
	ok = ok && vt_wait(t, "#3", 5000);
	vt_char(t, '1');
	if (!ok) {
		fprintf(stderr, "bench tui: the demo console did not show its first screen\n");
		vt_close(t, NULL);
		simproc_stop(sim);
		return 1;
	}
	printf("tui.demo_first_screen_ms      %lld   (mcon on the simulator's demo site, start to the first complete screen; target < 150)\n",
	       first);
	vt_pump(t, 500, 0);
	long long c0 = cpu_ticks(t->pid), w0 = ms_now();
	vt_pump(t, idle_s * 1000, 0);
	long long c1 = cpu_ticks(t->pid);
	double pct = 100.0 * (double)(c1 - c0) / (double)hz / ((double)(ms_now() - w0) / 1000.0);
	printf("tui.demo_idle_cpu_percent     %.3f   (over %d s idle with the event stream open; %.3f s of CPU per 60 s; target < 1%%)\n",
	       pct, idle_s, pct * 60.0 / 100.0);
	printf("tui.demo_rss_kb               %ld   (target < 20480)\n", rss_kb(t->pid));
	char *rep = NULL;
	vt_close(t, &rep);
	free(rep);
	bench_exec_first_screen();
	simproc_stop(sim);
	return 0;
}

static int fail(const char *what)
{
	fprintf(stderr, "bench tui: %s\n", what);
	return 1;
}

int main(void)
{
	int idle_s = getenv("MCON_BENCH_IDLE_S") ? atoi(getenv("MCON_BENCH_IDLE_S")) : 10;
	if (idle_s < 1)
		idle_s = 1;
	long hz = sysconf(_SC_CLK_TCK);
	struct console_run run;

	/* 1. start to the first complete screen (fake backend: the console's own cost) */
	long long t0 = ms_now();
	if (!console_start(&run, 0, 24, 80, NULL, NULL))
		return fail("the console did not show its first screen");
	if (!vt_wait(run.vt, "watchdog", 0) && !vt_wait(run.vt, "wasted-bandwidth.net", 5000))
		return fail("the domains did not show");
	long long first = ms_now() - t0;
	printf("tui.first_screen_ms           %lld   (start to the first complete screen, demo site, in-process backend; target < 150)\n",
	       first);

	/* 2. idle CPU */
	vt_pump(run.vt, 300, 0);
	long long c0 = cpu_ticks(run.vt->pid);
	long long w0 = ms_now();
	vt_pump(run.vt, idle_s * 1000, 0);
	long long c1 = cpu_ticks(run.vt->pid);
	double secs = (double)(ms_now() - w0) / 1000.0;
	double cpu_pct = 100.0 * (double)(c1 - c0) / (double)hz / secs;
	printf("tui.idle_cpu_percent          %.3f   (over %d s idle; %.3f s of CPU per 60 s; target < 1%%)\n", cpu_pct,
	       idle_s, cpu_pct * 60.0 / 100.0);

	/* 3. memory with the demo site */
	printf("tui.rss_demo_kb               %ld   (target < 20480)\n", rss_kb(run.vt->pid));

	/* 4. one full redraw (Ctrl-L repaints every cell): CPU per redraw */
	int n = 200;
	long long r0 = cpu_ticks(run.vt->pid), rw0 = ms_now();
	for (int i = 0; i < n; i++) {
		vt_ctrl(run.vt, 'l');
		vt_pump(run.vt, 5, 0);
	}
	vt_pump(run.vt, 2000, 200);
	long long r1 = cpu_ticks(run.vt->pid);
	printf("tui.full_redraw_cpu_us        %.0f   (CPU per full redraw at 80x24, %d redraws in %lld ms)\n",
	       1e6 * (double)(r1 - r0) / (double)hz / n, n, ms_now() - rw0);
	char *rep = NULL;

	/* 5. a Docker event to the containers pane, no key pressed (the tests only wait for it) */
	vt_char(run.vt, '2');
	vt_wait(run.vt, "[2 Containers]", 5000);
	long long e0 = ms_now();
	console_ctl(&run, "event clamd-mailcow health_status: unhealthy");
	if (!vt_wait(run.vt, "unhealthy", 60000))
		return fail("the Docker event did not reach the containers pane");
	printf("tui.event_to_pane_ms          %lld   (a Docker event to the containers pane; target < 2000)\n", ms_now() - e0);

	/* 6. keys while a refresh is in flight: the slowest answer (the tests check the answer) */
	console_ctl(&run, "delay 600000");
	console_ctl(&run, "task Bench delay is set");
	vt_char(run.vt, '4');
	if (!vt_wait(run.vt, "Bench delay is set", 60000))
		return fail("the fake did not take the delay");
	vt_char(run.vt, 'r');
	static const struct {
		uint32_t key;
		const char *shows;
	} steps[] = {
		{'2', "[2 Containers]"}, {'3', "[3 DKIM]"}, {'G', "16/16"}, {'4', "[4 Pending]"},
		{'?', "Help: keys"}, {'q', "[4 Pending]"}, {'5', "[5 Checks]"}, {'1', "[1 Domains]"},
	};
	long long worst = 0;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		long long k0 = ms_now();
		vt_char(run.vt, steps[i].key);
		if (!vt_wait(run.vt, steps[i].shows, 60000))
			return fail("a key was not answered during a slow refresh");
		if (ms_now() - k0 > worst)
			worst = ms_now() - k0;
	}
	printf("tui.key_during_refresh_ms     %lld   (slowest of %zu keys while a refresh is in flight; target < 500)\n",
	       worst, sizeof(steps) / sizeof(steps[0]));
	console_stop(&run, &rep);
	free(rep);

	/* 7. memory with 1000 domains */
	t0 = ms_now();
	if (!console_start(&run, FAKE_MANY, 24, 80, NULL, NULL))
		return fail("the 1000-domain console did not show");
	if (!vt_wait(run.vt, "domain0000.example", 5000))
		return fail("the 1000 domains did not show");
	printf("tui.first_screen_1000_ms      %lld\n", ms_now() - t0);
	vt_pump(run.vt, 300, 0);
	printf("tui.rss_1000_domains_kb       %ld   (target < 40960)\n", rss_kb(run.vt->pid));
	/* scrolling to the end of a 1000-row pane stays cheap */
	long long s0 = ms_now();
	vt_char(run.vt, 'G');
	if (!vt_wait(run.vt, "domain0999.example", 5000))
		return fail("G did not reach the last domain");
	printf("tui.jump_to_row_1000_ms       %lld\n", ms_now() - s0);
	console_stop(&run, &rep);
	free(rep);

	/* 8. the real binary on the simulator */
	if (access(simproc_bin(), X_OK) == 0)
		return bench_demo(idle_s, hz);
	printf("tui.demo_*                    skipped: no simulator at %s\n", simproc_bin());
	return 0;
}
