#!/usr/bin/python3
"""Training-step peer: the 4-layer MLP of width 64 at batch 32 (issue 3's tape-overhead target),
tessel (dev.tessel.bench.train.MlpStepModel) against PyTorch 1.13 on the same shapes.

Run from the repository root with Debian's python (the pyenv python first on PATH has no torch):

    ./mvnw -B -q -pl engine-bench -am package -DskipTests
    /usr/bin/python3 engine-bench/src/main/python/mlp_peer.py --threads 1,2 --rounds 3

The rules and the output table: step_peer.py. Invariant: the network below matches
MlpStepModel line for line: 4 Linear(64, 64) with ReLU between them, cross-entropy over 64
classes of a fixed random batch x [32, 64].
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_peer  # noqa: E402

WIDTH, BATCH = 64, 32


def build(torch, args):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH), nn.ReLU(),
                          nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH))
    x = torch.randn(BATCH, WIDTH)
    targets = torch.randint(0, WIDTH, (BATCH,))
    return step_peer.training_step(torch, model, lambda: nn.functional.cross_entropy(model(x), targets))


if __name__ == "__main__":
    step_peer.main("mlp training step", __doc__.split("\n")[0], build, os.path.abspath(__file__),
                   ("dev.tessel.bench.train.TrainStepCommand", "mlp"))
