#!/usr/bin/env bash
# Starts a single-node Slurm on this machine for derm's Slurm tests (as root, no systemd): munged,
# slurmctld and slurmd, with two fake GPUs as gres devices, and waits until the node is idle.
# Writes /etc/slurm/{slurm,gres}.conf, but never over a slurm.conf it did not write (a machine's
# real Slurm) unless DERM_SLURM_FORCE=1 (then the old files are kept as *.derm-backup).
# Idempotent: daemons already running are left alone. `scripts/slurm-up.sh stop` stops them.
# The recipe: docs/deploy.md ("Slurm on one machine").
set -euo pipefail
NODE=derm-node
CONF=/etc/slurm
if [ "${1:-}" = stop ]; then
  for d in slurmd slurmctld; do pkill -x "$d" 2>/dev/null || true; done
  for _ in $(seq 100); do { pgrep -x slurmd || pgrep -x slurmctld; } >/dev/null || break; sleep 0.1; done
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "slurm-up: run as root" >&2; exit 1; }
for tool in slurmctld slurmd munged sinfo; do
  command -v "$tool" >/dev/null || { echo "slurm-up: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

mkdir -p /run/munge /var/spool/slurmctld /var/spool/slurmd /var/log/slurm "$CONF"
chown munge:munge /run/munge
chown slurm:slurm /var/spool/slurmctld /var/log/slurm
[ -s /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- munged
for i in 0 1; do [ -e /dev/fakegpu$i ] || mknod /dev/fakegpu$i c 1 $((3 + 2 * i)); done

cpus=$(nproc)
# Slurm refuses a node that claims more memory than it has: 90 % of it, in MB.
memory=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
MARK="# written by derm's scripts/slurm-up.sh"
if [ -f "$CONF/slurm.conf" ] && ! grep -qxF "$MARK" "$CONF/slurm.conf" && [ "${DERM_SLURM_FORCE:-0}" != 1 ]; then
  echo "slurm-up: $CONF/slurm.conf is not derm's: this machine has a Slurm of its own, which is left" \
       "alone (DERM_SLURM_FORCE=1 replaces it, keeping a backup)" >&2
  exit 1
fi
conf=$(cat <<CONF
$MARK
ClusterName=dermtest
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
KillWait=10
ReturnToService=2
NodeName=$NODE NodeHostname=$(hostname) CPUs=$cpus RealMemory=$memory Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
)
changed=0
for f in slurm.conf gres.conf; do
  [ -f "$CONF/$f" ] && [ ! -f "$CONF/$f.derm-backup" ] && cp "$CONF/$f" "$CONF/$f.derm-backup"
done
if [ "$(cat "$CONF/slurm.conf" 2>/dev/null)" != "$conf" ]; then echo "$conf" > "$CONF/slurm.conf"; changed=1; fi
gres="NodeName=$NODE Name=gpu File=/dev/fakegpu[0-1]"
if [ "$(cat "$CONF/gres.conf" 2>/dev/null)" != "$gres" ]; then echo "$gres" > "$CONF/gres.conf"; changed=1; fi
if [ $changed = 1 ]; then  # restart on the new configuration, once the old daemons are gone
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  for _ in $(seq 100); do { pgrep -x slurmd || pgrep -x slurmctld; } >/dev/null || break; sleep 0.1; done
fi
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd -N "$NODE"
for _ in $(seq 60); do
  state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  case "$state" in
    idle|mixed|allocated) echo "slurm-up: node $NODE is $state ($cpus CPUs, $memory MB, 2 fake GPUs)"; exit 0 ;;
    down*|drain*|inval*) scontrol update nodename="$NODE" state=resume 2>/dev/null || true ;;
  esac
  sleep 1
done
echo "slurm-up: the node did not come up; sinfo says '${state:-nothing}'. Logs: /var/log/slurm/" >&2
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
