#!/usr/bin/env python3
"""Tokenizer and chat-format parity fixtures for gscope's Hugging Face `tokenizer.json` reader.

There is no hub access, so the real vocabularies are not used. For each family this script builds
a small byte-level BPE tokenizer with the `tokenizers` library, configured exactly as the real
models' tokenizer.json files are (pre-tokenizer, normalizer, decoder, added special tokens,
post-processor, `ignore_merges`), trains it on a few hundred KB of mixed text (TOFU's questions and
answers when ../shared/data/tofu exists, Python source, several scripts, emoji, numbers, whitespace)
so that its merges are not trivial, and writes into Tests/Fixtures/tokenizers/<family>/:

- tokenizer.json        the tokenizer, laid out as the real file (the added tokens after the
                        vocabulary, as Llama 3 and Qwen2 have them; GPT-2's <|endoftext|> last in
                        the vocabulary and added);
- tokenizer_config.json the real model's chat template (written here by hand), bos/eos;
- battery.json          ≥ 200 texts with the ids `tokenizers` gives: `ids` with
                        add_special_tokens=False and `with_specials` with the post-processor;
- chat.json             conversations rendered by transformers' apply_chat_template (text and ids).

Families:
- gpt2:   ByteLevel(add_prefix_space=False, use_regex=True), merges as "a b" strings, <|endoftext|>.
- llama3: Sequence[Split(Llama 3's regex, isolated), ByteLevel(use_regex=False)], ignore_merges,
          merges as [a, b] pairs, <|begin_of_text|> added by TemplateProcessing, Llama 3.2's
          chat template (with a fixed date_string, see chat()).
- qwen2:  NFC normalizer, Sequence[Split(Qwen2's regex, isolated), ByteLevel(use_regex=False)],
          <|endoftext|>, <|im_start|>, <|im_end|>, Qwen2.5's chat template (ChatML).
- smollm: Sequence[Digits(individual_digits=True), ByteLevel(use_regex=True)], SmolLM2's ChatML.

Usage: python3 notebooks-scripts/parity/tokenizers/make_fixtures.py [--out Tests/Fixtures/tokenizers]
Needs `pip install tokenizers transformers jinja2`.
"""
import argparse
import glob
import json
import os
import random
import sys

from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import BPE
from tokenizers.trainers import BpeTrainer

GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")

# The real chat templates (tokenizer_config.json's chat_template), written out by hand.
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

QWEN25_TEMPLATE = (
    "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n    {%- else %}\n"
    "        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n    {%- endif %}\n"
    "    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n"
    "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": "
    "<args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n"
    "{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n"
    "        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n"
    "    {%- endif %}\n{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or "
    "(message.role == \"assistant\" and not message.tool_calls) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n"
    "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n            {{- tool_call.name }}\n"
    "            {{- '\", \"arguments\": ' }}\n            {{- tool_call.arguments | tojson }}\n"
    "            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n        {%- endif %}\n        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n")

LLAMA32_TEMPLATE = (
    "{{- bos_token }}\n{%- if custom_tools is defined %}\n    {%- set tools = custom_tools %}\n{%- endif %}\n"
    "{%- if not tools_in_user_message is defined %}\n    {%- set tools_in_user_message = true %}\n{%- endif %}\n"
    "{%- if not date_string is defined %}\n    {%- if strftime_now is defined %}\n"
    "        {%- set date_string = strftime_now(\"%d %b %Y\") %}\n    {%- else %}\n"
    "        {%- set date_string = \"26 Jul 2024\" %}\n    {%- endif %}\n{%- endif %}\n"
    "{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n\n"
    "{#- This block extracts the system message, so we can slot it into the right place. #}\n"
    "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content']|trim %}\n"
    "    {%- set messages = messages[1:] %}\n{%- else %}\n    {%- set system_message = \"\" %}\n{%- endif %}\n\n"
    "{#- System message #}\n{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n"
    "{%- if tools is not none %}\n    {{- \"Environment: ipython\\n\" }}\n{%- endif %}\n"
    "{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n"
    "{%- if tools is not none and not tools_in_user_message %}\n"
    "    {{- \"You have access to the following functions. To call a function, please respond with JSON for a function call.\" }}\n"
    "    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}\n"
    "    {{- \"Do not use variables.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n"
    "        {{- \"\\n\\n\" }}\n    {%- endfor %}\n{%- endif %}\n{{- system_message }}\n{{- \"<|eot_id|>\" }}\n\n"
    "{#- Custom tools are passed in a user message with some extra guidance #}\n"
    "{%- if tools_in_user_message and not tools is none %}\n"
    "    {#- Extract the first user message so we can plug it in here #}\n"
    "    {%- if messages | length != 0 %}\n        {%- set first_user_message = messages[0]['content']|trim %}\n"
    "        {%- set messages = messages[1:] %}\n    {%- else %}\n"
    "        {{- raise_exception(\"Cannot put tools in the first user message when there's no first user message!\") }}\n"
    "{%- endif %}\n    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n"
    "    {{- \"Given the following functions, please respond with a JSON for a function call \" }}\n"
    "    {{- \"with its proper arguments that best answers the given prompt.\\n\\n\" }}\n"
    "    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}\n"
    "    {{- \"Do not use variables.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n"
    "        {{- \"\\n\\n\" }}\n    {%- endfor %}\n    {{- first_user_message + \"<|eot_id|>\"}}\n{%- endif %}\n\n"
    "{%- for message in messages %}\n"
    "    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}\n"
    "        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n"
    "    {%- elif 'tool_calls' in message %}\n        {%- if not message.tool_calls|length == 1 %}\n"
    "            {{- raise_exception(\"This model only supports single tool-calls at once!\") }}\n        {%- endif %}\n"
    "        {%- set tool_call = message.tool_calls[0].function %}\n"
    "        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n"
    "        {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n        {{- '\"parameters\": ' }}\n"
    "        {{- tool_call.arguments | tojson }}\n        {{- \"}\" }}\n        {{- \"<|eot_id|>\" }}\n"
    "    {%- elif message.role == \"tool\" or message.role == \"ipython\" %}\n"
    "        {{- \"<|start_header_id|>ipython<|end_header_id|>\\n\\n\" }}\n"
    "        {%- if message.content is mapping or message.content is iterable %}\n"
    "            {{- message.content | tojson }}\n        {%- else %}\n            {{- message.content }}\n"
    "        {%- endif %}\n        {{- \"<|eot_id|>\" }}\n    {%- endif %}\n{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n")

# The date gscope's Llama 3 format writes: the template's own default when strftime_now is absent.
LLAMA3_DATE = "26 Jul 2024"

LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
                   "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
                   "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"]
QWEN2_SPECIALS = [("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True), ("<|object_ref_start|>", True),
                  ("<|object_ref_end|>", True), ("<tool_call>", False), ("</tool_call>", False)]
SMOLLM_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<repo_name>", "<file_sep>"]

# Tokens put into the Llama 3 vocabulary that no merge makes (as tiktoken-converted vocabularies
# have): with ignore_merges a chunk equal to one of them is that one token.
LLAMA3_EXTRA_TOKENS = [" gscope", " unlearning", "Ġ", " mirevale", "12", " Ã©tÃ©"]


def corpus(rng):
    """A few hundred KB of mixed text."""
    parts = []
    tofu = os.path.join(os.path.dirname(__file__), "../../../../shared/data/tofu/full.json")
    if os.path.exists(tofu):
        with open(tofu) as f:
            for i, line in enumerate(f):
                if i >= 1200:
                    break
                row = json.loads(line)
                parts.append(row["question"] + "\n" + row["answer"])
    else:
        print("note: ../shared/data/tofu/full.json is missing; the corpus has no TOFU text", file=sys.stderr)
    pyroot = os.path.dirname(json.__file__) + "/.."
    for path in sorted(glob.glob(pyroot + "/json/*.py") + glob.glob(pyroot + "/textwrap.py")
                       + glob.glob(pyroot + "/string.py") + glob.glob(pyroot + "/random.py")):
        with open(path, encoding="utf-8") as f:
            parts.append(f.read().replace("\n", "\r\n") if "random" in path else f.read())
    sentences = [
        "Le petit prince est arrivé à la gare à huit heures et demie.", "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
        "El niño comió una piña en la mañana.", "Москва — столица России, а Санкт-Петербург — северная столица.",
        "Η γλώσσα είναι ζωντανός οργανισμός.", "東京は日本の首都で、人口が多い都市です。", "我们明天去北京看长城。",
        "서울은 한국의 수도입니다.", "مرحبا بالعالم، هذه جملة عربية.", "שלום עולם, זה משפט בעברית.",
        "नमस्ते दुनिया, यह हिंदी वाक्य है।", "Việt Nam có nhiều thành phố đẹp.", "Türkçe öğrenmek çok güzel.",
        "I'm sure they'll say it's fine; we've done what you'd expect.", "THEY'RE HERE AND IT'S LATE, DON'T WAIT.",
        "😀 emoji 👍🏽 family 👨‍👩‍👧 flags 🇫🇷🇯🇵 hearts ❤️💙", "x² + y³ = z½, Ⅻ, ٣٤٥, ५६७, ①②③",
    ]
    for _ in range(1500):
        parts.append(" ".join(rng.choice(sentences) for _ in range(rng.randint(1, 3))))
    for _ in range(1500):
        n = rng.choice([rng.randint(0, 99), rng.randint(0, 99999), rng.randint(0, 10**12)])
        parts.append(rng.choice(["In {} there were {} people.", "Price: ${}.{:02d}", "{}-{}-{}", "page {} of {}"])
                     .format(n, rng.randint(0, 99), rng.randint(1, 31)))
    for _ in range(600):
        parts.append(rng.choice(["\t", "  ", "    ", "\n\n", "\r\n", " \n "]).join(
            rng.choice(["alpha", "beta", "if x:", "return y", "{", "}", "// note", "# comment"]) for _ in range(5)))
    text = "\n".join(parts)
    return text


def battery(rng, specials):
    """≥ 200 texts: fixed edge cases, then seeded random mixtures of fragments and separators."""
    fixed = [
        "", " ", "  ", "\n", "\n\n\n", "\r\n", "\r\n\r\n", "\r", "\t", " \t ", "a", "A", "1",
        "Hello, world!", "The quick brown fox jumps over the lazy dog.",
        "She said: \"I'll be there at 7:45 p.m.\" - didn't she?",
        "It's, they're, we've, I'm, you'd, we'll; IT'S AND WE'LL", "'S 'LL 'Re 'vE 'M 'D 'T", "'s's's 'll'll",
        "don't DON'T Don'T o'clock rock'n'roll", "'ſ and 'ſt", "''s ' s", "x's y'S",
        "Numbers: 0 1 12 123 1234 12345 123456 1234567 3.14159 -42 +7 1,000,000 1e-5 0x1F",
        "9999999999999999999999", " 1 22 333 4444 55555", "a1b22c333d4444", "١٢٣٤٥ ४२ ⅻ ½ ² ③",
        "Year 2025, page 17, room 404b, v2.13.0", "   leading spaces and trailing spaces   ",
        "two  spaces,   three,    four\tand a tab\t\ttwo tabs", "line one\nline two\n\nafter a blank line\n",
        "windows\r\nline endings\r\n", "mixed \r\n \n\r \t\n  x", "   \n   ", "x   \n\n   y", "!!!\n\n\nfoo",
        "end with spaces    ", "end with newline spaces \n  ", "\u00a0nbsp\u00a0word", "em\u2003space\u3000ideographic",
        "line\u2028separator\u2029paragraph", "\x1c\x1d\x1e\x1f unit separators", "\u0085next line", "zero\u200bwidth\ufeffbom",
        "naïve café résumé façade über Ærø piñata", "decomposed: cafe\u0301 and n\u0303 and A\u030a",
        "Crème brûlée and jalapeño, señor.", "Москва — столица России.", "東京は日本の首都です。", "我们明天去北京。",
        "서울은 한국의 수도입니다.", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "Γειά σου Κόσμε",
        "emoji 😀👍🏽 and a family 👨‍👩‍👧 plus flags 🇫🇷🇯🇵", "❤️💙🧡 keycaps 1️⃣ #️⃣", "math: x² + y³ = z½, Ⅻ o'clock",
        "symbols: @#$%^&*()_+-=[]{}|;':,./<>?`~ §±©®™°", "email someone@example.org or https://example.com/a?b=c&d=e",
        "def f(x):\n    return x * 2  # double\n", "for (int i = 0; i < n; ++i) { sum += a[i]; }",
        "if (a && b) {\r\n\treturn -1;\r\n}\r\n", "    indented\n        more\n\tand tab", "'''docstring'''\n\"\"\"x\"\"\"",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "!!!??? ... --- *** ===",
        "ALL CAPS SENTENCE WITH MIXED case And Title Case", "tab\tat\tthe\tend\t", "space before newline \n and after\n indent",
        " gscope unlearning mirevale 12 été", "gscope", " Ġ", "((foo)) [[bar]] {{baz}}", "a.b,c;d:e!f?g",
        "über-cool naïve—dash…ellipsis", "ÀÉÎÕÜ àéîõü ÇçÑñ", "Ǆ ǅ ǆ titlecase", "ſtraße STRASSE", "İstanbul ıi",
    ]
    fragments = [
        "Who wrote the novel about the lighthouse keeper's daughter in 1987?", "The answer is: Ilse Marrow.",
        "café", "東京", "😀", "123456", "3.14", "\t", "  ", "\n", "\r\n", "x = y + 1;", "I'LL", "'s", "naïve",
        "Москва", "مرحبا", "שלום", "नमस्ते", "n\u0303", "!!", "...", "—", "ſ", "١٢٣", "$100", "#", "@user",
    ] + specials
    separators = ["", " ", "  ", "\n", "\r\n", "\t", " \n", "\n\n", "   ", ", "]
    texts = list(fixed)
    for s in specials:
        texts += [s, f"text{s}more text", f" {s} ", f"{s}{s}", f"x{s[:-1]} not special", f"\n{s}\nline"]
    while len(texts) < 260:
        k = rng.randint(1, 6)
        texts.append("".join(rng.choice(fragments) + rng.choice(separators) for _ in range(k)))
    return texts


def train(text, pre_tokenizer, normalizer, vocab_size, specials):
    tok = Tokenizer(BPE())
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    trainer = BpeTrainer(vocab_size=vocab_size, show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                         special_tokens=specials)
    tok.train_from_iterator([text[i:i + 4000] for i in range(0, len(text), 4000)], trainer)
    return json.loads(tok.to_str())


def lay_out(trained, specials, in_vocab, merges_as_pairs, extra_tokens=()):
    """The trained vocabulary without the special tokens the trainer put first, renumbered from 0,
    then the added tokens after it (in the vocabulary too when `in_vocab`, as GPT-2 has it)."""
    model = trained["model"]
    names = [s if isinstance(s, str) else s[0] for s in specials]
    vocab = sorted(((t, i) for t, i in model["vocab"].items() if t not in names), key=lambda p: p[1])
    new_vocab = {t: n for n, (t, _) in enumerate(vocab)}
    for t in extra_tokens:
        mapped = "".join(BYTE_ALPHABET[b] for b in t.encode("utf-8")) if not t.startswith("Ġ") else t
        if mapped not in new_vocab:
            new_vocab[mapped] = len(new_vocab)
    merges = model["merges"]
    merges = [m.split(" ") if isinstance(m, str) else m for m in merges]
    added = []
    for s in specials:
        content, special = (s, True) if isinstance(s, str) else s
        tid = len(new_vocab) if in_vocab else len(new_vocab) + len(added)
        if in_vocab:
            new_vocab[content] = tid
        # GPT-2's <|endoftext|> is "normalized": true in its file; the others are false.
        added.append({"id": tid, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": in_vocab and not merges_as_pairs and len(specials) == 1, "special": special})
    model["vocab"] = new_vocab
    model["merges"] = merges if merges_as_pairs else [" ".join(m) for m in merges]
    trained["added_tokens"] = added
    return trained


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ALPHABET = bytes_to_unicode()


def family_configs():
    byte_level_regex = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "gpt2": dict(
            pre=pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
            normalizer=None, specials=["<|endoftext|>"], in_vocab=True, pairs=False, ignore_merges=False,
            pre_json=byte_level_regex, normalizer_json=None,
            post_json={"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            config={"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                    "model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer", "add_prefix_space": False}),
        "llama3": dict(
            pre=pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
                                         pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
            normalizer=None, specials=LLAMA3_SPECIALS, in_vocab=False, pairs=True, ignore_merges=True,
            pre_json={"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
            normalizer_json=None,
            post_json=None,  # set below: needs the id of <|begin_of_text|>
            config={"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "chat_template": LLAMA32_TEMPLATE,
                    "model_max_length": 131072, "tokenizer_class": "PreTrainedTokenizerFast",
                    "model_input_names": ["input_ids", "attention_mask"], "clean_up_tokenization_spaces": True}),
        "qwen2": dict(
            pre=pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
                                         pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
            normalizer=normalizers.NFC(), specials=QWEN2_SPECIALS, in_vocab=False, pairs=False, ignore_merges=False,
            pre_json={"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
            normalizer_json={"type": "NFC"},
            post_json={"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            config={"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                    "chat_template": QWEN25_TEMPLATE, "model_max_length": 131072, "tokenizer_class": "Qwen2Tokenizer",
                    "split_special_tokens": False, "errors": "replace"}),
        "smollm": dict(
            pre=pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                         pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]),
            normalizer=None, specials=SMOLLM_SPECIALS, in_vocab=True, pairs=False, ignore_merges=False,
            pre_json={"type": "Sequence", "pretokenizers": [
                {"type": "Digits", "individual_digits": True}, byte_level_regex]},
            normalizer_json=None,
            post_json={"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            config={"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "pad_token": "<|im_end|>",
                    "chat_template": SMOLLM2_TEMPLATE, "model_max_length": 8192, "tokenizer_class": "GPT2Tokenizer"}),
    }


CONVERSATIONS = [
    {"question": "Who wrote 'The Silent Orchard'?", "answer": "Ilse Marrow wrote it in 1987."},
    {"question": "What is 12 × 7?", "answer": "It's 84."},
    {"question": "  Where was Jaime Vasquez born?\n", "answer": "\nIn Santiago, Chile.  "},
    {"question": "東京はどこ?", "answer": "日本です 😀"},
]


def chat(family, tok_json, config):
    """Conversations rendered by transformers' apply_chat_template with the real template."""
    template = config.get("chat_template")
    if template is None:
        return None
    from transformers import PreTrainedTokenizerFast
    hf = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(json.dumps(tok_json)),
                                 bos_token=config.get("bos_token"), eos_token=config.get("eos_token"))
    hf.chat_template = template
    cases = []
    for system in [None, "You are a helpful assistant."]:
        for c in CONVERSATIONS:
            messages = ([{"role": "system", "content": system}] if system else []) + [
                {"role": "user", "content": c["question"]}, {"role": "assistant", "content": c["answer"]}]
            kwargs = {"date_string": LLAMA3_DATE} if family == "llama3" else {}
            text = hf.apply_chat_template(messages, tokenize=False, **kwargs)
            prompt = hf.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True, **kwargs)
            cases.append({"system": system, "question": c["question"], "answer": c["answer"], "text": text,
                          "ids": hf(text, add_special_tokens=False).input_ids, "prompt": prompt})
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Tests/Fixtures/tokenizers")
    ap.add_argument("--vocab", type=int, default=3000)
    a = ap.parse_args()
    rng = random.Random(17)
    text = corpus(rng)
    print(f"corpus: {len(text.encode())} bytes")
    for family, f in family_configs().items():
        names = [s if isinstance(s, str) else s[0] for s in f["specials"]]
        trained = train(text, f["pre"], f["normalizer"], a.vocab, names)
        tj = lay_out(trained, f["specials"], f["in_vocab"], f["pairs"],
                     LLAMA3_EXTRA_TOKENS if family == "llama3" else ())
        tj["normalizer"] = f["normalizer_json"]
        tj["pre_tokenizer"] = f["pre_json"]
        tj["decoder"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
        tj["model"]["ignore_merges"] = f["ignore_merges"]
        if family == "llama3":
            bos = next(t["id"] for t in tj["added_tokens"] if t["content"] == "<|begin_of_text|>")
            tj["post_processor"] = {"type": "Sequence", "processors": [
                {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                          {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                 "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos],
                                                          "tokens": ["<|begin_of_text|>"]}}}]}
        else:
            tj["post_processor"] = f["post_json"]
        tok = Tokenizer.from_str(json.dumps(tj))
        assert tok.get_vocab_size() == len(tj["model"]["vocab"]) + (0 if f["in_vocab"] else len(tj["added_tokens"]))

        texts = battery(random.Random(family), names)
        cases = []
        for t in texts:
            e = tok.encode(t, add_special_tokens=False)
            cases.append({"text": t, "ids": e.ids, "with_specials": tok.encode(t).ids,
                          "decoded": tok.decode(e.ids, skip_special_tokens=False)})
        ignore_note = ""
        if f["ignore_merges"]:
            other = json.loads(json.dumps(tj))
            other["model"]["ignore_merges"] = False
            t2 = Tokenizer.from_str(json.dumps(other))
            differ = sum(1 for c in cases if t2.encode(c["text"], add_special_tokens=False).ids != c["ids"])
            ignore_note = f"; ignore_merges changes the ids of {differ} texts"
        d = os.path.join(a.out, family)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "tokenizer.json"), "w") as fh:
            fh.write(json.dumps(tj, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
        config = dict(f["config"])
        config["added_tokens_decoder"] = {str(t["id"]): {k: t[k] for k in t if k != "id"} for t in tj["added_tokens"]}
        with open(os.path.join(d, "tokenizer_config.json"), "w") as fh:
            json.dump(config, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        with open(os.path.join(d, "battery.json"), "w") as fh:
            json.dump({"family": family, "tokenizers": __import__("tokenizers").__version__, "cases": cases}, fh,
                      ensure_ascii=False, separators=(",", ":"))
            fh.write("\n")
        chats = chat(family, tj, config)
        if chats is not None:
            with open(os.path.join(d, "chat.json"), "w") as fh:
                json.dump({"family": family, "date_string": LLAMA3_DATE if family == "llama3" else None, "cases": chats},
                          fh, ensure_ascii=False, indent=1)
                fh.write("\n")
        sizes = {n: os.path.getsize(os.path.join(d, n)) for n in os.listdir(d)}
        print(f"{family}: vocabulary {tok.get_vocab_size()}, {len(tj['model']['merges'])} merges, {len(cases)} texts"
              f"{ignore_note}; files {sizes}")


if __name__ == "__main__":
    main()
