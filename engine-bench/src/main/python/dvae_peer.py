#!/usr/bin/python3
"""Side-by-side dVAE training step: tessel against PyTorch 1.13 CPU (Debian python3-torch).

Run from the repository root with Debian's python (the pyenv python first on PATH has no torch):

    ./mvnw -B -q -pl engine-cli -am package -DskipTests
    /usr/bin/python3 engine-bench/src/main/python/dvae_peer.py --threads 2 --batch 32 --rounds 5

The torch model is openai/DALL-E's Encoder and Decoder (dall_e/encoder.py, decoder.py) written
out here with the same configurable group count, so it is the tiny preset tessel trains (32x32 RGB,
3 groups of 1 block, n_hid 16, n_init 32, vocab 512); the step is the same work as tessel's
DvaeTrainer.trainStep: map_pixels, encoder, gumbel-softmax (tau 1), decoder, logit-Laplace NLL +
6.6 * KL to the uniform prior, divided by the number of values, backward, global-norm clip at 1,
AdamW (0.9, 0.999, 1e-8, wd 1e-4), parameter EMA.

Peer rules (DESIGN.md section 5): same shapes, batch, dtype (fp32) and thread count; both warmed up;
torch runs with its default oneDNN convolutions and with torch.backends.mkldnn.enabled = False, each
also with OMP_WAIT_POLICY=PASSIVE and, when libopenblas0-openmp is installed, the OpenMP OpenBLAS;
tessel and every torch setting alternate within each round, and the quoted ratio is the median over
rounds of torch-best-time / tessel-time in the same round (> 1 means tessel is faster).

Invariant: every number comes from a child process whose last line is 'ms_per_step: <median>'
(tessel: ./tessel bench dvae; torch: this script with --torch-worker).
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
import time

OPENBLAS_OPENMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
JVM_FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
             "-XX:+UnlockDiagnosticVMOptions", "-XX:-OptoRegScheduling", "-XX:-UseProfiledLoopPredicate", "-XX:+UseTransparentHugePages", "-Xss4m", "-XX:G1HeapRegionSize=32m"]  # as ./tessel runs
EPS = 0.1


def build(torch, group_count, n_blk, n_hid, n_init, vocab, channels):
    nn = torch.nn
    from collections import OrderedDict

    class Conv(nn.Module):  # dall_e/utils.py Conv2d: w ~ N(0, 1/(in*k*k)), b = 0, 'same' padding
        def __init__(self, n_in, n_out, kw):
            super().__init__()
            self.w = nn.Parameter(torch.randn(n_out, n_in, kw, kw) / math.sqrt(n_in * kw * kw))
            self.b = nn.Parameter(torch.zeros(n_out))
            self.pad = (kw - 1) // 2

        def forward(self, x):
            return torch.nn.functional.conv2d(x, self.w, self.b, padding=self.pad)

    class Block(nn.Module):
        def __init__(self, n_in, n_out, kernels, post_gain):
            super().__init__()
            h = n_out // 4
            self.post_gain = post_gain
            self.id_path = Conv(n_in, n_out, 1) if n_in != n_out else nn.Identity()
            widths = [n_in, h, h, h, n_out]
            layers = []
            for i in range(4):
                layers += [("relu_%d" % (i + 1), nn.ReLU()), ("conv_%d" % (i + 1), Conv(widths[i], widths[i + 1], kernels[i]))]
            self.res_path = nn.Sequential(OrderedDict(layers))

        def forward(self, x):
            return self.id_path(x) + self.post_gain * self.res_path(x)

    post_gain = 1.0 / (group_count * n_blk) ** 2
    enc, width = [("input", Conv(channels, n_hid, 7))], n_hid
    for g in range(1, group_count + 1):
        out = n_hid * 2 ** (g - 1)
        blocks = []
        for i in range(1, n_blk + 1):
            blocks.append(("block_%d" % i, Block(width, out, [3, 3, 3, 1], post_gain)))
            width = out
        if g < group_count:
            blocks.append(("pool", nn.MaxPool2d(kernel_size=2)))
        enc.append(("group_%d" % g, nn.Sequential(OrderedDict(blocks))))
    enc.append(("output", nn.Sequential(OrderedDict([("relu", nn.ReLU()), ("conv", Conv(width, vocab, 1))]))))
    dec, width = [("input", Conv(vocab, n_init, 1))], n_init
    for g in range(1, group_count + 1):
        out = n_hid * 2 ** (group_count - g)
        blocks = []
        for i in range(1, n_blk + 1):
            blocks.append(("block_%d" % i, Block(width, out, [1, 3, 3, 3], post_gain)))
            width = out
        if g < group_count:
            blocks.append(("upsample", nn.Upsample(scale_factor=2, mode="nearest")))
        dec.append(("group_%d" % g, nn.Sequential(OrderedDict(blocks))))
    dec.append(("output", nn.Sequential(OrderedDict([("relu", nn.ReLU()), ("conv", Conv(width, 2 * channels, 1))]))))
    return nn.Sequential(OrderedDict(enc)), nn.Sequential(OrderedDict(dec))


def torch_worker(args):
    import torch
    torch.set_num_threads(args.threads_worker)
    torch.backends.mkldnn.enabled = args.torch_worker == "mkldnn"
    torch.manual_seed(1)
    encoder, decoder = build(torch, 3, 1, 16, 32, 512, 3)
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
    ema = [p.detach().clone() for p in params]
    images = torch.rand(args.batch, 3, 32, 32)

    def step():
        x = (1 - 2 * EPS) * images + EPS
        logits = encoder(x)
        z = torch.nn.functional.gumbel_softmax(logits, tau=1.0, hard=False, dim=1)
        stats = decoder(z)
        mu, ln_b = stats[:, :3], stats[:, 3:]
        logit_x = torch.log(x) - torch.log1p(-x)
        nll = (ln_b + math.log(2) + torch.log(x) + torch.log1p(-x) + torch.abs(logit_x - mu) * torch.exp(-ln_b)).sum()
        log_q = torch.log_softmax(logits, dim=1)
        kl = (log_q.exp() * (log_q + math.log(512))).sum()
        loss = (nll + 6.6 * kl) / x.numel()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            torch._foreach_mul_(ema, 0.999)
            torch._foreach_add_(ema, [p.detach() for p in params], alpha=0.001)

    start, steps = time.perf_counter(), 0
    while steps < 4 or time.perf_counter() - start < args.warmup_seconds:
        step()
        steps += 1
    ms = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t0) * 1e3)
    print("torch %s threads=%d mkldnn=%s: %s" % (torch.__version__, torch.get_num_threads(), torch.backends.mkldnn.enabled,
                                                  [round(v, 1) for v in ms]))
    print("ms_per_step: %.2f" % statistics.median(ms))


def last_ms(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [l for l in out.stdout.strip().splitlines() if l.strip()]
    if out.returncode != 0 or not lines or not lines[-1].startswith("ms_per_step:"):
        sys.exit("command failed: %s\n%s\n%s" % (" ".join(cmd), out.stdout, out.stderr))
    return float(lines[-1].split(":")[1])


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--warmup-seconds", type=float, default=10)
    p.add_argument("--jar", default="engine-cli/target/tessel.jar")
    p.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java"))
    p.add_argument("--torch-worker", choices=["mkldnn", "no-mkldnn"], help=argparse.SUPPRESS)
    p.add_argument("--threads-worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_worker:
        torch_worker(args)
        return
    if not os.path.exists(args.jar):
        sys.exit("%s not found: build it with ./mvnw -B -q -pl engine-cli -am package -DskipTests" % args.jar)
    settings = []
    for mk in ("mkldnn", "no-mkldnn"):
        settings += [(mk, mk, {}), (mk + "+PASSIVE", mk, {"OMP_WAIT_POLICY": "PASSIVE"})]
        if os.path.isdir(OPENBLAS_OPENMP):
            settings += [(mk + "+openblas-openmp", mk, {"LD_LIBRARY_PATH": OPENBLAS_OPENMP})]
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "LD_LIBRARY_PATH", "OPENBLAS_NUM_THREADS")}
    loads = [load()]
    rows = []
    for r in range(args.rounds):
        row = {}
        cmd = [args.java] + JVM_FLAGS + ["-jar", args.jar, "bench", "dvae", "--preset", "tiny", "--batch", str(args.batch),
                                         "--threads", str(args.threads), "--reps", str(args.reps),
                                         "--warmup-seconds", str(int(args.warmup_seconds))]
        row["tessel"] = last_ms(cmd, base_env)
        for name, mk, extra in settings:
            env = dict(base_env, OPENBLAS_NUM_THREADS=str(args.threads), **extra)
            cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", mk, "--threads-worker", str(args.threads),
                   "--batch", str(args.batch), "--reps", str(args.reps), "--warmup-seconds", str(args.warmup_seconds)]
            row[name] = last_ms(cmd, env)
        rows.append(row)
        print("round %d: %s  (load %s)" % (r + 1, ", ".join("%s %.1f ms" % kv for kv in row.items()), load()), flush=True)
        loads.append(load())
    print()
    print("dVAE tiny training step, batch %d, %d threads, fp32; %d rounds; load average (1/5/15 min) before: %s, after: %s" % (
        args.batch, args.threads, args.rounds, loads[0], loads[-1]))
    print()
    print("| setting | median ms per step | torch / tessel (median of per-round ratios) |")
    print("|---|---|---|")
    print("| tessel | %.1f | 1.00 |" % statistics.median(r["tessel"] for r in rows))
    for name, _, _ in settings:
        print("| torch %s | %.1f | %.2f |" % (name, statistics.median(r[name] for r in rows),
                                              statistics.median(r[name] / r["tessel"] for r in rows)))
    best = min((n for n, _, _ in settings), key=lambda n: statistics.median(r[n] for r in rows))
    for mk in ("mkldnn", "no-mkldnn"):
        best_mk = min((n for n, m, _ in settings if m == mk), key=lambda n: statistics.median(r[n] for r in rows))
        print("best torch with %s: %s, torch/tessel %.2f" % (mk, best_mk, statistics.median(r[best_mk] / r["tessel"] for r in rows)))
    print("best torch overall: %s; torch/tessel = %.2f (> 1: tessel faster)" % (best, statistics.median(r[best] / r["tessel"] for r in rows)))


if __name__ == "__main__":
    main()
