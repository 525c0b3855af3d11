import Model
import NumericCore
import Testing
import TestSupport

extension Phi: FullForwardModel {}

/// The Phi's greedy decoding with a key/value cache (partial rotary embeddings at each token's
/// position, attention and MLP side by side, biased head) against its own full forward pass,
/// recomputed from scratch for every generated token: the GPT's and the Llama's checks
/// (`GenerationTests`, `LlamaGenerationTests`) on the Phi engine.
@Suite("Phi greedy decoding with a key/value cache")
struct PhiGenerationTests {
    /// `tiny` (4 heads of 8, half rotating); odd sizes and grouped-query attention (6 heads of 10
    /// on 2 key/value heads, 4 rotary dimensions, ε 1e−3). Both with room for 16 positions.
    static let configs = [
        PhiConfig.tiny,
        PhiConfig(
            nLayer: 3, nHead: 6, nKVHead: 2, nEmbd: 60, ffnHidden: 44, vocabSize: 23, blockSize: 16,
            ropeBase: 30_000, partialRotaryFactor: 0.4, layerNormEps: 1e-3),
    ]

    /// The full forward pass's logits at every position of `sequences` (equal lengths T), one
    /// (T·V) array per sequence.
    static func fullForwardLogits(_ model: Phi, _ sequences: [[Int32]]) throws -> [[Float]] {
        let B = sequences.count, T = sequences[0].count, V = model.config.vocabSize
        try model.forward(
            tokens: sequences.flatMap { $0 }, targets: [Int32](repeating: -1, count: B * T),
            mask: [Float](repeating: 0, count: B * T), batch: B, seq: T)
        return (0..<B).map { b in Array(model.logits[(b * T * V)..<((b + 1) * T * V)]) }
    }

    static func row(_ logits: UnsafeBufferPointer<Float>, _ i: Int, V: Int) -> [Float] {
        Array(logits[(i * V)..<((i + 1) * V)])
    }

    /// Feeding two sequences one token at a time, both rows in each call, gives after every token
    /// the full forward pass's logits at that position.
    @Test(arguments: configs.indices)
    func logitsAfterEachTokenMatchForward(_ c: Int) throws {
        let config = Self.configs[c]
        let model = try randomPhi(config, seed: 100 + UInt64(c))
        let T = config.blockSize, V = config.vocabSize
        let sequences = GenerationTests.randomPrompts(lengths: [T, T], vocab: V, seed: 101)
        let reference = try Self.fullForwardLogits(model, sequences)
        let forward = try PhiIncrementalForward(model: model, rows: 2)
        var worst = 0.0
        for t in 0..<T {
            let logits = try forward.extend(rows: [0, 1], with: [[sequences[0][t]], [sequences[1][t]]])
            for r in 0..<2 {
                let expected = Array(reference[r][(t * V)..<((t + 1) * V)])
                let error = relativeError(Self.row(logits, r, V: V), expected.doubles)
                worst = max(worst, error)
                #expect(error < 1e-5, "row \(r) position \(t): relative error \(error)")
                // The tolerance tells positions apart: the previous position's logits are far off.
                if t > 0 {
                    let previous = Array(reference[r][((t - 1) * V)..<(t * V)]).doubles
                    #expect(relativeError(Self.row(logits, r, V: V), previous) > 1e-2)
                }
            }
        }
        print("Phi cached decoding vs full forward (config \(c)): worst relative error \(worst)")
        #expect(forward.cache.lengths == [T, T])
        #expect(forward.cache.width == config.kvDim)
    }

    /// A prefix fed in pieces (several calls, rows cut at different places, one row alone, rows
    /// out of order) leaves the cache as one call on the whole prefix does.
    @Test(arguments: configs.indices)
    func prefillInPiecesEqualsOneExtend(_ c: Int) throws {
        let config = Self.configs[c]
        let model = try randomPhi(config, seed: 110 + UInt64(c))
        let V = config.vocabSize
        let sequences = GenerationTests.randomPrompts(lengths: [13, 9], vocab: V, seed: 111)
        let whole = try PhiIncrementalForward(model: model, rows: 2)
        let once = Array(try whole.extend(rows: [0, 1], with: sequences))
        for r in 0..<2 {
            let reference = try GenerationTests.fullForwardLastLogits(model, sequences[r])
            let error = relativeError(Array(once[(r * V)..<((r + 1) * V)]), reference.doubles)
            #expect(error < 1e-5, "row \(r), one call: relative error \(error)")
        }
        let pieces = try PhiIncrementalForward(model: model, rows: 2)
        var last: [Int: [Float]] = [:]
        let calls: [(rows: [Int], cuts: [Range<Int>])] = [
            ([0, 1], [0..<1, 0..<4]), ([0], [1..<6]), ([1, 0], [4..<9, 6..<13]),
        ]
        for call in calls {
            let logits = try pieces.extend(rows: call.rows, with: zip(call.rows, call.cuts).map { Array(sequences[$0][$1]) })
            for (i, r) in call.rows.enumerated() { last[r] = Self.row(logits, i, V: V) }
        }
        #expect(pieces.cache.lengths == [13, 9])
        for r in 0..<2 {
            let error = relativeError(last[r]!, Array(once[(r * V)..<((r + 1) * V)]).doubles)
            #expect(error < 1e-5, "row \(r), pieces against one call: relative error \(error)")
        }
        #expect(throws: ModelError.self) { try pieces.extend(rows: [1], with: [[Int32](repeating: 0, count: 8)]) }
        #expect(throws: ModelError.self) { try pieces.extend(rows: [0], with: [[Int32(V)]]) }
        #expect(throws: ModelError.self) { try PhiIncrementalForward(model: model, rows: 1, maxLength: config.blockSize + 1) }
    }

    /// Greedy decoding with the cache, five prompts of different lengths in one batch, equals the
    /// naive loop that reruns `forward` on the whole context for every token, step by step
    /// (logits within 1e-5) and token for token, with and without a stop token.
    @Test(arguments: configs.indices)
    func greedyMatchesFullRecompute(_ c: Int) throws {
        let config = Self.configs[c]
        let model = try randomPhi(config, seed: 120 + UInt64(c))
        let prompts = GenerationTests.randomPrompts(lengths: [6, 1, 13, 16, 9], vocab: config.vocabSize, seed: 121)
        let free = try GenerationTests.checkAgainstFullRecompute(model, prompts: prompts, maxNewTokens: 8, stopToken: nil)
        #expect(free.map(\.tokens.count) == [8, 8, 4, 1, 8])
        let stop = free[0].tokens[3]
        let stopped = try GenerationTests.checkAgainstFullRecompute(model, prompts: prompts, maxNewTokens: 8, stopToken: stop)
        #expect(stopped[0].finish == .stopToken)
    }

    /// Decoding reads the parameters only: the last forward pass's activations and the gradients
    /// are as they were.
    @Test func leavesTrainingStateAlone() throws {
        let config = PhiConfig.tiny
        let model = try randomPhi(config, seed: 150)
        let tokens = GenerationTests.randomPrompts(lengths: [2 * 12], vocab: config.vocabSize, seed: 151)[0]
        let targets = Array(tokens.dropFirst()) + [0], mask = [Float](repeating: 1, count: tokens.count)
        model.zeroGradients()
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: 2, seq: 12)
        let logits = Array(model.logits), parameters = model.parameters.array
        let dlogits = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: dlogits)
        model.backward(logitGradient: dlogits)
        let gradients = model.gradients.array
        _ = try model.generateGreedy(prompts: [Array(tokens[..<5]), Array(tokens[..<9])], maxNewTokens: 6, stopToken: nil)
        #expect(Array(model.logits) == logits)
        #expect(model.parameters.array == parameters)
        #expect(model.gradients.array == gradients)
    }
}
