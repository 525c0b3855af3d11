import ArgumentParser
import Foundation
import Model
import NumericCore

/// `gscope bench --mode generate`: greedy decoding with the key/value cache against recomputing
/// every sequence from its first token at every step.
extension Bench {
    /// `--batch` random prompts of `--prompt-tokens` ± 4 tokens continued by `--new-tokens`
    /// tokens each (no stop token), timed with the cache (`GreedyDecoder`) and without it
    /// (every step runs the same kernels on every row's whole context).
    func benchGenerate(_ choice: BenchModel) throws {
        var config = try choice.shape.gptConfig()
        guard batch >= 1, promptTokens >= 5, newTokens >= 1, steps >= 1 else {
            throw ValidationError("--batch, --new-tokens and --steps must be positive and --prompt-tokens at least 5")
        }
        let lengths = (0..<batch).map { promptTokens - 4 + $0 % 9 }
        // Room for every position fed (random weights: a longer position table changes nothing else).
        config.blockSize = max(config.blockSize, lengths.max()! + newTokens - 1)
        var rng = RNG(seed: 1)
        let model = try GPT(config: config)
        model.initializeGPT2(rng: &rng)
        let prompts = lengths.map { n in (0..<n).map { _ in Int32(rng.below(config.vocabSize)) } }

        let decoder = GreedyDecoder(model: model, maxNewTokens: newTokens, stopToken: nil)
        var cached: [GeneratedSequence] = [], prefillMs: [Double] = []
        let cachedMs = try millisecondsPerRun { _, start in
            cached = try decoder.generate(prompts: prompts) { step in
                if step.step == 0 { prefillMs.append(Self.milliseconds(since: start)) }
            }
        }
        var recomputed: [[Int32]] = []
        let recomputeMs = try millisecondsPerRun { _, _ in recomputed = try recomputeGreedy(model, prompts: prompts) }

        let tokens = Double(batch * newTokens)
        let agree = zip(cached, recomputed).reduce(0) { sum, pair in sum + zip(pair.0.tokens, pair.1).filter { $0 == $1 }.count }
        let cachedMedian = Self.median(cachedMs), recomputeMedian = Self.median(recomputeMs)
        let fields: [(String, String)] = [
            ("impl", "\"gscope\""), ("mode", "\"generate\""), ("model", "\"\(choice.label)\""),
            ("params", "\(model.parameterCount)"), ("batch", "\(batch)"),
            ("prompt_tokens_mean", fmt(Double(lengths.reduce(0, +)) / Double(batch))), ("new_tokens", "\(newTokens)"),
            ("block_size", "\(config.blockSize)"), ("threads", "\(threadOptions.count)"),
            ("blas_core", "\"\(BLAS.coreName)\""), ("kernels", "\"\(BLAS.kernels)\""), ("steps", "\(steps)"),
            ("cached_ms_median", fmt(cachedMedian)),
            ("cached_prefill_ms_median", fmt(Self.median(Array(prefillMs.suffix(steps))))),
            ("cached_tokens_per_s", fmt(tokens / cachedMedian * 1000)),
            ("recompute_ms_median", fmt(recomputeMedian)), ("recompute_tokens_per_s", fmt(tokens / recomputeMedian * 1000)),
            ("speedup", fmt(recomputeMedian / cachedMedian)),
            ("tokens_agreeing", fmt(Double(agree) / tokens)),
        ]
        if !json {
            print(
                "\(choice.label) generate, \(batch) prompts × \(newTokens) new tokens: cached \(fmt(cachedMedian)) ms "
                    + "(\(fmt(tokens / cachedMedian * 1000)) tokens/s), full recompute \(fmt(recomputeMedian)) ms "
                    + "(\(fmt(tokens / recomputeMedian * 1000)) tokens/s), \(fmt(recomputeMedian / cachedMedian))× faster")
        }
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }

    /// Greedy decoding without a cache: every step empties it and runs the model on every row's
    /// whole context, then appends each row's argmax. Returns the new tokens of each row.
    private func recomputeGreedy(_ model: GPT, prompts: [[Int32]]) throws -> [[Int32]] {
        let forward = try GPTIncrementalForward(model: model, rows: prompts.count)
        let V = model.config.vocabSize
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
