"""The PyTorch reference of gscope's GPT: the contract the Swift engine is written against.

A pre-LayerNorm GPT-2 in the style of nanoGPT, kept small and explicit:

    x = wte[tokens] + wpe[0..T-1]
    for each block:  x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
    logits = ln_f(x) @ wte.weight^T            (head tied to wte, no bias)

- LayerNorm: weight and bias, eps 1e-5.
- attn: qkv = c_attn(x) (Linear C->3C with bias); columns [0,C) are q, [C,2C) k, [2C,3C) v;
  head h uses dims h*hs..(h+1)*hs with hs = C/n_head; causal softmax(q k^T / sqrt(hs)) v;
  heads concatenated; c_proj (Linear C->C with bias).
- mlp: c_fc (Linear C->4C), GELU(approximate='tanh'), c_proj (Linear 4C->C).
- Linear weights in torch.nn.Linear layout (out, in). No dropout.
- state_dict keys equal the names of Sources/Model/Architectures/GPT/GPTLayout.swift, in the same order.
- Loss: masked token-mean NLL, sum(mask * -log softmax(logits)[target]) / sum(mask).

A checkpoint directory (`model.safetensors` + `config.json`) is the one `Checkpoint` reads and
writes in Swift (Sources/Model/Checkpoint/Checkpoint.swift).

Needs torch and safetensors (`pip install safetensors`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-5
CHECKPOINT_METADATA = {"format": "pt", "gscope": "gpt"}


@dataclass(frozen=True)
class GPTConfig:
    n_layer: int
    n_head: int
    n_embd: int
    vocab_size: int
    block_size: int

    @property
    def head_size(self) -> int:
        return self.n_embd // self.n_head

    def to_json(self) -> str:
        """The exact text of config.json (Checkpoint.configJSON in Swift)."""
        return json.dumps({"architecture": "gpt", **asdict(self)}, indent=2, sort_keys=True) + "\n"

    @staticmethod
    def from_json(text: str) -> "GPTConfig":
        """gscope's older config.json ("architecture": "gpt"), or the transformers GPT-2 one that
        gscope's Checkpoint.save writes now ("model_type": "gpt2"; only its default
        layer_norm_epsilon, 1e-5, is computed here)."""
        d = json.loads(text)
        if d.get("model_type") == "gpt2":
            if float(d.get("layer_norm_epsilon", LN_EPS)) != LN_EPS:
                raise ValueError(f"layer_norm_epsilon is {d['layer_norm_epsilon']}; this reference computes {LN_EPS}")
            d = {**d, "block_size": d["n_positions"]}
        elif d.get("architecture") != "gpt":
            raise ValueError(f"architecture is {d.get('architecture')!r}, expected 'gpt' (or model_type 'gpt2')")
        return GPTConfig(**{k: int(d[k]) for k in ("n_layer", "n_head", "n_embd", "vocab_size", "block_size")})


# The named configurations of GPTConfig.swift.
CONFIGS = {
    "tiny": GPTConfig(n_layer=4, n_head=4, n_embd=128, vocab_size=512, block_size=64),
    "small": GPTConfig(n_layer=6, n_head=8, n_embd=256, vocab_size=2048, block_size=128),
    "medium": GPTConfig(n_layer=8, n_head=8, n_embd=384, vocab_size=4096, block_size=128),
}


def parameter_layout(cfg: GPTConfig) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) in buffer order, exactly as GPTConfig.parameterLayout() in Swift."""
    c = cfg.n_embd
    out = [("wte.weight", (cfg.vocab_size, c)), ("wpe.weight", (cfg.block_size, c))]
    for l in range(cfg.n_layer):
        p = f"h.{l}."
        out += [
            (p + "ln_1.weight", (c,)), (p + "ln_1.bias", (c,)),
            (p + "attn.c_attn.weight", (3 * c, c)), (p + "attn.c_attn.bias", (3 * c,)),
            (p + "attn.c_proj.weight", (c, c)), (p + "attn.c_proj.bias", (c,)),
            (p + "ln_2.weight", (c,)), (p + "ln_2.bias", (c,)),
            (p + "mlp.c_fc.weight", (4 * c, c)), (p + "mlp.c_fc.bias", (4 * c,)),
            (p + "mlp.c_proj.weight", (c, 4 * c)), (p + "mlp.c_proj.bias", (c,)),
        ]
    out += [("ln_f.weight", (c,)), ("ln_f.bias", (c,))]
    return out


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        mask = torch.tril(torch.ones(cfg.block_size, cfg.block_size, dtype=torch.bool))
        self.register_buffer("causal", mask, persistent=False)  # not in state_dict
        self.use_sdpa = False  # the benchmark may switch to the fused kernel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)  # columns [0,C) q, [C,2C) k, [2C,3C) v
        # (B,T,C) -> (B,nh,T,hs): head h takes dims h*hs..(h+1)*hs
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)
        if self.use_sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (B,nh,T,T)
            att = att.masked_fill(~self.causal[:T, :T], float("-inf"))
            att = torch.softmax(att, dim=-1)
            y = att @ v  # (B,nh,T,hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads concatenated
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=LN_EPS)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=LN_EPS)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        assert cfg.n_embd % cfg.n_head == 0, "n_embd must be divisible by n_head"
        self.config = cfg
        # Registration order fixes the state_dict order: it equals the Swift layout.
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.h = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=LN_EPS)
        got = [(k, tuple(v.shape)) for k, v in self.state_dict().items()]
        assert got == parameter_layout(cfg), "state_dict does not match the Swift parameter layout"

    def set_attention(self, sdpa: bool) -> None:
        for block in self.h:
            block.attn.use_sdpa = sdpa

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B,T) int -> logits (B,T,V)."""
        B, T = tokens.shape
        assert T <= self.config.block_size, f"sequence length {T} exceeds block_size {self.config.block_size}"
        pos = torch.arange(T, device=tokens.device)
        x = self.wte(tokens) + self.wpe(pos)  # (B,T,C)
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        return x @ self.wte.weight.t()  # tied head, no bias

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def masked_nll(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """sum(mask * -log softmax(logits)[target]) / sum(mask); logits (B,T,V), targets/mask (B,T)."""
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.long().unsqueeze(-1)).squeeze(-1)  # (B,T)
    mask = mask.to(nll.dtype)
    return (mask * nll).sum() / mask.sum()


def decay_param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """gscope's AdamW grouping: weight decay on tensors with dim >= 2 only (TensorSlot.isMatrix)."""
    params = list(model.named_parameters())
    return [
        {"params": [p for _, p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for _, p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


# --- checkpoints -------------------------------------------------------------------------------


def save_checkpoint(model: GPT, directory: str) -> None:
    """Writes model.safetensors (F32, layout order) and config.json, each via a temporary file."""
    from safetensors.torch import save_file

    os.makedirs(directory, exist_ok=True)
    tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in model.state_dict().items()}
    weights = os.path.join(directory, "model.safetensors")
    config = os.path.join(directory, "config.json")
    save_file(tensors, weights + ".tmp", metadata=CHECKPOINT_METADATA)
    with open(config + ".tmp", "w") as f:
        f.write(model.config.to_json())
    os.replace(weights + ".tmp", weights)
    os.replace(config + ".tmp", config)


CONV1D_WEIGHTS = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def load_checkpoint(directory: str) -> GPT:
    """Reads a gscope GPT checkpoint directory; every tensor must be present, none extra.

    Both layouts gscope has written: its older one (this module's names, Linear (out, in)), and
    transformers' GPT-2 one it writes now (`transformer.` names, Conv1D weights stored (in, out),
    which GPT2LMHeadModel.from_pretrained also loads)."""
    from safetensors.torch import load_file

    with open(os.path.join(directory, "config.json")) as f:
        text = f.read()
    cfg = GPTConfig.from_json(text)
    model = GPT(cfg)
    tensors = load_file(os.path.join(directory, "model.safetensors"))
    if json.loads(text).get("model_type") == "gpt2":
        tensors = {k.removeprefix("transformer."): v for k, v in tensors.items()}
        tensors = {k: v.t().contiguous() if k.endswith(CONV1D_WEIGHTS) else v for k, v in tensors.items()}
    model.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, strict=True)
    return model
