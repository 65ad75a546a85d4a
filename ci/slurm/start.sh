#!/usr/bin/env bash
# Start a throw-away single-node SLURM cluster (munged, slurmctld, slurmd) for the workflow's tests.
#
# Usage: bash ci/slurm/start.sh DIR      then  export SLURM_CONF=DIR/slurm.conf
#        bash ci/slurm/stop.sh DIR       stops exactly the daemons started here (by their PID files)
#
# Everything (config, munge key and socket, state, logs, PID files) lives in DIR, so the machine's own
# /etc/slurm and /etc/munge are neither read nor changed. Needs root and Debian's slurm-wlm and munge
# packages. No cgroups (proctrack/linuxproc, task/none) and no accounting database: run Snakemake with
# --slurm-status-command squeue, which the SLURM plugin honours only when MinJobAge is at least
# 3 x --slurm-init-seconds-before-status-checks (MinJobAge=900 here; the tests check after 2 s).
set -euo pipefail

dir=${1:?usage: start.sh DIR (an empty directory for config, state and logs)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
chmod 700 "$dir"

for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || {
        echo "start.sh: $tool not found; install with: apt-get install -y slurm-wlm munge" >&2
        exit 1
    }
done
if [ "$(id -u)" -ne 0 ]; then
    echo "start.sh: must run as root (slurmd starts jobs as their submitting user)" >&2
    exit 1
fi

node=$(hostname -s)
cpus=$(nproc)
memory_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.85}' /proc/meminfo)
def_mem_per_cpu=$((memory_mb / cpus / 2))
ctld_port=${SLURMCTLD_PORT:-6817}
slurmd_port=${SLURMD_PORT:-6818}
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"

# Our own munge key and socket, so a munged already running on the machine is left alone.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force \
    --key-file="$dir/munge/munge.key" \
    --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed"

cat >"$dir/slurm.conf" <<CONF
# Single-node test cluster written by ci/slurm/start.sh
ClusterName=resistseq-ci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
# Without cgroups this is how a job over its --mem is killed (as OUT_OF_MEMORY), like on a real cluster.
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=$def_mem_per_cpu
MinJobAge=900
ReturnToService=2
MpiDefault=none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
# slurmd 22.05 loads a cgroup plugin even with proctrack/linuxproc; v1 keeps it from failing here.
echo "CgroupPlugin=cgroup/v1" >"$dir/cgroup.conf"

export SLURM_CONF=$dir/slurm.conf
slurmctld
slurmd

# The SLURM plugin's job step (snakemake-executor-plugin-slurm-jobstep 0.6.1) removes every SLURM_*
# variable, SLURM_CONF included, before its inner srun. Without SLURM_CONF and /etc/slurm/slurm.conf,
# SLURM clients read /run/slurm/conf/slurm.conf (where a configless slurmd links its config), so link
# this directory there for the cluster's lifetime; stop.sh removes the link.
if [ ! -e /etc/slurm/slurm.conf ]; then
    mkdir -p /run/slurm
    if [ -L /run/slurm/conf ] || [ ! -e /run/slurm/conf ]; then
        ln -sfn "$dir" /run/slurm/conf
    else
        echo "start.sh: /run/slurm/conf exists; jobs' inner srun may not find this cluster's config" >&2
    fi
fi

for _ in $(seq 60); do
    state=$(sinfo --noheader --format=%T 2>/dev/null || true)
    case "$state" in
    idle*)
        echo "SLURM test cluster is up: node $node, $cpus CPUs, ${memory_mb} MB; export SLURM_CONF=$dir/slurm.conf"
        exit 0
        ;;
    esac
    sleep 0.5
done
echo "start.sh: the node did not become idle within 30 s (state: '${state:-none}'); logs in $dir/log" >&2
tail -n 20 "$dir/log/"*.log >&2 || true
exit 1
