#!/usr/bin/env python3
"""GGUF parity fixtures for gscope's GGUF reader, from the `gguf` Python package (pip install gguf).

Writes, from the repository root:

  Tests/Fixtures/gguf/types.gguf      a small GGUF file: for each type gscope dequantizes (F32, F16,
                                      BF16, Q8_0, Q4_0, Q4_1, Q6_K) a tensor `<type>` of 2 rows × 256
                                      elements of seeded random raw blocks (scales are finite f16
                                      values), and beside it the F32 tensor `<type>.expected`, which
                                      is `gguf.quants.dequantize` of those bytes.
  Tests/Fixtures/gguf/smollm2.json    with models/SmolLM2-135M-Instruct.Q4_1.gguf present (make model):
                                      the file's tensor table (name, type, ne), a few metadata values and,
                                      for one or more tensors of each type, 64 dequantized values at fixed
                                      flat positions plus the sum and sum of squares (float64) of the
                                      whole dequantized tensor.

Deterministic: a rerun with the same gguf version writes the same bytes.
"""
import argparse
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

TYPES = [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q6_K]
ROWS, COLS = 2, 256
# Byte offsets of the f16 scales inside each block (these get finite random values).
SCALE_OFFSETS = {T.Q8_0: [0], T.Q4_0: [0], T.Q4_1: [0, 2], T.Q6_K: [208]}


def raw_blocks(qtype, rng):
    """Seeded random raw bytes for ROWS×COLS elements of `qtype`, as (ROWS, bytes per row) uint8."""
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    row_bytes = COLS // block * size
    if qtype == T.F32:
        return rng.normal(0, 1, (ROWS, COLS)).astype(np.float32).view(np.uint8)
    if qtype == T.F16:
        x = rng.normal(0, 1, (ROWS, COLS)).astype(np.float16)
        # Special values: ±0, a subnormal, the largest finite, ±infinity.
        x[0, :6] = np.array([0.0, -0.0, 2.0 ** -20, 65504.0, np.inf, -np.inf], dtype=np.float16)
        return x.view(np.uint8)
    if qtype == T.BF16:
        bits = (rng.normal(0, 1, (ROWS, COLS)).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
        return bits.view(np.uint8)
    raw = rng.integers(0, 256, (ROWS, row_bytes), dtype=np.uint8)
    blocks = raw.reshape(-1, size)
    for off in SCALE_OFFSETS[qtype]:
        scales = (rng.normal(0, 1, blocks.shape[0]) * 0.05).astype(np.float16)
        blocks[:, off:off + 2] = scales.view(np.uint8).reshape(-1, 2)
    return blocks.reshape(ROWS, row_bytes)


def write_types(path):
    rng = np.random.default_rng(8)
    w = gguf.GGUFWriter(path, arch="gscope-fixture")
    w.add_string("gscope.fixture", "dequantization parity: <type> holds raw blocks, <type>.expected gguf.quants.dequantize of them")
    for qtype in TYPES:
        raw = raw_blocks(qtype, rng)
        expected = gguf.quants.dequantize(raw, qtype).astype(np.float32).reshape(ROWS, COLS)
        if qtype == T.F32:
            w.add_tensor(qtype.name, raw.view(np.float32))
        elif qtype == T.F16:
            w.add_tensor(qtype.name, raw.view(np.float16))
        else:  # raw bytes; the writer takes their shape in bytes and derives the element shape
            w.add_tensor(qtype.name, raw, raw_shape=raw.shape, raw_dtype=qtype)
        w.add_tensor(qtype.name + ".expected", expected)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


SAMPLED = ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.29.ffn_down.weight",
           "blk.0.attn_norm.weight", "output_norm.weight"]
METADATA = ["general.architecture", "general.alignment", "llama.block_count", "llama.embedding_length",
            "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
            "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon", "llama.context_length",
            "llama.vocab_size", "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.bos_token_id",
            "tokenizer.ggml.eos_token_id", "tokenizer.ggml.padding_token_id", "general.file_type"]


def write_model(model, path):
    r = gguf.GGUFReader(model)
    out = {"file": os.path.basename(model), "gguf_version": gguf.__version__ if hasattr(gguf, "__version__") else "",
           "file_size": os.path.getsize(model), "metadata_count": len(r.fields) - 3, "metadata": {}, "tensors": [], "samples": {}}
    for key in METADATA:
        if key in r.fields:
            v = r.fields[key].contents()
            out["metadata"][key] = float(v) if isinstance(v, (float, np.floating)) else v
    for t in r.tensors:
        out["tensors"].append({"name": t.name, "type": t.tensor_type.name, "ne": [int(d) for d in t.shape]})
    rng = np.random.default_rng(135)
    for name in SAMPLED:
        t = next(t for t in r.tensors if t.name == name)
        x = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
        positions = np.sort(rng.choice(x.size, 64, replace=False))
        x64 = x.astype(np.float64)
        out["samples"][name] = {"type": t.tensor_type.name, "count": int(x.size),
                                "positions": [int(p) for p in positions],
                                "values": [float(x[p]) for p in positions],
                                "sum": float(x64.sum()), "sum_squares": float((x64 * x64).sum())}
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="Tests/Fixtures/gguf")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    write_types(os.path.join(a.out, "types.gguf"))
    if os.path.exists(a.model):
        write_model(a.model, os.path.join(a.out, "smollm2.json"))
    else:
        print(f"{a.model} not found (make model): smollm2.json not written")


if __name__ == "__main__":
    main()
