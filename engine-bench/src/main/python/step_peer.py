#!/usr/bin/python3
"""Shared runner of the step peers (mlp_peer.py, tiny_transformer_peer.py, prior_peer.py,
sampling_peer.py): times a tessel bench command (TrainStepCommand <model>, SamplingCommand)
against the same work in PyTorch 1.13, alternating.

Peer rules (DESIGN.md section 5): both sides run the same thread count (torch.set_num_threads
and OPENBLAS_NUM_THREADS; -Dtessel.threads), both warm up before timing, torch is tried with
the default and the OpenMP OpenBLAS build (LD_LIBRARY_PATH, for that child only), each with and
without OMP_WAIT_POLICY=PASSIVE, and the best torch setting is quoted. Tessel and every torch
setting alternate within each round; the ratio is the median over rounds of
tessel_ms / best_torch_ms in the same round (below 1 = tessel faster), for wall time and for
process CPU time per step (the machine these runs share is often loaded far past its cores).

Invariant: every number comes from a child process whose last two lines are 'cpu_ms: <median
process-CPU ms per step>' and 'ms: <median wall ms per step>', measured the same way on both sides: a warm-up of at least W seconds and N steps, then
R windows of S whole steps (a training step: zero grads, forward, backward, AdamW lr 1e-3; or
whatever the peer's worker times, e.g. a whole sampled batch), median of the per-step means.
Model options a peer declares (e.g. --batch, --grid) go to both sides unchanged.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

OPENBLAS_OPENMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
JVM_FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
             "-XX:+UnlockDiagnosticVMOptions", "-XX:-OptoRegScheduling", "-XX:-UseProfiledLoopPredicate", "-XX:+UseTransparentHugePages", "-XX:G1HeapRegionSize=32m"]  # as ./tessel runs


def training_step(torch, model, loss_fn):
    """The timed training step: zero grads, forward, backward, AdamW lr 1e-3."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn().backward()
        opt.step()
    return step


def torch_worker(args, build):
    import torch
    torch.set_num_threads(args.threads_worker)
    torch.manual_seed(42)
    step = build(torch, args)

    start, steps = time.perf_counter(), 0
    while steps < args.warmup_steps or time.perf_counter() - start < args.warmup_seconds:
        step()
        steps += 1
    per_step, per_step_cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.window):
            step()
        per_step.append((time.perf_counter() - t0) * 1e3 / args.window)
        per_step_cpu.append((time.process_time() - c0) * 1e3 / args.window)
    print("torch %s threads=%d: %s" % (torch.__version__, torch.get_num_threads(), [round(r, 3) for r in per_step]))
    print("cpu_ms: %.4f" % statistics.median(per_step_cpu))
    print("ms: %.4f" % statistics.median(per_step))


def last_ms(cmd, env):
    """(wall ms, process-CPU ms) per step from a child's last two lines."""
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [l for l in out.stdout.strip().splitlines() if l.strip()]
    if out.returncode != 0 or len(lines) < 2 or not lines[-1].startswith("ms:") or not lines[-2].startswith("cpu_ms:"):
        sys.exit("command failed: %s\n%s\n%s" % (" ".join(cmd), out.stdout, out.stderr))
    return float(lines[-1].split(":")[1]), float(lines[-2].split(":")[1])


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main(model_name, description, build, script, tessel_main, model_options=()):
    """build(torch, args) returns the zero-argument step to time; tessel_main is (class, its first
    argument or None); model_options are (option, default, help) given to both sides."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--window", type=int, default=50)
    p.add_argument("--warmup-seconds", type=int, default=8)
    p.add_argument("--warmup-steps", type=int, default=1000)
    for option, default, text in model_options:
        p.add_argument(option, default=default, help=text)
    p.add_argument("--jar", default="engine-bench/target/benchmarks.jar")
    p.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java"))
    p.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--threads-worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_worker:
        torch_worker(args, build)
        return
    if not os.path.exists(args.jar):
        sys.exit("%s not found: build it with ./mvnw -B -q -pl engine-bench -am package -DskipTests" % args.jar)

    timing = ["--reps", str(args.reps), "--window", str(args.window), "--warmup-seconds", str(args.warmup_seconds),
              "--warmup-steps", str(args.warmup_steps)]
    for option, _, _ in model_options:
        timing += [option, str(getattr(args, option.lstrip("-").replace("-", "_")))]
    settings = [("default", {}), ("OMP_WAIT_POLICY=PASSIVE", {"OMP_WAIT_POLICY": "PASSIVE"})]
    if os.path.isdir(OPENBLAS_OPENMP):
        settings += [("openblas-openmp", {"LD_LIBRARY_PATH": OPENBLAS_OPENMP}),
                     ("openblas-openmp+PASSIVE", {"LD_LIBRARY_PATH": OPENBLAS_OPENMP, "OMP_WAIT_POLICY": "PASSIVE"})]
    threads = [int(t) for t in args.threads.split(",")]
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "LD_LIBRARY_PATH", "OPENBLAS_NUM_THREADS")}
    loads = [load()]
    results = {t: [] for t in threads}
    for r in range(args.rounds):
        for t in threads:
            row = {}
            cmd = [args.java] + JVM_FLAGS + ["-cp", args.jar, tessel_main[0]] + ([tessel_main[1]] if tessel_main[1] else []) + [
                "--threads", str(t)] + timing
            row["tessel"] = last_ms(cmd, base_env)
            for name, extra in settings:
                env = dict(base_env, OPENBLAS_NUM_THREADS=str(t), **extra)
                cmd = [sys.executable, script, "--torch-worker", "--threads-worker", str(t)] + timing
                row[name] = last_ms(cmd, env)
            results[t].append(row)
            print("round %d, %d thread(s), ms per step wall/cpu: %s  (load %s)" % (
                r + 1, t, ", ".join("%s %.3f/%.3f" % (k, v[0], v[1]) for k, v in row.items()), load()), flush=True)
        loads.append(load())

    print()
    print("%s, float32%s; %d rounds of %d windows x %d steps; load average (1/5/15 min) before: %s, after: %s" % (
        model_name, "".join(" %s %s" % (o, getattr(args, o.lstrip("-").replace("-", "_"))) for o, _, _ in model_options),
        args.rounds, args.reps, args.window, loads[0], loads[-1]))
    print("wall = elapsed time per step; cpu = process CPU time per step (all threads), which a machine loaded past its")
    print("cores inflates far less than wall time. Ratios are tessel/torch-best per round, median over rounds (< 1: tessel faster).")
    print()
    print("| threads | measure | tessel ms/step | torch ms/step (best setting) | best torch setting | tessel/torch (median of rounds) |")
    print("|---|---|---|---|---|---|")
    for t, rows in results.items():
        for measure, i in (("wall", 0), ("cpu", 1)):
            best = min((name for name, _ in settings), key=lambda n: statistics.median(row[n][i] for row in rows))
            tessel = statistics.median(row["tessel"][i] for row in rows)
            torch_best = statistics.median(row[best][i] for row in rows)
            ratio = statistics.median(row["tessel"][i] / row[best][i] for row in rows)
            print("| %d | %s | %.3f | %.3f | %s | %.2fx |" % (t, measure, tessel, torch_best, best, ratio))
