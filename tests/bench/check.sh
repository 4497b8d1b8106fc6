#!/usr/bin/env bash
# bench check: `mcon check` against the simulator's demo scenario with no added latency,
# best of 5 wall times (limit 300 ms); then `mcon check --only 'containers.*'` beside its
# anchor `docker ps -a --filter label=...` on the same socket, as a ratio (goal: at most
# 0.5x; a figure, not failed). Usage: check.sh BUILD_DIR (run by tests/bench/run).
set -uo pipefail
B=${1:-build}
T=$(mktemp -d /tmp/mcon-bench-check.XXXXXX)
sim_pid=
cleanup() {
	if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT
if [ ! -x "$B/mcon-sim" ] || [ ! -x "$B/mcon" ]; then
	echo "check: $B/mcon and $B/mcon-sim are needed"; exit 1
fi
"$B/mcon-sim" --dir "$T/sim" >"$T/sim.out" 2>"$T/sim.err" &
sim_pid=$!
for _ in $(seq 1 300); do
	grep -q '^ready ' "$T/sim.out" 2>/dev/null && break
	kill -0 "$sim_pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '^ready ' "$T/sim.out"; then
	echo "check: the simulator did not get ready:"; tail -5 "$T/sim.err"; exit 1
fi
conf=$(sed -n 's/^ready //p' "$T/sim.out" | head -1)
best= code=
for _ in 1 2 3 4 5; do
	s=$(date +%s%N)
	"$B/mcon" --config "$conf" check >"$T/check.out" 2>&1
	code=$?
	e=$(date +%s%N)
	ms=$(( (e - s) / 1000000 ))
	if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
# best_us CMD...: the best wall time of 5 runs, in microseconds.
best_us() {
	local b= s e us
	for _ in 1 2 3 4 5; do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s%N)
		us=$(( (e - s) / 1000 ))
		if [ -z "$b" ] || [ "$us" -lt "$b" ]; then b=$us; fi
	done
	echo "$b"
}
sock=$(sed -n 's|^host = unix://||p' "$conf" | head -1)
project=$(sed -n 's/^project = //p' "$conf" | head -1)
scoped=$(best_us "$B/mcon" --config "$conf" check --only 'containers.*')
start=$(best_us "$B/mcon" --version)
if command -v docker >/dev/null 2>&1; then
	anchor=$(best_us docker -H "unix://$sock" ps -a --filter "label=com.docker.compose.project=$project")
	echo "check: --only 'containers.*' $((scoped / 1000)).$(( (scoped % 1000) / 100 )) ms vs docker ps" \
	     "$((anchor / 1000)).$(( (anchor % 1000) / 100 )) ms: $(awk -v a="$scoped" -v b="$anchor" \
	     'BEGIN { printf "%.2f", a / b }')x (goal 0.5x; mcon --version alone:" \
	     "$((start / 1000)).$(( (start % 1000) / 100 )) ms)"
else
	echo "check: --only 'containers.*' $((scoped / 1000)) ms (no docker CLI: no anchor)"
fi
verdict=PASS; rc=0
[ "$best" -lt 300 ] || { verdict=FAIL; rc=1; }
if ! head -1 "$T/check.out" | grep -q '^MCON '; then
	verdict="FAIL (no Nagios output)"; rc=1
fi
echo "check: mcon check on the demo site: ${best} ms wall (best of 5, exit $code, limit 300 ms) $verdict"
head -1 "$T/check.out" | cut -c1-200
exit $rc
