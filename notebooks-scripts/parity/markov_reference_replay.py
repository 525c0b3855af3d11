"""Replays gscope's pre-training of SimNPO's reference Markov model in PyTorch, step for step.

gscope's `train --markov A --model markov-reference` and this script start from the same weights
and see the same batches; the script then trains the PyTorch module of
`markov_reference_fixture.py` (the public code's model) with the public code's recipe:
torch.optim.AdamW (lr 5e-4, eps 1e-6, no weight decay), batch 128, the token mean of the cross
entropy. It prints the step losses beside gscope's `losses.tsv` and the KL of both final models
on the test sequences against the true transition rows (SimNPO's metric, REFERENCE §4).

    gscope data markov --experiment A --seed 0 --out /tmp/markov-A                        # the data train sees
    gscope train --markov A --model markov-reference --seed S --out runs/markov-reference/A/target
    gscope train --markov A --model markov-reference --seed S --steps 1 --lr 0 --out /tmp/init   # its initial weights
    python3 notebooks-scripts/parity/markov_reference_replay.py --data /tmp/markov-A --seed S \\
        --init /tmp/init/checkpoint --gscope runs/markov-reference/A/target

The batch order is gscope's (`BatchSchedule` with the seed `RNG(seed: S).fork(2).next()` as
`gscope train` draws it; epoch e shuffled by Fisher–Yates from `RNG(seed:).fork(e)`), re-implemented
below: xoshiro256** seeded through SplitMix64 (`Sources/NumericCore/RNG.swift`) and Swift's
`next(upperBound:)`. A run with `--lr 0` leaves AdamW's parameters where they were (no weight
decay), so its checkpoint holds the initial weights. Needs torch and safetensors; about two
minutes for the 625 steps of the recipe on one thread.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
M64 = (1 << 64) - 1


class SwiftRNG:
    """gscope's RNG: xoshiro256** seeded through SplitMix64, with `fork` and `below`."""

    def __init__(self, seed: int):
        x, s = seed, []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            s.append(z ^ (z >> 31))
        self.s = s

    def fork(self, label: int) -> "SwiftRNG":
        return SwiftRNG(self.s[0] ^ ((label * 0x9E3779B97F4A7C15) & M64) ^ self.s[3])

    def next(self) -> int:
        s = self.s

        def rotl(x, k):
            return ((x << k) | (x >> (64 - k))) & M64

        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n: int) -> int:
        """Swift's `next(upperBound:)`: Lemire's multiply, rejecting the biased low products."""
        m = self.next() * n
        if m & M64 < n:
            t = ((1 << 64) - n) % n
            while m & M64 < t:
                m = self.next() * n
        return m >> 64


def shuffled(count: int, rng: SwiftRNG) -> list[int]:
    """`IndexOrder.shuffled`: Fisher–Yates from the end, swapping i with `below(i + 1)`."""
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = rng.below(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def reference_module():
    spec = importlib.util.spec_from_file_location("fixture", os.path.join(HERE, "markov_reference_fixture.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ReferenceMarkovTransformer


def batch(sequences, T: int = 19):
    """Inputs seq[:-1] and labels seq[1:], right-padded with input 0 and the ignored label -100."""
    tokens = torch.zeros(len(sequences), T, dtype=torch.long)
    labels = torch.full((len(sequences), T), -100, dtype=torch.long)
    for i, s in enumerate(sequences):
        n = len(s) - 1
        tokens[i, :n] = torch.tensor(s[:-1])
        labels[i, :n] = torch.tensor(s[1:])
    return tokens, labels


def kl(model, test: list[dict], chains: dict) -> dict:
    """Token-averaged KL(P_c[x_t, .] || p_theta(. | x_<=t)) per chain over its test sequences."""
    out = {}
    with torch.no_grad():
        for chain in ["retain", "forget1", "forget2"]:
            truth = torch.tensor(chains[chain]["transition"], dtype=torch.float64)
            sequences = [s["tokens"] for s in test if s["chain"] == chain]
            logp = torch.log_softmax(model(batch(sequences)[0]).double(), dim=-1)
            total, count = 0.0, 0
            for i, s in enumerate(sequences):
                for t in range(len(s) - 1):
                    p = truth[s[t]]
                    total += (p * (p.log() - logp[i, t])).sum().item()
                    count += 1
            out[chain] = total / count
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="a `gscope data markov` directory (train.jsonl, test.jsonl, chains.json)")
    ap.add_argument("--seed", type=int, default=0, help="gscope train's --seed")
    ap.add_argument("--init", required=True, help="the checkpoint of a --steps 1 --lr 0 run: the initial weights")
    ap.add_argument("--gscope", help="gscope train's output directory (losses.tsv, checkpoint/) to compare with")
    ap.add_argument("--steps", type=int, help="steps to replay (default: the recipe's 5 epochs, 625 for A)")
    ap.add_argument("--retrained", action="store_true", help="train on the retain sequences only")
    args = ap.parse_args()

    torch.set_num_threads(1)
    train = [json.loads(line) for line in open(os.path.join(args.data, "train.jsonl"))]
    if args.retrained:
        train = [s for s in train if s["chain"] == "retain"]
    test = [json.loads(line) for line in open(os.path.join(args.data, "test.jsonl"))]
    chains = json.load(open(os.path.join(args.data, "chains.json")))

    steps = args.steps or 5 * ((len(train) + 127) // 128)
    model = reference_module()(4, 128, 10, 19)
    model.load_state_dict(load_file(os.path.join(args.init, "model.safetensors")))
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, eps=1e-6, weight_decay=0.0)
    order_seed = SwiftRNG(args.seed).fork(2).next()
    losses, epoch = [], 0
    while len(losses) < steps:
        order = shuffled(len(train), SwiftRNG(order_seed).fork(epoch))
        for start in range(0, len(train), 128):
            if len(losses) == steps:
                break
            tokens, labels = batch([train[j]["tokens"] for j in order[start:start + 128]])
            loss = F.cross_entropy(model(tokens).view(-1, 10), labels.view(-1), ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        epoch += 1
    model.eval()
    mine = kl(model, test, chains)
    print(f"PyTorch replay, {len(losses)} steps: loss {losses[0]:.6f} -> {losses[-1]:.6f}; "
          + ", ".join(f"{c} KL {v:.4f}" for c, v in mine.items()))
    if args.gscope:
        rows = open(os.path.join(args.gscope, "losses.tsv")).read().splitlines()[1:]
        theirs = [float(r.split("\t")[3]) for r in rows][:len(losses)]
        worst = max(abs(a - b) for a, b in zip(losses, theirs))
        print(f"step losses against gscope's: step 1 {theirs[0]:.8f} vs {losses[0]:.8f}; "
              f"largest difference over {len(theirs)} steps {worst:.2e}")
        gscope_model = reference_module()(4, 128, 10, 19)
        gscope_model.load_state_dict(load_file(os.path.join(args.gscope, "checkpoint", "model.safetensors")))
        gscope_model.eval()
        print("gscope's final model: " + ", ".join(f"{c} KL {v:.4f}" for c, v in kl(gscope_model, test, chains).items()))


if __name__ == "__main__":
    main()
