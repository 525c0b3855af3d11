import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// What the reference decoding needs of a model besides decoding: its full forward pass and the
/// logits it leaves (the GPT, the Llama).
protocol FullForwardModel: IncrementallyDecodable {
    func forward(tokens: [Int32], targets: [Int32], mask: [Float], batch: Int, seq: Int) throws(ModelError) -> Double
    var logits: UnsafeMutableBufferPointer<Float> { get }
}

extension GPT: FullForwardModel {}
extension Llama: FullForwardModel {}

/// Greedy decoding with the key/value cache against the model's own full forward pass, recomputed
/// from scratch for every generated token.
@Suite("Greedy decoding with a key/value cache")
struct GenerationTests {
    /// Head size 5 and width 20 exercise the SIMD loops' tails; width 32 their full vectors.
    static let configs = [
        GPTConfig(nLayer: 2, nHead: 4, nEmbd: 20, vocabSize: 37, blockSize: 24),
        GPTConfig(nLayer: 3, nHead: 4, nEmbd: 32, vocabSize: 53, blockSize: 24),
    ]

    /// A model trained (AdamW, 60 steps) on sequences that follow a fixed permutation of the
    /// vocabulary, `next = successor[current]`: its next-token distributions are peaked.
    static func trainedModel(_ config: GPTConfig) throws -> (model: GPT, finalLoss: Double) {
        var rng = RNG(seed: 5)
        let gpt = try GPT(config: config)
        gpt.initializeGPT2(rng: &rng)
        let V = config.vocabSize, B = 8, T = config.blockSize - 1
        let successor = (0..<V).map { Int32(($0 * 7 + 3) % V) }
        let adam = AdamW(count: gpt.parameterCount)
        var loss = Double.nan
        for _ in 0..<60 {
            var tokens: [Int32] = [], targets: [Int32] = []
            for _ in 0..<B {
                var t = Int32(rng.below(V))
                for _ in 0..<T { tokens.append(t); t = successor[Int(t)]; targets.append(t) }
            }
            loss = try trainingStep(
                gpt, optimizer: adam, lr: 1e-2, tokens: tokens, targets: targets,
                mask: [Float](repeating: 1, count: B * T), batch: B, seq: T
            ).loss
        }
        return (gpt, loss)
    }

    static func randomPrompts(lengths: [Int], vocab: Int, seed: UInt64) -> [[Int32]] {
        var rng = RNG(seed: seed)
        return lengths.map { n in (0..<n).map { _ in Int32(rng.below(vocab)) } }
    }

    /// The full forward pass's logits at the last position of `context` (one row, no cache).
    static func fullForwardLastLogits(_ model: some FullForwardModel, _ context: [Int32]) throws -> [Float] {
        let T = context.count, V = model.vocabSize
        _ = try model.forward(
            tokens: context, targets: [Int32](repeating: -1, count: T), mask: [Float](repeating: 0, count: T),
            batch: 1, seq: T)
        return Array(model.logits[((T - 1) * V)..<(T * V)])
    }

    static func argmax(_ x: [Float]) -> Int32 {
        Int32(x.indices.reduce(0) { x[$1] > x[$0] ? $1 : $0 })
    }

    /// Greedy decoding by recomputing the whole sequence for every token: the definition that
    /// the cached decoder must reproduce. Returns the sequence and each step's logits.
    static func referenceGreedy(_ model: some FullForwardModel, prompt: [Int32], maxNewTokens: Int, stopToken: Int32?) throws
        -> (GeneratedSequence, [[Float]])
    {
        var context = prompt, steps: [[Float]] = []
        var result = GeneratedSequence(tokens: [], finish: .maxNewTokens)
        while result.tokens.count < maxNewTokens {
            guard context.count <= model.contextLength else { result.finish = .blockSize; break }
            let logits = try fullForwardLastLogits(model, context)
            steps.append(logits)
            let token = argmax(logits)
            if token == stopToken { result.finish = .stopToken; break }
            result.tokens.append(token)
            context.append(token)
        }
        return (result, steps)
    }

    /// Runs the cached decoder on `prompts` (all in one batch) and checks, for every row and
    /// step, its logits against the full forward's (relative 1e-5) and its tokens against the
    /// full forward's argmax. Returns the results.
    @discardableResult
    static func checkAgainstFullRecompute(
        _ model: some FullForwardModel, prompts: [[Int32]], maxNewTokens: Int, stopToken: Int32?
    ) throws
        -> [GeneratedSequence]
    {
        var seen: [Int: [[Float]]] = [:]   // row → logits of each of its steps
        let results = try GreedyDecoder(model: model, maxNewTokens: maxNewTokens, stopToken: stopToken)
            .generate(prompts: prompts) { step in
                let V = model.vocabSize
                for (i, row) in step.rows.enumerated() {
                    #expect(seen[row, default: []].count == step.step, "row \(row) skipped a step")
                    seen[row, default: []].append(Array(step.logits[(i * V)..<((i + 1) * V)]))
                }
            }
        for (row, prompt) in prompts.enumerated() {
            let (expected, referenceLogits) = try referenceGreedy(
                model, prompt: prompt, maxNewTokens: maxNewTokens, stopToken: stopToken)
            #expect(results[row] == expected, "row \(row)")
            let cached = seen[row] ?? []
            #expect(
                cached.count == referenceLogits.count, "row \(row): \(cached.count) steps, reference \(referenceLogits.count)")
            for (s, (mine, reference)) in zip(cached, referenceLogits).enumerated() {
                let error = relativeError(mine, reference.doubles)
                #expect(error < 1e-5, "row \(row) step \(s): relative error \(error)")
                // The tolerance tells contexts apart: the previous step's logits are far off.
                if s > 0 { #expect(relativeError(mine, referenceLogits[s - 1].doubles) > 1e-2) }
            }
        }
        return results
    }

    @Test(arguments: configs.indices)
    func randomModelMatchesFullRecompute(_ c: Int) throws {
        let config = Self.configs[c]
        let gpt = try randomGPT(config, seed: 40 + UInt64(c))
        // Lengths 1…block size: rows run out of positions at different steps, the last at once.
        let prompts = Self.randomPrompts(lengths: [6, 1, 13, 20, 9, 24], vocab: config.vocabSize, seed: 41)
        let results = try Self.checkAgainstFullRecompute(gpt, prompts: prompts, maxNewTokens: 8, stopToken: nil)
        #expect(results.map(\.tokens.count) == [8, 8, 8, 5, 8, 1])
        #expect(results.map(\.finish) == [.maxNewTokens, .maxNewTokens, .maxNewTokens, .blockSize, .maxNewTokens, .blockSize])
    }

    @Test func trainedModelMatchesFullRecompute() throws {
        let config = Self.configs[1]
        let (gpt, loss) = try Self.trainedModel(config)
        #expect(loss < 0.5, "training did not make the distributions peaked: loss \(loss)")
        let prompts = Self.randomPrompts(lengths: [3, 7, 1, 15], vocab: config.vocabSize, seed: 51)
        let free = try Self.checkAgainstFullRecompute(gpt, prompts: prompts, maxNewTokens: 12, stopToken: nil)
        // With the stop token the permutation reaches within a few steps from every prompt.
        let stop = free[0].tokens[3]
        let stopped = try Self.checkAgainstFullRecompute(gpt, prompts: prompts, maxNewTokens: 12, stopToken: stop)
        #expect(stopped[0] == GeneratedSequence(tokens: Array(free[0].tokens[..<3]), finish: .stopToken))
        for (row, run) in free.enumerated() {
            let cut = run.tokens.firstIndex(of: stop)
            let expected = cut.map { GeneratedSequence(tokens: Array(run.tokens[..<$0]), finish: .stopToken) } ?? run
            #expect(stopped[row] == expected, "row \(row)")
        }
    }

    /// Prompts that share their start (a chat template's system prompt): the start runs once and
    /// joins every row's cache, and every step still matches the full forward pass; with a short
    /// prompt among them only the part all share (2 tokens) is shared.
    @Test(arguments: [false, true])
    func promptsSharingAStartMatchFullRecompute(withShortPrompt: Bool) throws {
        let config = Self.configs[1]
        let gpt = try randomGPT(config, seed: 70)
        let start = Self.randomPrompts(lengths: [5], vocab: config.vocabSize, seed: 71)[0]
        let tails = Self.randomPrompts(lengths: [1, 4, 9, 2], vocab: config.vocabSize, seed: 72)
        let prompts = tails.map { start + $0 } + (withShortPrompt ? [Array(start.prefix(3))] : [])
        try Self.checkAgainstFullRecompute(gpt, prompts: prompts, maxNewTokens: 6, stopToken: nil)
    }

    @Test func batchedEqualsOneRowAtATime() throws {
        let config = Self.configs[0]
        let gpt = try randomGPT(config, seed: 60)
        let prompts = Self.randomPrompts(lengths: [2, 17, 5, 11, 23, 8, 1], vocab: config.vocabSize, seed: 61)
        let decoder = GreedyDecoder(model: gpt, maxNewTokens: 10, stopToken: Int32(7))
        let batched = try decoder.generate(prompts: prompts)
        let alone = try prompts.map { try decoder.generate(prompts: [$0])[0] }
        #expect(batched == alone)
        // Rows finish at different steps, so the batch shrinks as it goes.
        #expect(Set(batched.map(\.tokens.count)).count > 2)
        #expect(try gpt.generateGreedy(prompts: prompts, maxNewTokens: 10, stopToken: 7) == alone.map(\.tokens))
    }

    @Test func limits() throws {
        let config = Self.configs[0]
        let gpt = try randomGPT(config, seed: 70)
        let prompt = Self.randomPrompts(lengths: [4], vocab: config.vocabSize, seed: 71)[0]
        let B = config.blockSize
        let decode = { (prompts: [[Int32]], max: Int) throws(ModelError) -> [GeneratedSequence] in
            try GreedyDecoder(model: gpt, maxNewTokens: max, stopToken: nil).generate(prompts: prompts)
        }
        #expect(try decode([prompt], 0) == [GeneratedSequence(tokens: [], finish: .maxNewTokens)])
        let five = try decode([prompt], 5)[0]
        #expect(five.tokens.count == 5 && five.finish == .maxNewTokens)
        #expect(try decode([prompt], 3)[0].tokens == Array(five.tokens[..<3]))
        // A context of B tokens still predicts one token; none is fed at position B.
        let long = try decode([prompt + [Int32](repeating: 1, count: B - 7)], 100)[0]
        #expect(long.tokens.count == 4 && long.finish == .blockSize)
        let full = try decode([[Int32](repeating: 2, count: B)], 100)[0]
        #expect(full.tokens.count == 1 && full.finish == .blockSize)
        // Exactly enough room: the token count limit is reached first.
        #expect(try decode([prompt + [Int32](repeating: 1, count: B - 7)], 4)[0].finish == .maxNewTokens)

        for bad in [[[Int32]](), [[]], [[Int32](repeating: 0, count: B + 1)], [[0, Int32(config.vocabSize)]], [[-1]]] {
            #expect(throws: ModelError.self, "prompts \(bad)") { try decode(bad, 5) }
        }
        #expect(throws: ModelError.self) { try decode([prompt], -1) }
        #expect(throws: ModelError.self) {
            try GreedyDecoder(model: gpt, stopToken: Int32(config.vocabSize)).generate(prompts: [prompt])
        }
    }

    /// Feeding a sequence in pieces (several tokens at a time, after a cached prefix) gives the
    /// full forward's logits at the end of each piece.
    @Test func incrementalPiecesMatchFullForward() throws {
        let config = Self.configs[1]
        let gpt = try randomGPT(config, seed: 80)
        let sequences = Self.randomPrompts(lengths: [20, 14], vocab: config.vocabSize, seed: 81)
        let forward = try GPTIncrementalForward(model: gpt, rows: 2)
        let V = config.vocabSize
        for cut in [(0..<5, 0..<1), (5..<9, 1..<14), (9..<20, nil)] as [(Range<Int>, Range<Int>?)] {
            let rows = cut.1 == nil ? [0] : [0, 1]
            let pieces = [Array(sequences[0][cut.0])] + (cut.1.map { [Array(sequences[1][$0])] } ?? [])
            let logits = Array(try forward.extend(rows: rows, with: pieces))
            let ends = [cut.0.upperBound] + (cut.1.map { [$0.upperBound] } ?? [])
            for (i, row) in rows.enumerated() {
                let reference = try Self.fullForwardLastLogits(gpt, Array(sequences[row][..<ends[i]]))
                let error = relativeError(Array(logits[(i * V)..<((i + 1) * V)]), reference.doubles)
                #expect(error < 1e-5, "row \(row) after \(ends[i]) tokens: relative error \(error)")
            }
        }
        #expect(forward.cache.lengths == [20, 14])
        #expect(throws: ModelError.self) { try forward.extend(rows: [1], with: [[Int32](repeating: 0, count: 11)]) }
        #expect(throws: ModelError.self) { try forward.extend(rows: [1, 1], with: [[0], [0]]) }
    }

    /// Decoding reads the parameters only: the last forward pass's activations (and so its
    /// backward) and the gradients are as they were.
    @Test func leavesTrainingStateAlone() throws {
        let config = Self.configs[0]
        let gpt = try randomGPT(config, seed: 90)
        let tokens = Self.randomPrompts(lengths: [2 * 12], vocab: config.vocabSize, seed: 91)[0]
        let targets = Array(tokens.dropFirst()) + [0], mask = [Float](repeating: 1, count: tokens.count)
        gpt.zeroGradients()
        try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: 2, seq: 12)
        let logits = Array(gpt.logits), parameters = gpt.parameters.array
        let dlogits = gpt.logitGradientScratch.baseAddress!
        gpt.nllLogitGradient(coefficients: gpt.meanNLLCoefficients(mask: mask), into: dlogits)
        gpt.backward(logitGradient: dlogits)
        let gradients = gpt.gradients.array

        _ = try gpt.generateGreedy(prompts: [Array(tokens[..<5]), Array(tokens[..<9])], maxNewTokens: 6, stopToken: nil)
        #expect(Array(gpt.logits) == logits)
        #expect(gpt.parameters.array == parameters)
        #expect(gpt.gradients.array == gradients)
        gpt.zeroGradients()
        gpt.nllLogitGradient(coefficients: gpt.meanNLLCoefficients(mask: mask), into: dlogits)
        gpt.backward(logitGradient: dlogits)
        #expect(gpt.gradients.array == gradients)
    }
}
