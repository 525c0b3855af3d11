import Foundation
import TestSupport

/// The formats under fuzz: for each, its seed directory, its mutations (field-aware edits most of
/// the time, byte-level edits otherwise; one to three stacked) and the cheapest command that reads it.
enum FuzzFormats {
    /// Replaces the link `directory/name` by a file holding `rounds` stacked edits of its bytes.
    static func editFile(
        _ directory: String, _ name: String, rng: inout SplitMix,
        _ edit: (_ bytes: [UInt8], _ rng: inout SplitMix) -> ([UInt8], String)
    ) throws -> (mutation: String, files: [String]) {
        let path = directory + "/" + name
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var done: [String] = []
        for _ in 0..<rounds(&rng) {
            let (next, what) = edit(bytes, &rng)
            bytes = next
            done.append(what)
        }
        try FileManager.default.removeItem(atPath: path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return ("\(name): " + done.joined(separator: "; "), [name])
    }

    /// How many edits a case stacks: one (70 %), two (20 %) or three.
    static func rounds(_ rng: inout SplitMix) -> Int { 1 + (rng.chance(0.3) ? 1 : 0) + (rng.chance(0.1) ? 1 : 0) }

    /// Bytes of another valid file, for splices.
    static let donor: [UInt8] =
        Array(FuzzSeeds.experimentYAML(out: "/tmp/x").utf8) + Array(repeating: 0, count: 16)
        + [UInt8](FileManager.default.contents(atPath: FuzzSeeds.gguf + "/model.gguf") ?? Data()).prefix(2048)

    /// A byte-level edit (`share` of the time) or else `fieldEdit` (falling back to bytes when it cannot apply).
    static func mixed(share: Double, _ fieldEdit: @escaping ([UInt8], inout SplitMix) -> ([UInt8], String)?)
        -> ([UInt8], inout SplitMix) -> ([UInt8], String)
    {
        { bytes, rng in
            if !rng.chance(share), let edited = fieldEdit(bytes, &rng) { return edited }
            var b = bytes
            let what = ByteMutations.mutate(&b, donor: donor, rng: &rng)
            return (b, what)
        }
    }

    /// A JSON document edited as a tree (or its numbers as text).
    static func jsonEdit(prefer: Set<String>) -> ([UInt8], inout SplitMix) -> ([UInt8], String)? {
        { bytes, rng in
            if rng.chance(0.2) { return JSONEdits.replaceNumber(in: bytes, rng: &rng) }
            guard let tree = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
                return nil
            }
            let (edited, what) = JSONEdits.edit(tree, rng: &rng, prefer: rng.chance(0.7) ? prefer : [])
            return JSONEdits.serialize(edited).map { (Array($0), what) }
        }
    }

    // MARK: The formats

    /// TOFU JSON-lines splits, read by `gscope data inspect` (every split and idontknow.jsonl).
    static func tofuJSONLines() -> FuzzFormat {
        FuzzFormat(
            name: "tofu-jsonl", seedDirectory: FuzzSeeds.setup.data,
            mutate: { dir, rng in
                let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
                    $0.hasSuffix(".json") || $0.hasSuffix(".jsonl")
                }.sorted()
                let file = rng.chance(0.4) ? "full.json" : rng.pick(files)
                return try editFile(
                    dir, file, rng: &rng,
                    mixed(share: 0.3) { bytes, rng in
                        rng.chance(0.15)
                            ? JSONEdits.replaceNumber(in: bytes, rng: &rng) : TextEdits.editJSONLines(bytes, rng: &rng)
                    })
            }, arguments: { dir, _ in ["data", "inspect", dir, "--tokenizer", "byte"] })
    }

    /// The experiment YAML, read by `gscope unlearn --config`. Nine cases in ten stop after loading
    /// and validating the config (and setting the thread count), at the finished run in `--out`;
    /// every tenth runs one real step (`--steps 1`, no evaluation) with what the config says.
    static func experimentYAML() throws -> FuzzFormat {
        FuzzFormat(
            name: "yaml-config", seedDirectory: try FuzzSeeds.yaml.get(),
            mutate: { dir, rng in
                try editFile(
                    dir, "config.yaml", rng: &rng,
                    mixed(share: 0.2) { bytes, rng in
                        switch rng.below(20) {
                        case 0..<3: JSONEdits.replaceNumber(in: bytes, rng: &rng)
                        case 3..<10: TextEdits.editYAMLField(bytes, rng: &rng)
                        default: TextEdits.editYAML(bytes, rng: &rng)
                        }
                    })
            },
            arguments: { dir, index in
                index % 10 == 9
                    ? [
                        "unlearn", "--config", dir + "/config.yaml", "--out", dir + "/real", "--steps", "1", "--eval-every", "0",
                        "--quiet",
                    ]
                    : ["unlearn", "--config", dir + "/config.yaml", "--out", dir + "/out", "--quiet"]
            },
            alsoSuccess: { outcome, stderr in
                outcome == .exited(64) && stderr.contains("already holds a run")
            })
    }

    /// gscope's byte-level BPE tokenizer file, read by `gscope tokenizer encode`.
    static func tokenizerJSON() throws -> FuzzFormat {
        FuzzFormat(
            name: "tokenizer-json", seedDirectory: try FuzzSeeds.tokenizer.get(),
            mutate: { dir, rng in
                try editFile(
                    dir, "tokenizer.json", rng: &rng,
                    mixed(
                        share: 0.3,
                        jsonEdit(prefer: ["type", "version", "vocab_size", "special", "begin", "end", "padding", "merges"])))
            },
            arguments: { dir, _ in
                ["tokenizer", "encode", "--tokenizer", dir + "/tokenizer.json", "--text", "Who wrote The Silent Orchard?"]
            })
    }

    /// A Hugging Face `tokenizer.json` with its `tokenizer_config.json`, read by `gscope tokenizer
    /// encode` on the directory (the vocabulary, merges, added tokens, pre-tokenizer pattern,
    /// post-processor, and the chat template and special tokens of the config).
    static func huggingFaceTokenizerJSON() throws -> FuzzFormat {
        FuzzFormat(
            name: "hf-tokenizer-json", seedDirectory: try FuzzSeeds.huggingFaceTokenizer.get(),
            mutate: { dir, rng in
                if rng.chance(0.3) {
                    return try editFile(
                        dir, "tokenizer_config.json", rng: &rng,
                        mixed(share: 0.2, jsonEdit(prefer: ["bos_token", "eos_token", "pad_token", "chat_template", "content"])))
                }
                return try editFile(
                    dir, "tokenizer.json", rng: &rng,
                    mixed(
                        share: 0.25,
                        jsonEdit(prefer: [
                            "type", "Regex", "behavior", "use_regex", "add_prefix_space", "id", "ids", "content", "special",
                            "lstrip", "merges", "vocab", "ignore_merges", "normalizer", "single", "byte_fallback",
                        ])))
            },
            arguments: { dir, _ in
                ["tokenizer", "encode", "--tokenizer", dir, "--text", "Who wrote 'The Silent Orchard'? In 1987.<|eot_id|>"]
            })
    }

    /// A checkpoint directory (config.json + model.safetensors), read by `gscope score`.
    static func checkpoint(name: String, directory: String, sizeKeys: Set<String>) -> FuzzFormat {
        FuzzFormat(
            name: name, seedDirectory: directory,
            mutate: { dir, rng in
                if rng.chance(0.4) {
                    return try editFile(dir, "config.json", rng: &rng, mixed(share: 0.2, jsonEdit(prefer: sizeKeys)))
                }
                return try editFile(
                    dir, "model.safetensors", rng: &rng,
                    mixed(share: 0.35) { bytes, rng in
                        SafetensorsEdits.edit(bytes, rng: &rng)
                    })
            },
            arguments: { dir, _ in ["score", "--model", dir, "--tokenizer", "byte", "--text", "Who is it?", "--threads", "1"] })
    }

    static func gptCheckpoint() -> FuzzFormat {
        checkpoint(
            name: "checkpoint-gpt", directory: FuzzSeeds.setup.checkpoint,
            sizeKeys: [
                "model_type", "n_layer", "n_head", "n_embd", "vocab_size", "n_positions", "n_inner", "layer_norm_epsilon",
                "activation_function", "tie_word_embeddings",
            ])
    }

    /// A GPT-2 checkpoint in two shards: the index edited as JSON, or one shard's bytes.
    static func shardedCheckpoint() throws -> FuzzFormat {
        let shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
        return FuzzFormat(
            name: "checkpoint-sharded", seedDirectory: try FuzzSeeds.shardedCheckpoint.get(),
            mutate: { dir, rng in
                if rng.chance(0.4) {
                    return try editFile(
                        dir, "model.safetensors.index.json", rng: &rng, mixed(share: 0.2, jsonEdit(prefer: ["weight_map"])))
                }
                return try editFile(
                    dir, shards[rng.chance(0.5) ? 0 : 1], rng: &rng,
                    mixed(share: 0.35) { bytes, rng in SafetensorsEdits.edit(bytes, rng: &rng) })
            },
            arguments: { dir, _ in ["score", "--model", dir, "--tokenizer", "byte", "--text", "Who is it?", "--threads", "1"] })
    }

    /// A GPT-2 checkpoint stored in BF16, read by `gscope score` and `gscope model inspect`.
    static func bf16Checkpoint() throws -> FuzzFormat {
        var format = checkpoint(
            name: "checkpoint-bf16", directory: try FuzzSeeds.bf16Checkpoint.get(),
            sizeKeys: ["n_layer", "n_head", "n_embd", "vocab_size", "n_positions"])
        format.arguments = { dir, index in
            index % 4 == 3
                ? ["model", "inspect", dir]
                : ["score", "--model", dir, "--tokenizer", "byte", "--text", "Who is it?", "--threads", "1"]
        }
        return format
    }

    static func llamaCheckpoint() -> FuzzFormat {
        checkpoint(
            name: "checkpoint-llama", directory: FuzzSeeds.llamaCheckpoint,
            sizeKeys: [
                "hidden_size", "intermediate_size", "max_position_embeddings", "num_attention_heads",
                "num_hidden_layers", "num_key_value_heads", "rms_norm_eps", "rope_theta", "tie_word_embeddings",
                "vocab_size", "architectures", "model_type",
            ])
    }

    /// A GGUF model file, read in turn by `gscope model inspect`, `tokenizer encode` and `score`.
    static func gguf() -> FuzzFormat {
        FuzzFormat(
            name: "gguf", seedDirectory: FuzzSeeds.gguf,
            mutate: { dir, rng in
                let path = dir + "/model.gguf"
                var seedRNG = SplitMix(seed: 42)
                var image = GGUFImage.tinyLlama(rng: &seedRNG)
                var done: [String] = []
                var bytes: [UInt8]
                if rng.chance(0.4) {
                    for _ in 0..<rounds(&rng) { done.append(image.editStructure(rng: &rng)) }
                    bytes = image.written().bytes
                } else {
                    let (written, fields) = image.written()
                    bytes = written
                    for _ in 0..<rounds(&rng) {
                        if rng.chance(0.55) {
                            let (b, what) = GGUFImage.overwriteField(bytes, fields: fields, rng: &rng)
                            bytes = b
                            done.append(what)
                        } else {
                            done.append(ByteMutations.mutate(&bytes, donor: donor, rng: &rng))
                        }
                    }
                }
                try FileManager.default.removeItem(atPath: path)
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return ("model.gguf: " + done.joined(separator: "; "), ["model.gguf"])
            },
            arguments: { dir, index in
                switch index % 3 {
                case 0: ["model", "inspect", dir + "/model.gguf"]
                case 1: ["tokenizer", "encode", "--tokenizer", dir + "/model.gguf", "--text", "the thin tin"]
                default: ["score", "--model", dir + "/model.gguf", "--text", "the thin tin", "--threads", "1"]
                }
            })
    }

    /// The seed run file's tree, read once.
    static let runTree: Result<RunFileTree, Error> = Result { try RunFileTree.read(try FuzzSeeds.runFile.get() + "/run.h5") }

    /// `run.h5` changed semantically through the HDF5 API (half the cases) or byte by byte.
    static func mutateRunFile(_ dir: String, _ rng: inout SplitMix) throws -> (mutation: String, files: [String]) {
        if rng.chance(0.5) {
            var tree = try runTree.get()
            var done: [String] = []
            for _ in 0..<rounds(&rng) { done.append(tree.edit(rng: &rng)) }
            let path = dir + "/run.h5"
            try FileManager.default.removeItem(atPath: path)
            do {
                try tree.write(path)
                return ("run.h5 (HDF5 edits): " + done.joined(separator: "; "), ["run.h5"])
            } catch {
                // An edit the HDF5 API refuses to write: fall back to byte edits of the seed.
                try? FileManager.default.removeItem(atPath: path)
                try FileManager.default.createSymbolicLink(
                    atPath: path, withDestinationPath: try FuzzSeeds.runFile.get() + "/run.h5")
            }
        }
        return try editFile(dir, "run.h5", rng: &rng) { bytes, rng in
            var b = bytes
            let what = ByteMutations.mutate(&b, donor: donor, rng: &rng)
            return (b, what)
        }
    }

    /// Run files read by `gscope inspect` (summary, `--table` or `--interference`).
    static func runInspect() throws -> FuzzFormat {
        FuzzFormat(
            name: "run-inspect", seedDirectory: try FuzzSeeds.runFile.get(), mutate: mutateRunFile,
            arguments: { dir, index in
                ["inspect", dir + "/run.h5"] + (index % 4 == 3 ? ["--table"] : index % 4 == 1 ? ["--interference"] : [])
            })
    }

    /// Run files read by `gscope plot` (every figure; every third case with a second, intact run).
    static func runPlot() throws -> FuzzFormat {
        let realGnuplot = ProcessInfo.processInfo.environment["GSCOPE_FUZZ_REAL_GNUPLOT"] == "1"
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return FuzzFormat(
            name: "run-plot", seedDirectory: try FuzzSeeds.runFile.get(), mutate: mutateRunFile,
            arguments: { dir, index in
                ["plot", dir + "/run.h5"] + (index % 3 == 2 ? [dir + "/second.h5"] : []) + ["--out", dir + "/plots"]
            }, environment: realGnuplot ? [:] : ["PATH": FuzzSeeds.gnuplotStub + ":" + path])
    }
}
