#!/usr/bin/env python3
"""Writes the standard experiment configs under data/configs/ (deterministic; run it from the
repository root, or give --out). Hyper-parameter defaults follow ../shared/research/REFERENCE.md §2.

    python3 notebooks-scripts/configs/make_configs.py            # rewrites data/configs/
    python3 notebooks-scripts/configs/make_configs.py --check    # fails if a file differs

Families:
  synthetic/<objective>.yaml       the synthetic benchmark (`gscope data synth`), forget01
  tofu/forget01|05|10/<obj>.yaml   TOFU from ../shared/data/tofu
  markov/{A,B}_{npo,simnpo}.yaml   SimNPO's Markov mixtures (REFERENCE.md §4)
  smollm2/<objective>.yaml         SmolLM2-135M-Instruct fine-tuned on 20 synthetic authors,
                                   unlearning 2 (notebooks-scripts/reproduce/smollm2_unlearn.sh)

Tests/ExperimentsTests/StandardConfigTests.swift loads and validates every file written here.
"""
import argparse
import os
import sys

# Forget objectives: (hyper-parameters for the synthetic family, for TOFU, a one-line description).
# None means "the objective's default" (written as null).
OBJECTIVES = {
    "ga":     ({}, {}, "gradient ascent"),
    "wga":    ({"alpha": "1.0"}, {"alpha": "1.0"}, "weighted gradient ascent"),
    "npo":    ({"beta": "1.0"}, {"beta": "0.1"}, "NPO"),
    "simnpo": ({"beta": "2.5", "gamma": "0.0"}, {"beta": "2.5", "gamma": "0.0"}, "SimNPO"),
    "tnpo":   ({"beta": "4.0"}, {"beta": "4.0"}, "token-wise NPO"),
    "wtnpo":  ({"beta": "4.0", "alpha": "1.5"}, {"beta": "4.0", "alpha": "1.5"}, "weighted token-wise NPO"),
    "satimp": ({"beta1": "5.0", "beta2": "1.0"}, {"beta1": "5.0", "beta2": "1.0"}, "SatImp"),
    "po":     ({}, {}, "preference optimisation towards refusals (IdK)"),
    "idkdpo": ({"beta": "0.1"}, {"beta": "0.1"}, "IdK-DPO"),
    "rmu":    ({"layer": None, "c": "2.0"}, {"layer": None, "c": "2.0"}, "RMU at the middle block"),
    "undial": ({"beta": "10.0"}, {"beta": "10.0"}, "UNDIAL"),
}
# Forget objective + retain term combinations: (forget, retain, what, said after the hyper-parameters).
COMBOS = {
    "npo_kl": ("npo", "kl", "NPO", " and a KL retain term"),
    "ga_gd":  ("ga", "gd", "gradient difference", " (GA and an NLL retain term)"),
    "wga_kl": ("wga", "kl", "WGA", " and a KL retain term"),
}
# SimNPO's β on TOFU by forget split (REFERENCE.md §2: 2.5 for forget05, 4.5 for forget10).
SIMNPO_TOFU_BETA = {"forget01": "2.5", "forget05": "2.5", "forget10": "4.5"}
PARAMETER_ORDER = ["beta", "alpha", "gamma", "beta1", "beta2", "layer", "c"]


SYMBOLS = {"beta": "β", "alpha": "α", "gamma": "γ", "beta1": "β1", "beta2": "β2", "c": "c"}


def describe(params):
    shown = [f"{SYMBOLS[k]} {v}" for k, v in params.items() if v is not None]
    return f" ({', '.join(shown)})" if shown else ""


def render(header, name, model, data, forget, params, retain, optimizer, run, evaluation=()):
    """The YAML text of one config: a two-line header, then the keys in schema order."""
    lines = [f"# {header[0]}", f"# {header[1]}", f"name: {name}", "seed: 0", "threads: 2",
             "model:", f"  checkpoint: {model}", "data:"]
    lines += [f"  {k}: {v}" for k, v in data]
    lines += ["objective:", "  forget:", f"    name: {forget}"]
    for key in PARAMETER_ORDER:
        if key in params:
            value = params[key]
            if value is None:
                lines.append(f"    {key}: null   # the objective's default ({'the middle block' if key == 'layer' else 'see REFERENCE.md'})")
            else:
                lines.append(f"    {key}: {value}")
    lines += ["  retain:", f"    name: {retain}", "  forget_weight: 1.0", "  retain_weight: 1.0"]
    lines += ["optimizer:"] + [f"  {k}: {v}" for k, v in optimizer]
    lines += ["schedule:", "  name: constant", "  warmup_steps: 0"]
    lines += ["run:"] + [f"  {k}: {v}" for k, v in run] + [f"  out: runs/{name}"]
    if evaluation:
        lines += ["eval:"] + [f"  {k}: {v}" for k, v in evaluation]
    return "\n".join(lines) + "\n"


ADAMW_QA = [("name", "adamw"), ("lr", "1.0e-5"), ("weight_decay", "0.01"), ("betas", "[0.9, 0.999]"),
            ("eps", "1.0e-8"), ("max_grad_norm", "null")]
# The synthetic benchmark's models are small and trained from scratch: they need a larger step than
# the 1e-5 the TOFU papers use for 7B models (measured on `tiny`: 20 NPO steps at 1e-4 raise the
# forget NLL from 0.57 to 0.88, at 1e-5 hardly at all).
ADAMW_SYNTHETIC = [("name", "adamw"), ("lr", "1.0e-4"), ("weight_decay", "0.01"), ("betas", "[0.9, 0.999]"),
                   ("eps", "1.0e-8"), ("max_grad_norm", "null")]
ADAMW_MARKOV = [("name", "adamw"), ("lr", "5.0e-4"), ("weight_decay", "0.0"), ("betas", "[0.9, 0.999]"),
                ("eps", "1.0e-6"), ("max_grad_norm", "null")]
RUN_QA = [("steps", 20), ("forget_batch", 4), ("retain_batch", 4), ("checkpoint_every", 0), ("record_every", 1)]
# Markov forget sets hold 8,000 sequences: G-effects are measured on a fixed 256 of them.
RUN_MARKOV = [("steps", 50), ("forget_batch", 4), ("retain_batch", 4), ("checkpoint_every", 0), ("record_every", 1),
              ("geffect_forget_size", 256)]
# SimNPO evaluates after every iteration: the KL metrics on 256 test sequences per group.
EVAL_MARKOV = [("every", 1), ("markov_test_size", 256)]


def qa_files():
    """(relative path, text) for the synthetic and TOFU families."""
    out = []
    families = [("synthetic", "forget01", "runs/synthetic/target/checkpoint", "runs/synthetic/data",
                 "runs/synthetic/tokenizer.json", "the synthetic benchmark")]
    for split in ["forget01", "forget05", "forget10"]:
        families.append((f"tofu/{split}", split, "runs/tofu/target/checkpoint", "../shared/data/tofu",
                         "runs/tofu/tokenizer.json", "TOFU"))
    entries = [(obj, obj, "none", OBJECTIVES[obj][2], "") for obj in OBJECTIVES]
    entries += [(file, *combo) for file, combo in COMBOS.items()]
    for folder, split, checkpoint, data_dir, tokenizer, benchmark in families:
        tofu = folder.startswith("tofu")
        for file, forget, retain, what, after in entries:
            params = dict(OBJECTIVES[forget][1 if tofu else 0])
            if tofu and forget == "simnpo":
                params["beta"] = SIMNPO_TOFU_BETA[split]
            path = f"{folder}/{file}.yaml"
            name = f"{folder}/{file}".replace("/", "-").replace("_", "-")
            header = (f"Unlearns {benchmark}'s {split} authors with {what}{describe(params)}{after}, from {checkpoint}.",
                      f"Run: gscope unlearn --config data/configs/{path} --set run.steps=5")
            data = [("kind", "qa"), ("dir", data_dir), ("tokenizer", tokenizer), ("forget_split", split),
                    ("retain_split", "null   # the complement"), ("max_length", 128)]
            out.append((path, render(header, name, checkpoint, data, forget, params, retain,
                                     ADAMW_QA if tofu else ADAMW_SYNTHETIC, RUN_QA)))
    return out


SMOLLM2_GGUF = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
# One pass over the 40 forget items in batches of 4. TOFU's step size, 1e-5, hardly moves the
# fine-tuned SmolLM2 in 10 steps (measured with NPO: forget_Q_A_Prob 0.750 -> 0.711 after 5 steps).
ADAMW_SMOLLM2 = [("name", "adamw"), ("lr", "5.0e-5"), ("weight_decay", "0.01"), ("betas", "[0.9, 0.999]"),
                 ("eps", "1.0e-8"), ("max_grad_norm", "null")]
RUN_SMOLLM2 = [("steps", 10), ("forget_batch", 4), ("retain_batch", 4), ("checkpoint_every", 0), ("record_every", 2),
               ("geffect_retain_size", 16)]
# The synthetic answers are one sentence: 64 new tokens hold them. One evaluation of the 135M model
# takes about 3 minutes on 2 cores: before and after the run only.
EVAL_SMOLLM2 = [("every", 10), ("holdout_split", "holdout10"), ("max_new_tokens", 64)]


def smollm2_files():
    """The SmolLM2 family: every objective and combination of the synthetic family, on the model
    `smollm2_unlearn.sh` fine-tunes on 20 authors, forgetting the last 2 (forget10)."""
    out = []
    entries = [(obj, obj, "none", OBJECTIVES[obj][2], "") for obj in OBJECTIVES]
    entries += [(file, *combo) for file, combo in COMBOS.items()]
    checkpoint = "runs/smollm2/target/checkpoint"
    for file, forget, retain, what, after in entries:
        params = dict(OBJECTIVES[forget][1])
        path = f"smollm2/{file}.yaml"
        name = f"smollm2-{file}".replace("_", "-")
        header = (f"Unlearns 2 of the 20 synthetic authors SmolLM2-135M-Instruct was fine-tuned on, with {what}{describe(params)}{after}.",
                  f"Run: gscope unlearn --config data/configs/{path} --set run.steps=5 (after smollm2_unlearn.sh fine-tuned the target)")
        data = [("kind", "qa"), ("dir", "runs/smollm2/data"), ("tokenizer", SMOLLM2_GGUF), ("forget_split", "forget10"),
                ("retain_split", "null   # the complement"), ("max_length", 128)]
        out.append((path, render(header, name, checkpoint, data, forget, params, retain, ADAMW_SMOLLM2, RUN_SMOLLM2,
                                 EVAL_SMOLLM2)))
    return out


def markov_files():
    out = []
    for experiment in ["A", "B"]:
        for forget, params in [("npo", {"beta": "1.0"}), ("simnpo", {"beta": "2.5", "gamma": "0.0"})]:
            path = f"markov/{experiment}_{forget}.yaml"
            name = f"markov-{experiment}-{forget}"
            checkpoint = f"runs/markov/{experiment}/target/checkpoint"
            what = OBJECTIVES[forget][2]
            header = (f"Unlearns forget1 ∪ forget2 of SimNPO's Markov experiment {experiment} with {what}{describe(params)}, "
                      f"50 AdamW steps (REFERENCE.md §4).",
                      f"Run: gscope unlearn --config data/configs/{path} --set run.steps=5")
            data = [("kind", "markov"), ("dir", f"runs/markov/{experiment}"), ("tokenizer", "byte"),
                    ("max_length", 20), ("markov", experiment)]
            out.append((path, render(header, name, checkpoint, data, forget, params, "none", ADAMW_MARKOV, RUN_MARKOV,
                                     EVAL_MARKOV)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="data/configs", help="output directory (default: data/configs)")
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = parser.parse_args()
    files = qa_files() + markov_files() + smollm2_files()
    differ = []
    for path, text in files:
        full = os.path.join(args.out, path)
        if args.check:
            try:
                with open(full, encoding="utf-8") as f:
                    if f.read() != text:
                        differ.append(path)
            except FileNotFoundError:
                differ.append(path)
            continue
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    if args.check:
        if differ:
            print("differ from the generator: " + ", ".join(differ), file=sys.stderr)
            sys.exit(1)
        print(f"{len(files)} configs match")
    else:
        print(f"wrote {len(files)} configs under {args.out}")


if __name__ == "__main__":
    main()
