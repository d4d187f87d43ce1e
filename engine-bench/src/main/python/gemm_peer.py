#!/usr/bin/python3
"""Side-by-side SGEMM timing: tessel's Cpu backend (bench gemm) against numpy's OpenBLAS.

Peer rules (docs DESIGN.md section 5): same shapes, fp32, same thread count; numpy runs in a
subprocess with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset and OPENBLAS_NUM_THREADS=T; both
programs warm up before timing; the two alternate for several rounds in one run (the order flips
each round) and the median per-round ratio tessel/numpy is quoted. On a loaded machine the
one-thread rows also give the ratio of rates per CPU-second of the computing thread (time lost to
other processes excluded; cache sharing with them is not). Run with Debian's python3
(the pyenv python first on PATH has no numpy; this script re-executes itself under /usr/bin/python3):

    /usr/bin/python3 engine-bench/src/main/python/gemm_peer.py [--sizes 1024,2048] [--threads 1,2] [--rounds 3]

Needs `./mvnw -B -q -pl engine-bench -am compile` first (it runs the compiled classes).
"""
import argparse
import os
import statistics
import subprocess
import sys

SYSTEM_PYTHON = "/usr/bin/python3"
if os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON) and os.path.exists(SYSTEM_PYTHON):
    os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
JAVA = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64") + "/bin/java"
CLASSPATH = ":".join(os.path.join(REPO, m, "target", "classes") for m in ("engine-bench", "engine-kernels", "engine-tensor"))
JVM_FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
             "-XX:+UnlockDiagnosticVMOptions", "-XX:-OptoRegScheduling", "-XX:-UseProfiledLoopPredicate", "-XX:+UseTransparentHugePages"]

# Runs inside the numpy subprocess: warm up about a second, then time `reps` products; prints the
# OpenBLAS build threadpoolctl sees, then the median GFLOP/s as the last line.
NUMPY_TIMER = r"""
import sys, time, statistics
import numpy as np
n, reps = int(sys.argv[1]), int(sys.argv[2])
try:
    import threadpoolctl
    info = [(p.get("internal_api"), p.get("version"), p.get("architecture"), p.get("num_threads"))
            for p in threadpoolctl.threadpool_info()]
    print("blas:", info)
except ImportError:
    print("blas: threadpoolctl not installed")
rng = np.random.default_rng(0)
a = (rng.random((n, n), dtype=np.float32) * 2 - 1)
b = (rng.random((n, n), dtype=np.float32) * 2 - 1)
start = time.perf_counter()
calls = 0
while calls < 3 or time.perf_counter() - start < 1.0:
    a @ b
    calls += 1
rates, cpu_rates = [], []
for _ in range(reps):
    c0, t0 = time.thread_time(), time.perf_counter()
    a @ b
    t1, c1 = time.perf_counter(), time.thread_time()
    rates.append(2.0 * n ** 3 / (t1 - t0) / 1e9)
    cpu_rates.append(2.0 * n ** 3 / max(c1 - c0, 1e-9) / 1e9)
# With one thread OpenBLAS computes on this thread, so its CPU time excludes time lost to other processes.
print("cpu-gflops: %.2f" % statistics.median(cpu_rates))
print("gflops: %.2f" % statistics.median(rates))
"""


def last_gflops(output, who):
    lines = [l for l in output.strip().splitlines() if l.strip()]
    if not lines or not lines[-1].startswith("gflops:"):
        raise SystemExit("%s did not end with 'gflops: <median>':\n%s" % (who, output))
    return float(lines[-1].split(":", 1)[1])


def cpu_gflops(output):
    """The optional 'cpu-gflops:' line (rate per CPU-second of the computing thread; one-thread runs only)."""
    for line in output.splitlines():
        if line.startswith("cpu-gflops:"):
            return float(line.split(":", 1)[1])
    return None


def run_tessel(n, threads, reps):
    cmd = [JAVA] + JVM_FLAGS + ["-cp", CLASSPATH, "dev.tessel.bench.GemmCommand",
                                "--m", str(n), "--k", str(n), "--n", str(n), "--threads", str(threads), "--reps", str(reps)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("tessel failed (%d):\n%s%s" % (out.returncode, out.stdout, out.stderr))
    return last_gflops(out.stdout, "tessel"), cpu_gflops(out.stdout)


def run_numpy(n, threads, reps):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    out = subprocess.run([SYSTEM_PYTHON, "-c", NUMPY_TIMER, str(n), str(reps)], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit("numpy failed (%d):\n%s%s" % (out.returncode, out.stdout, out.stderr))
    blas = next((l for l in out.stdout.splitlines() if l.startswith("blas:")), "blas: ?")
    return last_gflops(out.stdout, "numpy"), cpu_gflops(out.stdout), blas


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1024,2048", help="square sizes M=K=N, comma-separated")
    p.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per case (>= 3)")
    p.add_argument("--reps", type=int, default=7, help="timed products per program per round (>= 5)")
    args = p.parse_args()
    if args.rounds < 3 or args.reps < 5:
        raise SystemExit("--rounds must be >= 3 and --reps >= 5")

    print("load average before: %s" % load(), flush=True)
    rows, blas_seen = [], set()
    for n in [int(s) for s in args.sizes.split(",")]:
        for threads in [int(s) for s in args.threads.split(",")]:
            tessel, numpy_rates, ratios, cpu_ratios = [], [], [], []
            for r in range(args.rounds):
                if r % 2 == 0:
                    t, t_cpu = run_tessel(n, threads, args.reps)
                    np_rate, np_cpu, blas = run_numpy(n, threads, args.reps)
                else:
                    np_rate, np_cpu, blas = run_numpy(n, threads, args.reps)
                    t, t_cpu = run_tessel(n, threads, args.reps)
                blas_seen.add(blas)
                tessel.append(t)
                numpy_rates.append(np_rate)
                ratios.append(t / np_rate)
                cpu_note = ""
                if threads == 1 and t_cpu and np_cpu:
                    cpu_ratios.append(t_cpu / np_cpu)
                    cpu_note = "; per CPU-second %.1f vs %.1f, ratio %.2f" % (t_cpu, np_cpu, t_cpu / np_cpu)
                print("n=%d threads=%d round %d: tessel %.1f GFLOP/s, numpy %.1f GFLOP/s, ratio %.2f%s (load %s)"
                      % (n, threads, r + 1, t, np_rate, t / np_rate, cpu_note, load()), flush=True)
            cpu_ratio = statistics.median(cpu_ratios) if cpu_ratios else None
            rows.append((n, threads, statistics.median(tessel), statistics.median(numpy_rates), statistics.median(ratios), cpu_ratio))

    print()
    for b in sorted(blas_seen):
        print("numpy " + b)
    print("load average after: %s" % load())
    print()
    print("| M=K=N | threads | tessel GFLOP/s | numpy (OpenBLAS) GFLOP/s | tessel/numpy (median of %d rounds) "
          "| same, per CPU-second (1 thread) |" % args.rounds)
    print("|---:|---:|---:|---:|---:|---:|")
    for n, threads, t, np_rate, ratio, cpu_ratio in rows:
        print("| %d | %d | %.1f | %.1f | %.2fx | %s |" % (n, threads, t, np_rate, ratio, "%.2fx" % cpu_ratio if cpu_ratio else "-"))


if __name__ == "__main__":
    main()
