import ArgumentParser
import Datasets
import Foundation
import Model
import NumericCore
import Unlearning

/// `gscope bench --mode train` on a Llama (SmolLM2's architecture): the peer of
/// notebooks-scripts/bench/torch_llama_bench.py.
extension Bench {
    /// The Llama configurations `--model` accepts: `LlamaConfig.named`, and smollm2 for smollm2-135m.
    static let llamaModels: [String: LlamaConfig] = LlamaConfig.named.merging(["smollm2": .smollm2_135m]) { a, _ in a }

    /// Whether `--model` (or `--gguf`) asks for a Llama rather than a GPT.
    var benchesLlama: Bool { gguf != nil || modelOptions.modelName.map { Self.llamaModels[$0] != nil } ?? false }

    /// One AdamW training step of a Llama, as `trainingStep` runs it for a GPT (forward, gradient
    /// of the token-mean NLL on the logits, backward, gradient norm, update), timed on sparse-bigram
    /// batches: random weights drawn by `initializeLlama`, or the weights of `--gguf`.
    func benchLlamaTrain() throws {
        guard batch >= 1, seq >= 1, steps >= 1 else { throw ValidationError("--batch, --seq and --steps must be positive") }
        let options = modelOptions
        guard [options.nLayer, options.nHead, options.nEmbd, options.vocab, options.blockSize].allSatisfy({ $0 == nil }) else {
            throw ValidationError("--n-layer, --n-head, --n-embd, --vocab and --block-size apply to GPT models, not to a Llama")
        }
        guard !profile else { throw ValidationError("--profile times GPT layers; it is not available for a Llama") }
        let model: Llama, label: String
        if let gguf {
            if let name = options.modelName, Self.llamaModels[name] == nil {
                throw ValidationError("--gguf holds a Llama: --model must be one of \(Self.llamaModels.keys.sorted().joined(separator: ", ")), or left out")
            }
            model = try LlamaGGUF.load(gguf, contextLength: seq)
            label = options.modelName ?? URL(fileURLWithPath: gguf).deletingPathExtension().lastPathComponent
        } else {
            model = try Llama(config: Self.llamaModels[options.model]!)
            var rng = RNG(seed: 1)
            model.initializeLlama(rng: &rng)
            label = options.model
        }
        let config = model.config
        let T = min(seq, config.blockSize)
        var rng = RNG(seed: 2)
        let corpus = SparseBigramCorpus(vocabSize: config.vocabSize, seed: 2)
        let batches = (0..<(warmup + steps)).map { _ in corpus.batch(B: batch, T: T, rng: &rng) }
        let adam = AdamW(count: model.parameterCount, weightDecay: 0.1, decayRanges: matrixRanges(of: model.layout))
        var times: [Double] = []
        for (i, b) in batches.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            // trainingStep's body: Llama does not conform to CausalLanguageModel yet.
            model.zeroGradients()
            try model.forward(tokens: b.tokens, targets: b.targets, mask: b.mask, batch: batch, seq: T)
            let dlogits = model.logitGradientScratch.baseAddress!
            model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: b.mask), into: dlogits)
            model.backward(logitGradient: dlogits)
            clipGradientNorm(model.gradients, maxNorm: nil)
            adam.step(parameters: model.parameters, gradients: model.gradients, lr: 1e-3)
            if i >= warmup { times.append(Self.milliseconds(since: start)) }
        }
        let median = times.sorted()[times.count / 2]
        let tokens = Double(batch * T)
        let flops = 6 * Double(model.parameterCount) * tokens + 12 * Double(config.nLayer * config.nEmbd * T) * tokens
        let fields: [(String, String)] = [
            ("impl", "\"gscope\""), ("mode", "\"train\""), ("model", "\"\(label)\""),
            ("params", "\(model.parameterCount)"), ("batch", "\(batch)"), ("seq", "\(T)"),
            ("threads", "\(threadOptions.threads)"), ("blas_core", "\"\(BLAS.coreName)\""), ("steps", "\(steps)"),
            ("ms_per_step_median", fmt(median)), ("ms_per_step_min", fmt(times.min()!)),
            ("tokens_per_s", fmt(tokens / median * 1000)), ("gflops", fmt(flops / median / 1e6)),
            ("weights", gguf == nil ? "\"random\"" : "\"gguf\""),
        ]
        if !json {
            print("\(label): \(fmt(median)) ms/step, \(fmt(tokens / median * 1000)) tokens/s, \(fmt(flops / median / 1e6)) GFLOP/s")
        }
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }
}
