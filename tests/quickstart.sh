#!/usr/bin/env bash
# The README's quick start, step by step, in a clean directory ROOT standing in for /, against
# the simulator instead of a real MailCow (simproc_sh sets SIM_DIR). Each step
# prints "step N ok"; the first failure stops with what happened.
# usage: tests/quickstart.sh BUILD_DIR ROOT
set -euo pipefail
build=$1 root=$2
fail() { echo "FAILED: $*"; exit 1; }

# 1. install (make install; the .deb puts the same files in the same places)
make -s --no-print-directory B="$build" install DESTDIR="$root" PREFIX=/usr UNITDIR=/lib/systemd/system \
	>/dev/null || fail "make install"
mcon=$root/usr/bin/mcon
[ -x "$mcon" ] || fail "no /usr/bin/mcon"
install -d -m 2770 "$root/var/lib/mcon" "$root/etc/mcon"
echo "step 1 ok"

# 2. the key in a file readable by the admins' group, not by others
install -m 0640 "$SIM_DIR/api.key" "$root/etc/mcon/api.key"
[ "$(stat -c %a "$root/etc/mcon/api.key")" = 640 ] || fail "key mode"
echo "step 2 ok"

# 3. mcon.conf from the example, pointed at the stack (here: the simulator's values)
cp "$root/usr/share/doc/mcon/examples/mcon.conf.example" "$root/etc/mcon/mcon.conf.example"
sed -e "s|^api_key_file = .*|api_key_file = $root/etc/mcon/api.key|" \
	-e "s|^db = .*|db = $root/var/lib/mcon/mcon.db|" "$SIM_DIR/mcon.conf" > "$root/etc/mcon/mcon.conf"
grep -q "^db = $root/var/lib/mcon/mcon.db" "$root/etc/mcon/mcon.conf" ||
	printf '\n[state]\ndb = %s\n' "$root/var/lib/mcon/mcon.db" >> "$root/etc/mcon/mcon.conf"
export MCON_CONFIG=$root/etc/mcon/mcon.conf
echo "step 3 ok"

# 4. mcon info: every part answers
out=$("$mcon" info 2>&1) || fail "mcon info: $out"
echo "step 4 ok"

# 5. the timer's service, as systemd would run it (its ExecStart, paths under ROOT)
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/mcon-record.service")
[ -n "$exec_start" ] || fail "no ExecStart"
cmd=${exec_start//\/usr\/bin\/mcon/$mcon}
cmd=${cmd//\/etc\/mcon/$root/etc/mcon}
out=$($cmd 2>&1) || fail "$cmd: $out"
"$mcon" history | grep -q . || fail "no history after the record"
"$mcon" __complete onboard "" | grep -q . || fail "no recorded domains for completion"
echo "step 5 ok"

# 6. the console opens on the stack and quits on q
sock=qs$$
tmux -L "$sock" new-session -d -x 100 -y 30 "MCON_CONFIG=$MCON_CONFIG $mcon; echo exited \$?; sleep 30"
for _ in $(seq 1 300); do
	screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null || true)
	case $screen in *"1 Domains"*) break ;; esac
	sleep 0.1
done
case $screen in *"1 Domains"*) ;; *) tmux -L "$sock" kill-server; fail "no console: $screen" ;; esac
tmux -L "$sock" send-keys q
for _ in $(seq 1 300); do
	screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null || true)
	case $screen in *"exited 0"*) break ;; esac
	sleep 0.1
done
tmux -L "$sock" kill-server 2>/dev/null || true
case $screen in *"exited 0"*) ;; *) fail "console did not quit: $screen" ;; esac
echo "step 6 ok"
