import ArgumentParser
import Datasets
import Foundation
import Model
import NumericCore

/// `gscope bench --mode train` on a Llama (SmolLM2's architecture): the peer of
/// notebooks-scripts/bench/torch_llama_bench.py.
extension Bench {
    /// The Llama configurations `--model` accepts: `LlamaConfig.named`, and smollm2 for smollm2-135m.
    static let llamaModels: [String: LlamaConfig] = LlamaConfig.named.merging(["smollm2": .smollm2_135m]) { a, _ in a }

    /// Whether `--model` (or `--gguf`) asks for a Llama rather than a GPT.
    var benchesLlama: Bool { gguf != nil || modelOptions.modelName.map { Self.llamaModels[$0] != nil } ?? false }

    /// The Llama `--model` names (random weights drawn by `initializeLlama` from seed 1), or the
    /// weights of `--gguf`; with the JSON field saying which.
    func llamaForBench() throws -> (any CausalLanguageModel, String, [(String, String)]) {
        let options = modelOptions
        guard [options.nLayer, options.nHead, options.nEmbd, options.vocab, options.blockSize].allSatisfy({ $0 == nil }) else {
            throw ValidationError("--n-layer, --n-head, --n-embd, --vocab and --block-size apply to GPT models, not to a Llama")
        }
        guard !profile else { throw ValidationError("--profile times GPT layers; it is not available for a Llama") }
        if let gguf {
            if let name = options.modelName, Self.llamaModels[name] == nil {
                throw ValidationError("--gguf holds a Llama: --model must be one of \(Self.llamaModels.keys.sorted().joined(separator: ", ")), or left out")
            }
            let model = try LlamaGGUF.load(gguf, contextLength: seq)
            return (model, options.modelName ?? URL(fileURLWithPath: gguf).deletingPathExtension().lastPathComponent,
                    [("weights", "\"gguf\"")])
        }
        let model = try Llama(config: Self.llamaModels[options.model]!)
        var rng = RNG(seed: 1)
        model.initializeLlama(rng: &rng)
        return (model, options.model, [("weights", "\"random\"")])
    }
}
