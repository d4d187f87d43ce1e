#!/usr/bin/env bash
# dist-mpirun.sh: the distributed jobs under a real Open MPI launch on this host (loopback), the
# commands behind the numbers in docs/results.md ("Distributed training").
#   engine-dist/src/main/sh/dist-mpirun.sh [NP [DEVICES_PER_MACHINE]]     (defaults 4 and 2)
# Runs: the collective self-test, the sharded-training check with PowerSGD off and at rank 2,
# and the prefetch timeline (PNG written to docs/img/sharding-timeline.png).
# Every rank is a ./tessel process; a rank that fails aborts the whole job (MPI_Abort).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
np="${1:-4}"
devices="${2:-2}"
command -v mpirun >/dev/null || { echo "dist-mpirun.sh: mpirun not found; apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev" >&2; exit 2; }
"$root/tessel" build >/dev/null   # build once, before the ranks start
run() { mpirun --allow-run-as-root --oversubscribe -np "$np" "$root/tessel" dist "$@" --dist mpi --devices-per-machine "$devices"; }
run selftest
run train --steps 5 --powersgd-rank 0
run train --steps 6 --powersgd-rank 2
mkdir -p "$root/docs/img"
run timeline --out "$root/docs/img/sharding-timeline.png"
