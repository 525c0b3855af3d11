#!/usr/bin/env python3
"""Checks gscope's tokenizers on the real GPT-2, Llama 3 and Qwen2 vocabularies (not committed: several MB each).

llama.cpp ships the real vocabularies as models/ggml-vocab-{gpt-2,llama-bpe,qwen2}.gguf, with test
inputs (.inp). `pip download llama-cpp-python==0.3.36 --no-deps --no-binary llama-cpp-python
--no-build-isolation` (needs `pip install scikit-build-core cmake` for the metadata step) gets the
source archive that carries them under vendor/llama.cpp/models/.

For each vocabulary this script rebuilds the model's Hugging Face tokenizer.json with the `tokenizers`
library from the GGUF metadata, laid out and configured as the real file (normal tokens in
model.vocab, control and user-defined tokens as added special tokens, the family's pre-tokenizer,
Qwen2's NFC normalizer, Llama 3's ignore_merges and <|begin_of_text|> post-processor), and writes
into OUT/<family>/: tokenizer.json, and battery.json with the ids `tokenizers` gives on the committed
battery's texts (Tests/Fixtures/tokenizers/<family>/battery.json with the family's special tokens)
plus llama.cpp's test inputs. The Swift test "Real vocabularies" (DatasetsTests) reads OUT when
GSCOPE_REAL_VOCABULARIES=OUT is set and compares both gscope readers, tokenizer.json and the GGUF
file itself (`tokenizer.ggml.pre` llama-bpe and qwen2), against these ids.

Usage: python3 notebooks-scripts/parity/tokenizers/check_real_vocabularies.py --models DIR --out OUT
"""
import argparse
import json
import os
import shutil
import sys

import gguf
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(__file__))
from make_fixtures import LLAMA3_PATTERN, QWEN2_PATTERN  # noqa: E402

FAMILIES = {"gpt2": "ggml-vocab-gpt-2.gguf", "llama3": "ggml-vocab-llama-bpe.gguf", "qwen2": "ggml-vocab-qwen2.gguf"}


def split_then_byte_level(pattern):
    return {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}


def tokenizer_json(family, path):
    r = gguf.GGUFReader(path)
    tokens = r.fields["tokenizer.ggml.tokens"].contents()
    types = r.fields["tokenizer.ggml.token_type"].contents()
    merges = r.fields["tokenizer.ggml.merges"].contents()
    special = [i for i, t in enumerate(types) if t in (3, 4)]
    vocab = {t: i for i, t in enumerate(tokens) if i not in set(special) or family == "gpt2"}
    added = [{"id": i, "content": tokens[i], "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": types[i] == 3} for i in special]
    bos = r.fields["tokenizer.ggml.bos_token_id"].contents() if "tokenizer.ggml.bos_token_id" in r.fields else None
    pre = {"gpt2": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
           "llama3": split_then_byte_level(LLAMA3_PATTERN), "qwen2": split_then_byte_level(QWEN2_PATTERN)}[family]
    post = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    if family == "llama3":
        name = tokens[bos]
        post = {"type": "Sequence", "processors": [post, {
            "type": "TemplateProcessing", "single": [{"SpecialToken": {"id": name, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": name, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": name, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {name: {"id": name, "ids": [bos], "tokens": [name]}}}]}
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": {"type": "NFC"} if family == "qwen2" else None, "pre_tokenizer": pre, "post_processor": post,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                      "ignore_merges": family == "llama3", "vocab": vocab, "merges": merges}}, tokens, special


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True, help="directory holding llama.cpp's ggml-vocab-*.gguf files")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    root = os.path.join(os.path.dirname(__file__), "../../../Tests/Fixtures/tokenizers")
    for family, name in FAMILIES.items():
        path = os.path.join(a.models, name)
        tj, tokens, special = tokenizer_json(family, path)
        tok = Tokenizer.from_str(json.dumps(tj))
        fixture = json.load(open(os.path.join(root, family, "battery.json")))
        texts = [c["text"] for c in fixture["cases"]]
        with open(path + ".inp", encoding="utf-8") as f:
            texts += f.read().split("\n__ggml_vocab_test__\n")
        # The special tokens of the real vocabulary inside text.
        names = [tokens[i] for i in special][:6]
        texts += [f"a{n}b {n}\n" for n in names]
        cases = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids, "with_specials": tok.encode(t).ids,
                  "decoded": tok.decode(tok.encode(t, add_special_tokens=False).ids, skip_special_tokens=False)}
                 for t in texts]
        d = os.path.join(a.out, family)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "tokenizer.json"), "w") as f:
            json.dump(tj, f, ensure_ascii=False)
        with open(os.path.join(d, "battery.json"), "w") as f:
            json.dump({"family": family, "cases": cases}, f, ensure_ascii=False)
        shutil.copyfile(path, os.path.join(d, "model.gguf"))
        print(f"{family}: {len(tokens)} tokens, {len(tj['model']['merges'])} merges, {len(special)} special; {len(cases)} texts")


if __name__ == "__main__":
    main()
