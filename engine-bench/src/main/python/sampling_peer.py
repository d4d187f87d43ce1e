#!/usr/bin/python3
"""KV-cached sampling peer (issue 5): tessel's `bench sampling` (ImageSampler on the small
preset) against PyTorch 1.13's own KV-cached decoder of the same network (dalle_transformer.py),
in torch.inference_mode().

Run from the repository root with Debian's python (the pyenv python first on PATH has no torch):

    ./mvnw -B -q -pl engine-bench -am package -DskipTests
    for g in 8 16; do for b in 1 16; do
      /usr/bin/python3 engine-bench/src/main/python/sampling_peer.py --threads 2 --grid $g --batch $b \
          --rounds 3 --reps 5 --window 1 --warmup-steps 3 --warmup-seconds 10
    done; done

The rules and the output table: step_peer.py. One step samples a whole batch: a prefill of the
caption's text positions, then grid² - 1 cached one-token steps, a draw from the full softmax
(temperature 1) for every token; tokens/s = batch x grid² x 1000 / (ms per step), so the ratio
of ms per step is the inverse ratio of tokens/s.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dalle_transformer  # noqa: E402
import step_peer  # noqa: E402


def build(torch, args):
    c = dalle_transformer.Config.preset(args.preset, args.grid)
    model = dalle_transformer.build(torch, c).eval()
    batch = int(args.batch)
    caption = torch.cat([torch.tensor([c.text_vocab]), torch.randint(0, c.text_vocab, (c.text_length - 1,))])
    text = caption.unsqueeze(0).expand(batch, -1).contiguous()

    def step():
        with torch.inference_mode():
            model.sample(text)
    return step


if __name__ == "__main__":
    step_peer.main("KV-cached sampling", __doc__.split("\n")[0], build, os.path.abspath(__file__),
                   ("dev.tessel.bench.train.SamplingCommand", None),
                   [("--preset", "small", "transformer preset"), ("--batch", "1", "images sampled at once"),
                    ("--grid", "8", "image grid side: 8 gives 64 tokens, 16 the same model on 256")])
