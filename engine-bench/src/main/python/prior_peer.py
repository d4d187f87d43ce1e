#!/usr/bin/python3
"""Training-step peer of the DALL·E transformer (issue 5): tessel's `bench prior-step`
(dev.tessel.bench.train.PriorStepModel: the small preset at batch 8, no activation
checkpointing) against the same network in PyTorch 1.13 (dalle_transformer.py).

Run from the repository root with Debian's python (the pyenv python first on PATH has no torch):

    ./mvnw -B -q -pl engine-bench -am package -DskipTests
    /usr/bin/python3 engine-bench/src/main/python/prior_peer.py --threads 2 --rounds 3 --reps 5 --window 3 --warmup-steps 5 --warmup-seconds 20

The rules and the output table: step_peer.py. One step: zero grads, the loss of a fixed random
batch (full text rows: start token + caption ids; image ids), backward, AdamW lr 1e-3.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dalle_transformer  # noqa: E402
import step_peer  # noqa: E402


def build(torch, args):
    c = dalle_transformer.Config.preset(args.preset, args.grid)
    model = dalle_transformer.build(torch, c)
    batch = int(args.batch)
    text = torch.cat([torch.full((batch, 1), c.text_vocab), torch.randint(0, c.text_vocab, (batch, c.text_length - 1))], dim=1)
    image = torch.randint(0, c.image_vocab, (batch, c.image_tokens))
    return step_peer.training_step(torch, model, lambda: model.loss(text, image))


if __name__ == "__main__":
    step_peer.main("prior training step", __doc__.split("\n")[0], build, os.path.abspath(__file__),
                   ("dev.tessel.bench.train.TrainStepCommand", "prior-step"),
                   [("--preset", "small", "transformer preset"), ("--batch", "8", "sequences per step"),
                    ("--grid", "8", "image grid side (the small preset's is 8)")])
