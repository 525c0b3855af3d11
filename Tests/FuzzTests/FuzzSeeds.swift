import Foundation
import TestSupport

/// The valid files every format's cases start from, built once per test process under a
/// temporary directory: the generated benchmark, a BPE tokenizer, a GPT and a Llama checkpoint,
/// a tiny Llama GGUF file, an experiment YAML and a run file with every figure's data.
enum FuzzSeeds {
    /// The generated benchmark (20 authors) and a random GPT checkpoint for the byte tokenizer.
    static let setup = syntheticRunSetup("fuzz-setup")

    /// A fresh directory for one format's seed files.
    static func directory(_ name: String) -> String {
        let path = temporaryDirectory("fuzz-seed-\(name)")
        return path
    }

    /// Runs the release binary to build a seed; fails the calling test with its stderr if it fails.
    static func gscope(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FuzzCampaign.gscope)
        process.arguments = arguments
        process.environment = FuzzCampaign.childEnvironment([:])
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SeedError(description: "gscope \(arguments.joined(separator: " ")) failed: \(stderr)")
        }
    }

    struct SeedError: Error, CustomStringConvertible { var description: String }

    /// A directory holding `tokenizer.json`, trained on the benchmark (41 merges, vocabulary 300).
    static let tokenizer: Result<String, Error> = Result {
        let dir = directory("tokenizer")
        try gscope([
            "tokenizer", "train", "--corpus", setup.data + "/full.json", "--vocab", "300", "--out", dir + "/tokenizer.json",
        ])
        return dir
    }

    /// A directory holding a Hugging Face `tokenizer.json` and `tokenizer_config.json`: the Llama 3
    /// fixture of `Tests/Fixtures/tokenizers/llama3` (3,004 tokens, Llama 3.2's chat template).
    static let huggingFaceTokenizer: Result<String, Error> = Result {
        var fixtures = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { fixtures.deleteLastPathComponent() }   // FuzzSeeds.swift, FuzzTests
        let source = fixtures.appendingPathComponent("Fixtures/tokenizers/llama3").path
        let dir = directory("hf-tokenizer")
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: dir + "/" + name)
        }
        return dir
    }

    /// A Hugging Face-layout Llama checkpoint (config.json, model.safetensors) for the byte tokenizer.
    static let llamaCheckpoint = tinyLlamaCheckpoint("fuzz-llama", seed: 11).checkpoint

    /// A directory holding `model.gguf`: a one-block Llama with a byte-level BPE vocabulary.
    static let gguf: String = {
        let dir = directory("gguf")
        var rng = SplitMix(seed: 42)
        _ = FileManager.default.createFile(
            atPath: dir + "/model.gguf", contents: Data(GGUFImage.tinyLlama(rng: &rng).written().bytes))
        return dir
    }()

    /// The experiment of the YAML cases: NPO with a KL retain term on forget01, one step, G-effects
    /// on 8 instances and on world facts, one thread.
    static func experimentYAML(out: String) -> String {
        """
        # The fuzz seed: NPO+KL on the generated benchmark's forget01, one recorded step.
        name: fuzz
        seed: 0
        threads: 1
        model:
          checkpoint: \(setup.checkpoint)
        data:
          kind: qa
          dir: \(setup.data)
          tokenizer: byte
          forget_split: forget01
          retain_split: null
          max_length: 320
        objective:
          forget:
            name: npo
            beta: 1.0
          retain:
            name: kl
          forget_weight: 1.0
          retain_weight: 1.0
        optimizer:
          name: adamw
          lr: 1.0e-3
          weight_decay: 0.01
          betas: [0.9, 0.999]
          eps: 1.0e-8
          max_grad_norm: 1.0
        schedule:
          name: constant
          warmup_steps: 0
        run:
          steps: 3
          forget_batch: 4
          retain_batch: 4
          checkpoint_every: 0
          record_every: 1
          geffect_forget_size: 8
          geffect_retain_size: 8
          risk_sets: [world_facts]
          interference_every: 3
          interference_sets: [forget, retain]
          out: \(out)
        eval:
          every: 0

        """
    }

    /// A directory holding `config.yaml` and `out/run.h5` (a finished run: the cases that only
    /// load the config stop at it).
    static let yaml: Result<String, Error> = Result {
        let dir = directory("yaml")
        try experimentYAML(out: dir + "/out").write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        try gscope(["unlearn", "--config", dir + "/config.yaml", "--quiet"])
        try? FileManager.default.removeItem(atPath: dir + "/out/checkpoint")
        return dir
    }

    /// A directory holding `run.h5` (the YAML seed's three-step run with its interference, with
    /// TOFU and Markov evaluations, Markov instance groups and the relearning attributes added so
    /// that every figure has data) and
    /// `second.h5`, an unchanged copy for the two-run figures.
    static let runFile: Result<String, Error> = Result {
        let source = try yaml.get() + "/out/run.h5"
        let dir = directory("run")
        var tree = try RunFileTree.read(source)
        tree.root.groups.removeAll { $0.0 == "eval" }
        var eval = RunFileTree.Group()
        eval.attributes.append(("test_sequences_per_group", .ints([8])))
        for g in ["retain", "forget1", "forget2"] {
            eval.attributes.append(("bayes_kl_\(g)", .doubles([0.01])))
            eval.attributes.append(("retrained_kl_\(g)", .doubles([0.5])))
        }
        eval.datasets.append(("steps", RunFileTree.Dataset(values: .int64([0, 1, 3]), shape: [3], attributes: [])))
        for (i, name) in ["forget_quality", "model_utility", "kl_retain", "kl_forget1", "kl_forget2", "forget_Q_A_Prob"]
            .enumerated()
        {
            let values: [Double] = [0.01 * Double(i + 1), 0.2, 0.4 + Double(i) / 10]
            eval.datasets.append((name, RunFileTree.Dataset(values: .float64(values), shape: [3], attributes: [])))
        }
        tree.root.groups.append(("eval", eval))
        // Marked as a relearning run too, so that the recovery figure reads it.
        tree.root.attributes.append(("relearned_objective", .strings(["npo+kl"])))
        tree.root.attributes.append(("relearn_risk_set", .strings(["world_facts"])))
        tree.withGroup("data/forget") { g in
            let instances = g.datasets.first { $0.0 == "index" }?.1.values.count ?? 0
            let groups = (0..<instances).map { $0 % 2 == 0 ? "forget1" : "forget2" }
            g.datasets.append(("group", RunFileTree.Dataset(values: .strings(groups), shape: [instances], attributes: [])))
        }
        try tree.write(dir + "/run.h5")
        try FileManager.default.copyItem(atPath: dir + "/run.h5", toPath: dir + "/second.h5")
        return dir
    }

    /// A directory whose `gnuplot` writes the PNG and PDF a script names and nothing else: the
    /// plot cases test gscope's reading of run files, not gnuplot (GSCOPE_FUZZ_REAL_GNUPLOT=1
    /// uses the real one).
    static let gnuplotStub: String = {
        let dir = directory("gnuplot")
        let script = "#!/bin/sh\nb=\"${1%.gp}\"; printf x > \"$b.png\"; printf x > \"$b.pdf\"\n"
        _ = FileManager.default.createFile(
            atPath: dir + "/gnuplot", contents: Data(script.utf8),
            attributes: [.posixPermissions: 0o755])
        return dir
    }()
}

extension FuzzSeeds {
    /// The GPT seed checkpoint (Hugging Face GPT-2 layout) split into two shards with
    /// `model.safetensors.index.json`, as transformers' `save_pretrained(max_shard_size=…)` writes it.
    static let shardedCheckpoint: Result<String, Error> = Result {
        let dir = directory("sharded")
        try FileManager.default.copyItem(atPath: setup.checkpoint + "/config.json", toPath: dir + "/config.json")
        let names = try copyTensors(from: setup.checkpoint + "/model.safetensors", into: dir) { index, count in
            index < count / 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors"
        }
        let map = names.sorted { $0.key < $1.key }.map { "    \"\($0.key)\": \"\($0.value)\"" }.joined(separator: ",\n")
        try "{\n  \"metadata\": {\"total_size\": 0},\n  \"weight_map\": {\n\(map)\n  }\n}\n".write(
            toFile: dir + "/model.safetensors.index.json", atomically: false, encoding: .utf8)
        return dir
    }

    /// The GPT seed checkpoint with every tensor stored as BF16 (as `model.to(torch.bfloat16)` saves it).
    static let bf16Checkpoint: Result<String, Error> = Result {
        let dir = directory("bf16")
        try FileManager.default.copyItem(atPath: setup.checkpoint + "/config.json", toPath: dir + "/config.json")
        _ = try copyTensors(from: setup.checkpoint + "/model.safetensors", into: dir, bf16: true) { _, _ in "model.safetensors" }
        return dir
    }

    /// Writes the tensors of the F32 safetensors file `source` (read here by hand: this target
    /// does not link the Model module) into files of `directory` (`file(index, count)` names each
    /// tensor's file, tensors in data order), F32 or rounded to BF16; returns tensor → file.
    static func copyTensors(
        from source: String, into directory: String, bf16: Bool = false, file: (Int, Int) -> String
    ) throws -> [String: String] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let n = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) })
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as! [String: Any]
        var entries: [(name: String, shape: [Int], floats: [Float], begin: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            let entry = value as! [String: Any]
            let offsets = entry["data_offsets"] as! [Int], shape = entry["shape"] as! [Int]
            let floats = stride(from: 8 + n + offsets[0], to: 8 + n + offsets[1], by: 4).map { i in
                Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * UInt32($1)) })
            }
            entries.append((name, shape, floats, offsets[0]))
        }
        entries.sort { $0.begin < $1.begin }
        var groups: [String: [(String, [Int], [Float])]] = [:]
        var placed: [String: String] = [:]
        for (i, e) in entries.enumerated() {
            let target = file(i, entries.count)
            groups[target, default: []].append((e.name, e.shape, e.floats))
            placed[e.name] = target
        }
        for (target, tensors) in groups {
            try Data(safetensors(tensors, bf16: bf16)).write(to: URL(fileURLWithPath: directory + "/" + target))
        }
        return placed
    }

    /// A safetensors file of F32 or BF16 tensors (BF16: each float rounded to nearest, ties to even).
    static func safetensors(_ tensors: [(String, [Int], [Float])], bf16: Bool) -> [UInt8] {
        var header = "{\"__metadata__\":{\"format\":\"pt\"}", data: [UInt8] = [], offset = 0
        for (name, shape, floats) in tensors {
            for x in floats {
                let bits = x.bitPattern
                if bf16 {
                    let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16
                    data += [UInt8(truncatingIfNeeded: rounded), UInt8(truncatingIfNeeded: rounded >> 8)]
                } else {
                    data += (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt32($0))) }
                }
            }
            let shapeText = shape.map(String.init).joined(separator: ",")
            header += ",\"\(name)\":{\"dtype\":\"\(bf16 ? "BF16" : "F32")\",\"shape\":[\(shapeText)],"
            header += "\"data_offsets\":[\(offset),\(data.count)]}"
            offset = data.count
        }
        var bytes = Array((header + "}").utf8)
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8)
        let length = UInt64(bytes.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + bytes + data
    }
}
