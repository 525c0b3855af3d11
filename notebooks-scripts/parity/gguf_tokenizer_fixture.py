#!/usr/bin/env python3
"""Tokenizer parity fixture for gscope's PretrainedBPETokenizer (SmolLM2's tokenizer from its GGUF file).

Needs models/SmolLM2-135M-Instruct.Q4_1.gguf (make model) and `pip install gguf tokenizers transformers`.
Writes Tests/Fixtures/gguf/tokenizer.json: for ~40 texts of our own (English, digits, punctuation,
whitespace runs, newlines, accents, other scripts, emoji, special tokens, the chat format) the ids
and the decoded text (the text itself, except that bytes without a token in the vocabulary, which
BPE drops, are missing), plus one QA sample rendered by the model's chat template.

The reference is SmolLM2's Hugging Face tokenizer, rebuilt with the `tokenizers` library from the
vocabulary and merges in the GGUF metadata: BPE (no dropout, no unknown token, merges kept in
order), pre-tokenizer Sequence([Digits(individual_digits=True), ByteLevel(add_prefix_space=False,
use_regex=True)]) as in SmolLM2's tokenizer.json (llama.cpp's `smollm`: the regex \\p{N}, then
GPT-2's), ByteLevel decoder, and the control tokens (token_type 3) as special added tokens.
transformers' own GGUF conversion (AutoTokenizer.from_pretrained(dir, gguf_file=...)) leaves out
the Digits step; the script reports on which texts, if any, it differs.
"""
import argparse
import json
import os

import gguf
from tokenizers import Tokenizer, AddedToken, decoders, pre_tokenizers
from tokenizers.models import BPE

TEXTS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "She said: \"I'll be there at 7:45 p.m.\" - didn't she?",
    "It's, they're, we've, I'm, you'd, we'll; IT'S AND WE'LL",
    "Numbers: 0 1 12 123 1234 12345 3.14159 -42 +7 1,000,000 1e-5 0x1F",
    "Year 2025, page 17, room 404b, v2.13.0",
    "   leading spaces and trailing spaces   ",
    "two  spaces,   three,    four\tand a tab\t\ttwo tabs",
    "line one\nline two\n\nafter a blank line\n",
    "windows\r\nline endings\r\n",
    "\n\n\n",
    " ",
    "",
    "naïve café résumé façade über Ærø piñata",
    "Crème brûlée and jalapeño, señor.",
    "decomposed: cafe\u0301 and n\u0303",
    "Москва — столица России.",
    "東京は日本の首都です。",
    "مرحبا بالعالم",
    "Γειά σου Κόσμε",
    "emoji 😀👍🏽 and a family 👨‍👩‍👧 plus flags 🇫🇷🇯🇵",
    "math: x² + y³ = z½, Ⅻ o'clock, ٣ and ५",
    "symbols: @#$%^&*()_+-=[]{}|;':,./<>?`~ §±©®™°",
    "non-breaking\u00a0space and\u2003em space and\u3000ideographic",
    "email me at someone@example.org or visit https://example.com/a?b=c&d=e",
    "def f(x):\n    return x * 2  # double\n",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\nParis.<|im_end|>\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n",
    "text<|im_end|>more text<|endoftext|>",
    "<|im_start <|im_end| <im_end> not special",
    "<|im_start|><|im_start|><|im_end|>",
    "<repo_name>demo<file_sep>main.swift<jupyter_code>print(1)",
    "Who wrote the novel about the lighthouse keeper's daughter in 1987?",
    "The answer is: a retired cartographer from Lisbon named Ilse Marrow.",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "!!!??? ... --- *** ===",
    "ALL CAPS SENTENCE WITH MIXED case And Title Case",
    "tab\tat\tthe\tend\t",
    "space before newline \n and after\n indent",
    "bytes the vocabulary lacks: a\x04!\x04!b and \x06\x13\x14\x16\x1d end",
]

QA = {"question": "Which river flows through the town of Mirevale?",
      "answer": "The Silverwash river, which rises in the northern hills."}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--out", default="Tests/Fixtures/gguf/tokenizer.json")
    a = ap.parse_args()

    r = gguf.GGUFReader(a.model)
    tokens = r.fields["tokenizer.ggml.tokens"].contents()
    types = r.fields["tokenizer.ggml.token_type"].contents()
    merges = [tuple(m.split(" ")) for m in r.fields["tokenizer.ggml.merges"].contents()]
    assert all(len(m) == 2 for m in merges)
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(BPE(vocab=vocab, merges=merges, dropout=None, fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t, ty in zip(tokens, types) if ty == 3])

    try:
        from transformers import AutoTokenizer
        hf = AutoTokenizer.from_pretrained(os.path.dirname(a.model), gguf_file=os.path.basename(a.model))
    except Exception as e:  # transformers is optional
        print(f"transformers GGUF tokenizer unavailable ({e})")
        hf = None

    cases, differing = [], []
    for text in TEXTS:
        ids = tok.encode(text, add_special_tokens=False).ids
        decoded = tok.decode(ids, skip_special_tokens=False)
        assert decoded == "".join(c for c in text if c not in "\x04\x06\x13\x14\x16\x1d"), (text, decoded)
        if hf is not None and hf(text, add_special_tokens=False).input_ids != ids:
            differing.append(text)
        cases.append({"text": text, "ids": ids, "decoded": decoded})

    chat_text = None
    if hf is not None and hf.chat_template:
        chat_text = hf.apply_chat_template([{"role": "user", "content": QA["question"]},
                                            {"role": "assistant", "content": QA["answer"]}], tokenize=False)
    out = {"model": os.path.basename(a.model),
           "reference": "tokenizers: BPE + Sequence([Digits(individual_digits=True), ByteLevel(add_prefix_space=False, use_regex=True)])",
           "transformers_gguf_differs_on": differing,
           "cases": cases,
           "chat": {"question": QA["question"], "answer": QA["answer"], "text": chat_text,
                    "ids": tok.encode(chat_text, add_special_tokens=False).ids if chat_text else None}}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {a.out}: {len(cases)} texts; transformers' GGUF tokenizer differs on {len(differing)}: {differing}")


if __name__ == "__main__":
    main()
