#!/usr/bin/env bash
# Stop the test cluster started by ci/slurm/start.sh DIR: only the daemons whose PID files are in DIR.
# Usage: bash ci/slurm/stop.sh DIR [--keep]   (--keep leaves DIR, with its logs, in place)
set -uo pipefail

dir=${1:?usage: stop.sh DIR [--keep]}
[ -d "$dir" ] || exit 0

stop_daemon() {
    local pidfile=$1 name=$2 pid
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    # Only signal the process if it is still the daemon we started.
    if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$name" ]; then
        kill "$pid"
        for _ in $(seq 50); do
            [ -e "/proc/$pid" ] || break
            sleep 0.1
        done
        [ -e "/proc/$pid" ] && kill -9 "$pid"
    fi
    rm -f "$pidfile"
}

stop_daemon "$dir/slurmd.pid" slurmd
stop_daemon "$dir/slurmctld.pid" slurmctld
stop_daemon "$dir/munge/munged.pid" munged

if [ "$(readlink /run/slurm/conf 2>/dev/null)" = "$(cd "$dir" && pwd)" ]; then
    rm -f /run/slurm/conf
fi

if [ "${2:-}" != "--keep" ]; then
    rm -rf "$dir"
fi
