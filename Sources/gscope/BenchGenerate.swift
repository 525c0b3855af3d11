import ArgumentParser
import Foundation
import Model
import NumericCore

/// `gscope bench --mode generate`: greedy decoding with the key/value cache against recomputing
/// every sequence from its first token at every step.
extension Bench {
    /// `--batch` random prompts of `--prompt-tokens` ± 4 tokens continued by `--new-tokens`
    /// tokens each (no stop token), timed with the cache (`GreedyDecoder`) and, with `--recompute`,
    /// without it (every step runs the same kernels on every row's whole context). The model is
    /// any the bench builds (`generationModel`): a GPT or a Llama shape with random weights, or a
    /// stored model with its own.
    func benchGenerate(_ choice: BenchModel) throws {
        guard batch >= 1, promptTokens >= 5, newTokens >= 1, steps >= 1 else {
            throw ValidationError("--batch, --new-tokens and --steps must be positive and --prompt-tokens at least 5")
        }
        let lengths = (0..<batch).map { promptTokens - 4 + $0 % 9 }
        let (model, extra) = try generationModel(choice, positions: lengths.max()! + newTokens - 1)
        var rng = RNG(seed: 1)
        let prompts = lengths.map { n in (0..<n).map { _ in Int32(rng.below(model.vocabSize)) } }

        let decoder = GreedyDecoder(model: model, maxNewTokens: newTokens, stopToken: nil)
        var cached: [GeneratedSequence] = [], prefillMs: [Double] = []
        let cachedMs = try millisecondsPerRun { _, start in
            cached = try decoder.generate(prompts: prompts) { step in
                if step.step == 0 { prefillMs.append(Self.milliseconds(since: start)) }
            }
        }
        let tokens = Double(batch * newTokens)
        let cachedMedian = Self.median(cachedMs)
        var fields: [(String, String)] =
            [
                ("impl", "\"gscope\""), ("mode", "\"generate\""), ("model", JSONText.quoted(choice.label)),
                ("params", "\(model.parameterCount)"), ("batch", "\(batch)"),
                ("prompt_tokens_mean", fmt(Double(lengths.reduce(0, +)) / Double(batch))), ("new_tokens", "\(newTokens)"),
                ("context_length", "\(model.contextLength)"), ("threads", "\(threadOptions.count)"),
                ("blas_core", "\"\(BLAS.coreName)\""), ("kernels", "\"\(BLAS.kernels)\""), ("steps", "\(steps)"),
                ("cached_ms_median", fmt(cachedMedian)),
                ("cached_prefill_ms_median", fmt(Self.median(Array(prefillMs.suffix(steps))))),
                ("cached_tokens_per_s", fmt(tokens / cachedMedian * 1000)),
            ] + extra
        var line =
            "\(choice.label) generate, \(batch) prompts × \(newTokens) new tokens: cached \(fmt(cachedMedian)) ms "
            + "(\(fmt(tokens / cachedMedian * 1000)) tokens/s)"
        if recompute {
            var recomputed: [[Int32]] = []
            let recomputeMs = try millisecondsPerRun { _, _ in recomputed = try recomputeGreedy(model, prompts: prompts) }
            let agree = zip(cached, recomputed).reduce(0) { sum, pair in
                sum + zip(pair.0.tokens, pair.1).filter { $0 == $1 }.count
            }
            let recomputeMedian = Self.median(recomputeMs)
            fields += [
                ("recompute_ms_median", fmt(recomputeMedian)), ("recompute_tokens_per_s", fmt(tokens / recomputeMedian * 1000)),
                ("speedup", fmt(recomputeMedian / cachedMedian)), ("tokens_agreeing", fmt(Double(agree) / tokens)),
            ]
            line +=
                ", full recompute \(fmt(recomputeMedian)) ms (\(fmt(tokens / recomputeMedian * 1000)) tokens/s), "
                + "\(fmt(recomputeMedian / cachedMedian))× faster"
        }
        if !json { print(line) }
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }

    /// The model `--mode generate` decodes with room for `positions` positions: a stored model
    /// (its own weights; refused when its context is shorter), or the shape with random weights
    /// from seed 1, a GPT's block size raised to `positions` when shorter (random weights: a
    /// longer position table changes nothing else).
    private func generationModel(_ choice: BenchModel, positions: Int) throws -> (any CausalLanguageModel, [(String, String)]) {
        if choice.path == nil, choice.shape.architecture == .gpt {
            var config = try choice.shape.gptConfig()
            config.blockSize = max(config.blockSize, positions)
            var rng = RNG(seed: 1)
            let model = try GPT(config: config)
            model.initializeGPT2(rng: &rng)
            return (model, [])
        }
        let (model, extra) = try trainModel(choice, contextLength: positions)
        guard model.contextLength >= positions else {
            throw ValidationError(
                "\(choice.label) holds \(model.contextLength) positions; prompts and continuations need \(positions)")
        }
        return (model, extra)
    }

    /// Greedy decoding without a cache: every step empties it and runs the model on every row's
    /// whole context, then appends each row's argmax. Returns the new tokens of each row.
    private func recomputeGreedy(_ model: any CausalLanguageModel, prompts: [[Int32]]) throws -> [[Int32]] {
        let longest = prompts.map(\.count).max()! + newTokens - 1
        let forward = try model.incrementalForward(rows: prompts.count, maxLength: longest)
        let V = model.vocabSize
        var contexts = prompts
        for _ in 0..<newTokens {
            forward.cache.reset()
            let logits = try forward.extend(rows: Array(contexts.indices), with: contexts)
            for r in contexts.indices { contexts[r].append(GreedyDecoder.argmax(logits.baseAddress! + r * V, count: V)) }
        }
        return zip(contexts, prompts).map { Array($0.dropFirst($1.count)) }
    }

    /// The milliseconds of each of `--steps` runs of `body` after `--warmup` untimed ones;
    /// `body` gets the run's number and its start time.
    func millisecondsPerRun(_ body: (_ run: Int, _ start: UInt64) throws -> Void) throws -> [Double] {
        var times: [Double] = []
        for i in 0..<(warmup + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body(i, start)
            if i >= warmup { times.append(Self.milliseconds(since: start)) }
        }
        return times
    }

    static func milliseconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    private static func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
}
