#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: one command that runs the CUDA backend tests (which must run,
# not skip), builds and runs every kernel lab in cuda-src/dev for this GPU's architecture (GEMM
# against cuBLAS when its headers are installed; sparse vs dense attention when the attention lab
# is present), and prints one table: lab, validation, and the sweep rows (time, GB/s or TFLOP/s).
#   scripts/gpu-check.sh            everything
#   scripts/gpu-check.sh --labs     labs only
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1 || { echo "gpu-check: no NVIDIA GPU here (nvidia-smi -L failed)" >&2; exit 2; }
command -v nvcc >/dev/null || { echo "gpu-check: nvcc not on PATH (needed to build the labs)" >&2; exit 2; }
cap="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '.')"
gpu="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

if [ "${1:-}" != "--labs" ]; then
  echo "gpu-check: CUDA backend tests on $gpu (sm_$cap)"
  JAVA_HOME="${JAVA_HOME:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1)}" \
    ./mvnw -B -q -pl engine-kernels -am test -Dtest='CudaKernelTest' -Dsurefire.failIfNoSpecifiedTests=false
  report=engine-kernels/target/surefire-reports/TEST-dev.tessel.kernels.CudaKernelTest.xml
  if grep -q 'skipped="[1-9]' "$report"; then
    echo "gpu-check: the CUDA tests skipped on a GPU machine:" >&2
    grep -o 'TestAbortedException: [^]]*' "$report" | head -3 >&2
    exit 1
  fi
  echo "gpu-check: CUDA tests passed"
fi

status=0
printf '\n%-28s %-10s %s\n' "lab" "validation" "sweep row"
for lab in cuda-src/dev/*_lab.cu; do
  name="$(basename "$lab" .cu)"
  extra=()
  if [ "$name" = gemm_lab ] && echo '#include <cublas_v2.h>' | nvcc -x cu -E - >/dev/null 2>&1; then extra=(-DLAB_CUBLAS -lcublas); fi
  if ! nvcc -O3 -fmad=false -arch="sm_$cap" -I cuda-src/include -o "$out/$name" "$lab" "${extra[@]}" > "$out/$name.build" 2>&1; then
    printf '%-28s %-10s %s\n' "$name" "BUILD-FAIL" "$(head -1 "$out/$name.build")"
    status=1
    continue
  fi
  if (cd cuda-src/dev && "$out/$name") > "$out/$name.log" 2>&1; then verdict=ok; else verdict=FAIL; status=1; fi
  first=1
  # Sweep rows are the lines after the header line of the sweep (a line starting with spaces and a number).
  while IFS= read -r row; do
    printf '%-28s %-10s %s\n' "$([ $first = 1 ] && echo "$name" || echo "")" "$([ $first = 1 ] && echo "$verdict" || echo "")" "$row"
    first=0
  done < <(awk 'seen && NF { print } /^ *(size|n|batch|rows|T) /{ seen = 1; print }' "$out/$name.log")
  [ $first = 1 ] && printf '%-28s %-10s %s\n' "$name" "$verdict" "(no sweep output; see the log)"
  [ "$verdict" = FAIL ] && grep -m5 -i 'mismatch\|FAIL' "$out/$name.log" | sed 's/^/    /'
done
exit $status
