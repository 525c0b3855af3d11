#!/usr/bin/env bash
# A real single-node Slurm on this machine, for `gscope sweep slurm --submit` and its tests.
#
#   notebooks-scripts/slurm/start.sh        # then: export SLURM_CONF=$GSCOPE_SLURM_DIR/slurm.conf
#   notebooks-scripts/slurm/stop.sh
#
# Everything lives under one directory, $GSCOPE_SLURM_DIR (default /tmp/gscope-slurm): the munge
# key, socket and log, slurm.conf, the controller's state, slurmd's spool, the daemons' logs and
# pid files, and a job-completion log (jobcomp.log). Nothing under /etc is written: the client
# commands find this cluster through SLURM_CONF, and munge runs on its own socket, so a system
# munged or Slurm on the same machine is left alone.
#
# The node is this machine: named after `hostname -s`, with the CPUs, sockets, cores and memory
# `slurmd -C` detects. No cgroups: proctrack/linuxproc and task/none, so it also runs in a container
# without cgroup access (it must run as root: slurmd starts the jobs as their owners). Cores and
# memory are consumable resources (select/cons_tres, CR_Core_Memory): an array task holds the
# CPUs of --cpus-per-task and the memory of --mem, and as many tasks run at once as fit. There is
# no accounting database (slurmdbd), so `sacct` has nothing to show; jobcomp.log holds one line
# per finished job or array task (state, exit code, start and end).
#
# On a machine without Slurm it installs `slurm-wlm munge` with apt-get (root). It waits until
# `sinfo` shows the node idle; when Slurm cannot start it prints why (the daemons' last log lines)
# and exits 1. Already running (the node answers): prints so and exits 0.
#
# Environment: GSCOPE_SLURM_DIR, GSCOPE_SLURM_PORT (slurmctld's port, default 6817; slurmd uses the
# next one), GSCOPE_SLURM_TIMEOUT (seconds to wait for an idle node, default 60), GSCOPE_SLURM_INSTALL
# (0: fail instead of installing missing packages; the tests set it).
set -euo pipefail

DIR=${GSCOPE_SLURM_DIR:-/tmp/gscope-slurm}
PORT=${GSCOPE_SLURM_PORT:-6817}
TIMEOUT=${GSCOPE_SLURM_TIMEOUT:-60}
NODE=$(hostname -s)
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF

fail() { echo "slurm/start.sh: $*" >&2; exit 1; }
# sinfo on this cluster, at most 5 s (a port held by something that never answers would hang it).
node_info() { timeout 5 sinfo -h -N -n "$NODE" -o "$1" 2>/dev/null || true; }
# After a daemon was started: stop what this script started, then fail.
fail_and_stop() { GSCOPE_SLURM_DIR=$DIR "$(dirname "$0")/stop.sh" >/dev/null 2>&1; fail "$@"; }

# The last lines of every log under DIR, to say why a daemon did not come up.
show_logs() {
  for log in "$DIR"/munge/munged.log "$DIR"/log/slurmctld.log "$DIR"/log/slurmd.log; do
    [ -s "$log" ] || continue
    echo "--- last lines of $log" >&2
    tail -n 15 "$log" >&2
  done
}

[ "$(id -u)" = 0 ] || fail "needs root (slurmd starts jobs as their owners; munged and the daemons run as root here)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
   || ! command -v sbatch >/dev/null; then
  [ "${GSCOPE_SLURM_INSTALL:-1}" = 1 ] \
    || fail "slurm-wlm and munge are not installed (run this script once as root to install them, or apt-get install slurm-wlm munge)"
  echo "== installing slurm-wlm munge"
  apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge \
    || fail "apt-get install slurm-wlm munge failed"
fi

# Already up: the controller answers and the node is idle or working. Otherwise whatever is left
# of an earlier start in DIR (a daemon that died, a node that is down) is stopped first.
if [ -f "$CONF" ]; then
  state=$(node_info '%T')
  case "$state" in
    idle | mixed | allocated | completing)
      echo "Slurm is already running (node $NODE: $state); export SLURM_CONF=$CONF"
      exit 0 ;;
  esac
  "$(dirname "$0")/stop.sh" >/dev/null
fi

mkdir -p "$DIR"/munge "$DIR"/state "$DIR"/spool "$DIR"/log "$DIR"/run
chmod 0755 "$DIR" "$DIR"/munge   # munged: the socket's directories must be searchable by all

# munge: a fresh key (1024 random bytes, owner-only, as munged demands) and a daemon on our socket.
if [ ! -s "$DIR/munge/munge.key" ]; then
  head -c 1024 /dev/urandom > "$DIR/munge/munge.key"
fi
chmod 0400 "$DIR/munge/munge.key"
SOCKET=$DIR/munge/munge.socket
if [ -f "$DIR/munge/munged.pid" ] && kill -0 "$(cat "$DIR/munge/munged.pid")" 2>/dev/null; then
  :
else
  rm -f "$SOCKET" "$SOCKET.lock" "$DIR/munge/munged.pid"
  munged --key-file="$DIR/munge/munge.key" --socket="$SOCKET" --pid-file="$DIR/munge/munged.pid" \
    --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed" \
    || { show_logs; fail "munged did not start"; }
fi
for _ in $(seq 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
echo test | munge --socket="$SOCKET" | unmunge --socket="$SOCKET" >/dev/null 2>&1 \
  || { show_logs; fail_and_stop "munge cannot encode and decode a credential on $SOCKET"; }

# The node as slurmd detects it (CPUs, sockets, cores, threads, memory), named after this host.
detected=$(slurmd -C 2>/dev/null | head -n 1) || true
case "$detected" in
  NodeName=*) node_line="NodeName=$NODE NodeAddr=127.0.0.1 ${detected#NodeName=* } State=UNKNOWN" ;;
  *) fail_and_stop "slurmd -C did not describe this machine: $detected" ;;
esac

cat > "$CONF" <<EOF
# Written by notebooks-scripts/slurm/start.sh: one node, this machine; everything under $DIR.
ClusterName=gscope
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
MaxArraySize=100001
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
MinJobAge=300
$node_line
PartitionName=gscope Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

# The daemons fork into the background and write their pid files; -c starts the controller
# without the state of an earlier cluster in DIR (its jobs are gone with it).
slurmctld -c -f "$CONF" || { show_logs; fail_and_stop "slurmctld did not start"; }
slurmd -f "$CONF" || { show_logs; fail_and_stop "slurmd did not start"; }

deadline=$(( $(date +%s) + TIMEOUT ))
state=""
while [ "$(date +%s)" -lt "$deadline" ]; do
  state=$(node_info '%T')
  [ "$state" = idle ] && break
  sleep 1
done
if [ "$state" != idle ]; then
  show_logs
  reason=$(node_info '%E')
  fail_and_stop "node $NODE is not idle after ${TIMEOUT}s (state: ${state:-no answer from slurmctld}${reason:+, reason: $reason})"
fi
echo "Slurm is up: node $NODE idle ($(node_info '%c CPUs, %m MB')); export SLURM_CONF=$CONF"
