import ArgumentParser
import Foundation
import Model
import NumericCore

/// What `gscope bench` measures: a stored model (`--model PATH`, a .gguf file or a checkpoint
/// directory) or a shape with random weights (`--arch`, `--size` and the overrides).
struct BenchModel {
    /// The stored model to time, if any.
    let path: String?
    /// The shape built with random weights when there is no path.
    let shape: ModelShapeOptions
    /// What the report calls the model: the size's name, or the stored model's file name.
    let label: String

    /// Whether the model is a GPT built from scratch, the only kind every mode measures.
    var isFreshGPT: Bool { path == nil && shape.architecture == .gpt }
}

/// `gscope bench --mode train` on a Llama (SmolLM2's architecture: the peer of
/// notebooks-scripts/bench/torch_llama_bench.py) or on a stored model.
extension Bench {
    /// `--model`, `--arch`, `--size` and the overrides, with the old spellings folded in:
    /// `--model NAME` with a size name (→ `--size NAME`, and `--arch llama` for a Llama's) and
    /// `--gguf PATH` (→ `--model PATH`) print their deprecation line; old and new spellings that
    /// disagree are an `OptionError` (exit 2). As before, the old `--model NAME` given with
    /// `--gguf` names the stored Llama in the report.
    func benchModel() throws -> BenchModel {
        let (path, shape) = try shapeOptions.readingDeprecatedSize(in: modelToLoad.model)
        guard let stored = try DeprecatedSpelling.merge(new: path, newName: "model", old: gguf, oldName: "gguf") else {
            return BenchModel(path: nil, shape: shape, label: shape.sizeName())
        }
        let explicit = shapeOptions.given
        guard explicit.isEmpty else {
            throw ValidationError("--model \(stored) brings its own shape: leave out \(explicit.joined(separator: ", "))")
        }
        // Only the old pair `--gguf PATH --model NAME` gets here with a size: NAME labels the Llama.
        if let name = shape.size, shape.architecture == .gpt {
            throw ValidationError("\(stored) holds a Llama: leave out --model \(name)")
        }
        return BenchModel(
            path: stored, shape: shape,
            label: shape.size ?? URL(fileURLWithPath: stored).deletingPathExtension().lastPathComponent)
    }

    /// The model `--mode train` times: the stored one (a .gguf file read with a context of
    /// `contextLength`, by default `--seq`), or the shape with random weights from seed 1 (GPT-2's initialisation for a GPT,
    /// `initializeLlama` for a Llama); with the JSON fields saying which.
    func trainModel(_ choice: BenchModel, contextLength: Int? = nil) throws -> (any CausalLanguageModel, [(String, String)]) {
        if let path = choice.path {
            let weights = path.hasSuffix(".gguf") ? "gguf" : "checkpoint"
            let model = try Checkpoint.loadModel(from: path, contextLength: contextLength ?? seq)
            return (model, [("weights", JSONText.quoted(weights))])
        }
        let shape = try choice.shape.shape()
        var rng = RNG(seed: 1)
        let model = try shape.initializedModel(rng: &rng)
        if shape is GPTConfig { return (model, []) }
        return (model, [("weights", "\"random\"")])
    }
}
