"""Writes Tests/Fixtures/parity/smollm2-gguf-hf/: one tiny SmolLM2-shaped Llama as a GGUF file and as
the Hugging Face directory transformers exports from that GGUF.

    python3 notebooks-scripts/parity/smollm2_gguf_hf_fixture.py

The path SmolLM2 takes in the field, in miniature (the real SmolLM2-135M GGUF is not at hand here):
1. a random LlamaForCausalLM of SmolLM2's architecture (GQA 4 on 2, SwiGLU, RMSNorm, RoPE base 1e5,
   tied embeddings), written as a llama-architecture GGUF with the `gguf` package the way llama.cpp's
   convert_hf_to_gguf.py writes it (q_proj and k_proj rows permuted for interleaved rotary pairs, F32);
2. `AutoModelForCausalLM.from_pretrained(dir, gguf_file="model.gguf")` (transformers' own GGUF
   reader, which undoes the permutation) and `save_pretrained` of its configuration and state dict
   into the same folder (config.json, model.safetensors; a GGUF-loaded model refuses
   save_pretrained itself, so they go through a plain LlamaForCausalLM);
3. reference.safetensors: a batch of tokens and the float32 logits transformers computes from the
   exported directory.
gscope's test (LlamaFamilyParityTests/smolLM2GGUFAndItsExportAgree) loads both the GGUF (the GGUF path)
and the directory (the Hugging Face path) and compares their log-probabilities (≤ 1e-5) and the logits
with transformers'.
"""

from __future__ import annotations

import json
import os
import shutil

import gguf
import numpy as np
import torch
import transformers
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO, "Tests", "Fixtures", "parity", "smollm2-gguf-hf")
SEED = 135
SHAPE = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=32, rope_theta=100000.0, rms_norm_eps=1e-5,
             tie_word_embeddings=True, hidden_act="silu")
B, T = 2, 10


def permute(w: torch.Tensor, heads: int) -> np.ndarray:
    """llama.cpp's convert_hf_to_gguf `LlamaModel.permute`: rows of each head from halves to pairs."""
    w = w.detach().numpy()
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(model: LlamaForCausalLM, path: str) -> None:
    c = model.config
    w = gguf.GGUFWriter(path, "llama")
    w.add_block_count(c.num_hidden_layers)
    w.add_context_length(c.max_position_embeddings)
    w.add_embedding_length(c.hidden_size)
    w.add_feed_forward_length(c.intermediate_size)
    w.add_head_count(c.num_attention_heads)
    w.add_head_count_kv(c.num_key_value_heads)
    w.add_rope_freq_base(c.rope_parameters["rope_theta"] if hasattr(c, "rope_parameters") else c.rope_theta)
    w.add_layer_norm_rms_eps(c.rms_norm_eps)
    w.add_vocab_size(c.vocab_size)
    w.add_rope_dimension_count(c.hidden_size // c.num_attention_heads)
    p = dict(model.named_parameters())
    f32 = lambda t: t.detach().numpy().astype(np.float32)  # noqa: E731
    w.add_tensor("token_embd.weight", f32(p["model.embed_tokens.weight"]))
    for l in range(c.num_hidden_layers):
        q = f"model.layers.{l}."
        w.add_tensor(f"blk.{l}.attn_norm.weight", f32(p[q + "input_layernorm.weight"]))
        w.add_tensor(f"blk.{l}.attn_q.weight",
                     permute(p[q + "self_attn.q_proj.weight"], c.num_attention_heads).astype(np.float32))
        w.add_tensor(f"blk.{l}.attn_k.weight",
                     permute(p[q + "self_attn.k_proj.weight"], c.num_key_value_heads).astype(np.float32))
        w.add_tensor(f"blk.{l}.attn_v.weight", f32(p[q + "self_attn.v_proj.weight"]))
        w.add_tensor(f"blk.{l}.attn_output.weight", f32(p[q + "self_attn.o_proj.weight"]))
        w.add_tensor(f"blk.{l}.ffn_norm.weight", f32(p[q + "post_attention_layernorm.weight"]))
        w.add_tensor(f"blk.{l}.ffn_gate.weight", f32(p[q + "mlp.gate_proj.weight"]))
        w.add_tensor(f"blk.{l}.ffn_up.weight", f32(p[q + "mlp.up_proj.weight"]))
        w.add_tensor(f"blk.{l}.ffn_down.weight", f32(p[q + "mlp.down_proj.weight"]))
    w.add_tensor("output_norm.weight", f32(p["model.norm.weight"]))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    model = LlamaForCausalLM(LlamaConfig(**SHAPE, attn_implementation="eager")).eval()
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.2 if p.dim() >= 2
                    else 1.0 + torch.randn(p.shape, generator=gen) * 0.1)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    write_gguf(model, os.path.join(OUT, "model.gguf"))
    exported = AutoModelForCausalLM.from_pretrained(OUT, gguf_file="model.gguf", dtype=torch.float32,
                                                    attn_implementation="eager").eval()
    # transformers' GGUF reader must give back the very model that was written.
    for (n, a), (m, b) in zip(sorted(model.named_parameters()), sorted(exported.named_parameters())):
        assert n == m and torch.equal(a, b), f"{n}: transformers' GGUF reader changed the tensor"
    # A model read from a GGUF refuses save_pretrained ("quantized with gguf"), so its config and
    # state dict, both transformers' reading of the GGUF, go through a plain model of that config.
    config = exported.config
    config.quantization_config = None
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = LlamaForCausalLM(config)
    plain.load_state_dict(exported.state_dict())
    plain.save_pretrained(OUT)
    for extra in ("generation_config.json",):
        if os.path.exists(os.path.join(OUT, extra)):
            os.remove(os.path.join(OUT, extra))
    tokens = torch.randint(0, SHAPE["vocab_size"], (B, T), generator=gen)
    with torch.no_grad():
        logits = AutoModelForCausalLM.from_pretrained(OUT, attn_implementation="eager").eval()(
            input_ids=tokens, use_cache=False).logits
    save_file({"tokens": tokens.to(torch.int32).contiguous(), "logits": logits.contiguous()},
              os.path.join(OUT, "reference.safetensors"))
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump({"description": "tiny SmolLM2-shaped Llama as GGUF and as transformers' export of it; written by "
                                  "notebooks-scripts/parity/smollm2_gguf_hf_fixture.py",
                   "transformers_version": transformers.__version__, "torch_version": torch.__version__,
                   "gguf_version": getattr(gguf, "__version__", "?"), "seed": SEED, "shape": SHAPE},
                  f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {OUT} ({total} bytes): {sorted(os.listdir(OUT))}")
    assert total <= 200_000


if __name__ == "__main__":
    main()
