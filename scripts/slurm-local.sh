#!/usr/bin/env bash
# Starts a single-node Slurm (munged, slurmctld, slurmd on this host) with its configuration and state in
# DIR, for tests of generated batch scripts. Usage: slurm-local.sh start DIR | stop DIR.
# After `start`, export SLURM_CONF=DIR/slurm.conf before calling sbatch/squeue.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?state directory}
dir=$(realpath -m "$dir")
case "$cmd" in
start)
  mkdir -p "$dir"/{spool,state,log,munge}
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
  # munged refuses group/world-writable parents and keys not owned by its user: run it as root with a private key.
  dd if=/dev/urandom bs=1 count=1024 of="$dir/munge/munge.key" status=none
  chmod 700 "$dir/munge"; chmod 400 "$dir/munge/munge.key"
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
  cat > "$dir/slurm.conf" <<CONF
ClusterName=nanodemon-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=$((20000 + RANDOM % 10000))
SlurmdPort=$((30000 + RANDOM % 10000))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MaxArraySize=1001
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$dir/slurm.conf"
  slurmd -f "$dir/slurm.conf"
  for _ in $(seq 1 60); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then exit 0; fi
    sleep 0.5
  done
  echo "slurm-local.sh: the node did not become idle; see $dir/log" >&2
  exit 1
  ;;
stop)
  for f in slurmd.pid slurmctld.pid munge/munged.pid; do
    if [ -f "$dir/$f" ]; then kill "$(cat "$dir/$f")" 2>/dev/null || true; fi
  done
  ;;
*) echo "usage: slurm-local.sh start|stop DIR" >&2; exit 2 ;;
esac
