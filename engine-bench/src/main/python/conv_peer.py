#!/usr/bin/python3
"""Side-by-side conv2d timing: tessel's Cpu backend against PyTorch 1.13 (Debian python3-torch).

Run from the repository root with Debian's python (the pyenv python first on PATH has no torch):

    ./mvnw -B -q -pl engine-bench -am package -DskipTests
    /usr/bin/python3 engine-bench/src/main/python/conv_peer.py --threads 1,2 --passes forward,train --rounds 3

Peer rules (DESIGN.md section 5): both sides use the same thread count (torch.set_num_threads and
-Dtessel.threads), both are warmed up before timing (oneDNN needs a few steps to pick its
kernels), torch is tried with OMP_WAIT_POLICY default and PASSIVE and, when
libopenblas0-openmp is installed, with the OpenMP OpenBLAS build (selected for that child
process only, through LD_LIBRARY_PATH), and the best torch setting is the one quoted. Tessel
and torch alternate within each round, so a change in machine load hits both; the ratio is the
median over rounds of tessel/torch-best in the same round.

Invariant: every number comes from a child process that prints 'gflops: <median>' as its last
line (tessel: dev.tessel.bench.Conv2dCommand; torch: this script with --torch-worker), with
FLOPs counted the same way on both sides: 2*B*Cout*Cin*k*k*H*W per convolution, three
convolutions for a training step (forward, input gradient, weight gradient).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

OPENBLAS_OPENMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
JVM_FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
             "-XX:+UnlockDiagnosticVMOptions", "-XX:-OptoRegScheduling", "-XX:-UseProfiledLoopPredicate", "-XX:+UseTransparentHugePages"]


def torch_worker(args):
    import torch
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(42)
    x = torch.randn(args.batch, args.cin, args.hw, args.hw, generator=g)
    w = torch.randn(args.cout, args.cin, args.kernel, args.kernel, generator=g)
    b = torch.randn(args.cout, generator=g)
    grad_out = torch.randn(args.batch, args.cout, args.hw, args.hw, generator=g)
    pad = (args.kernel - 1) // 2
    train = args.torch_worker == "train"
    if train:
        x.requires_grad_(True)
        w.requires_grad_(True)
        b.requires_grad_(True)

    def step():
        if train:
            x.grad = w.grad = b.grad = None
            torch.nn.functional.conv2d(x, w, b, padding=pad).backward(grad_out)
        else:
            with torch.no_grad():
                torch.nn.functional.conv2d(x, w, b, padding=pad)

    gflop = 2.0 * args.batch * args.cout * args.cin * args.kernel ** 2 * args.hw ** 2 * (3 if train else 1) / 1e9
    start, steps = time.perf_counter(), 0
    while steps < 4 or time.perf_counter() - start < 2.0:
        step()
        steps += 1
    rates = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        step()
        rates.append(gflop / (time.perf_counter() - t0))
    print("torch %s threads=%d: %s" % (torch.__version__, torch.get_num_threads(), [round(r, 1) for r in rates]))
    print("gflops: %.2f" % statistics.median(rates))


def last_gflops(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [l for l in out.stdout.strip().splitlines() if l.strip()]
    if out.returncode != 0 or not lines or not lines[-1].startswith("gflops:"):
        sys.exit("command failed: %s\n%s\n%s" % (" ".join(cmd), out.stdout, out.stderr))
    return float(lines[-1].split(":")[1])


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--passes", default="forward", help="comma-separated: forward, train")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--cin", type=int, default=256)
    p.add_argument("--cout", type=int, default=256)
    p.add_argument("--hw", type=int, default=32)
    p.add_argument("--kernel", type=int, default=3)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--jar", default="engine-bench/target/benchmarks.jar")
    p.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java"))
    p.add_argument("--torch-worker", choices=["forward", "train"], help=argparse.SUPPRESS)
    p.add_argument("--threads-worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_worker:
        args.threads = args.threads_worker
        torch_worker(args)
        return
    if not os.path.exists(args.jar):
        sys.exit("%s not found: build it with ./mvnw -B -q -pl engine-bench -am package -DskipTests" % args.jar)

    shape = ["--batch", str(args.batch), "--cin", str(args.cin), "--cout", str(args.cout),
             "--hw", str(args.hw), "--kernel", str(args.kernel), "--reps", str(args.reps)]
    settings = [("default", {}), ("OMP_WAIT_POLICY=PASSIVE", {"OMP_WAIT_POLICY": "PASSIVE"})]
    if os.path.isdir(OPENBLAS_OPENMP):
        settings += [("openblas-openmp", {"LD_LIBRARY_PATH": OPENBLAS_OPENMP}),
                     ("openblas-openmp+PASSIVE", {"LD_LIBRARY_PATH": OPENBLAS_OPENMP, "OMP_WAIT_POLICY": "PASSIVE"})]
    threads = [int(t) for t in args.threads.split(",")]
    passes = args.passes.split(",")
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "LD_LIBRARY_PATH", "OPENBLAS_NUM_THREADS")}
    loads = [load()]
    # results[(pass, threads)] = list over rounds of {"tessel": x, setting: y, ...}
    results = {(ps, t): [] for ps in passes for t in threads}
    for r in range(args.rounds):
        for ps in passes:
            for t in threads:
                row = {}
                cmd = [args.java] + JVM_FLAGS + ["-cp", args.jar, "dev.tessel.bench.Conv2dCommand"] + shape + [
                    "--threads", str(t), "--pass", ps]
                row["tessel"] = last_gflops(cmd, base_env)
                for name, extra in settings:
                    # OpenBLAS sizes its own pool apart from torch.set_num_threads: hold it to T as well
                    env = dict(base_env, OPENBLAS_NUM_THREADS=str(t), **extra)
                    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", ps, "--threads-worker", str(t)] + shape
                    row[name] = last_gflops(cmd, env)
                results[(ps, t)].append(row)
                print("round %d %s %d thread(s): %s  (load %s)" % (r + 1, ps, t,
                      ", ".join("%s %.1f" % kv for kv in row.items()), load()), flush=True)
        loads.append(load())

    print()
    print("conv2d %dx%d, %d->%d, %dx%d, batch %d, float32; %d rounds; load average (1/5/15 min) before: %s, after: %s" % (
        args.kernel, args.kernel, args.cin, args.cout, args.hw, args.hw, args.batch, args.rounds, loads[0], loads[-1]))
    print()
    print("| pass | threads | tessel GFLOP/s | torch GFLOP/s (best setting) | best torch setting | tessel/torch (median of rounds) |")
    print("|---|---|---|---|---|---|")
    for (ps, t), rows in results.items():
        best = max((name for name, _ in settings), key=lambda n: statistics.median(row[n] for row in rows))
        tessel = statistics.median(row["tessel"] for row in rows)
        torch_best = statistics.median(row[best] for row in rows)
        ratio = statistics.median(row["tessel"] / row[best] for row in rows)
        print("| %s | %d | %.1f | %.1f | %s | %.2fx |" % (ps, t, tessel, torch_best, best, ratio))


if __name__ == "__main__":
    main()
