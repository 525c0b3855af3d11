#!/usr/bin/env bash
# Stops the single-node Slurm that start.sh started: slurmd, slurmctld and munged, each by the
# pid in its pid file under $GSCOPE_SLURM_DIR (default /tmp/gscope-slurm), never by name. The
# directory (state, logs, jobcomp.log) stays; `rm -rf` it to start afresh.
set -uo pipefail

DIR=${GSCOPE_SLURM_DIR:-/tmp/gscope-slurm}

# Sends SIGTERM to the process in pid file $2 (named $1) and waits up to 15 s for it to end.
stop() {
  local name=$1 pidfile=$2 pid
  [ -f "$pidfile" ] || { echo "$name: no pid file ($pidfile)"; return 0; }
  pid=$(cat "$pidfile")
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "$name: not running"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name (pid $pid) did not stop within 15 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$pidfile"
  echo "$name stopped (pid $pid)"
}

stop slurmd "$DIR/run/slurmd.pid"
stop slurmctld "$DIR/run/slurmctld.pid"
stop munged "$DIR/munge/munged.pid"
