import Model
import NumericCore
import Testing
import TestSupport

/// The Llama's greedy decoding with a key/value cache (grouped-query attention, rotary embeddings
/// at each token's position) against its own full forward pass, recomputed from scratch for every
/// generated token: the GPT's checks (`GenerationTests`) on the Llama engine.
@Suite("Llama greedy decoding with a key/value cache")
struct LlamaGenerationTests {
    /// `tiny` (4 query heads on 2 key/value heads, head size 8); odd sizes for the SIMD tails and
    /// an untied head (6 on 2, head size 6: 3 rotary pairs); one key/value head for all 4 query
    /// heads (head size 16). All with room for 16 positions.
    static let configs = [
        LlamaConfig.tiny,
        LlamaConfig(
            nLayer: 3, nHead: 6, nKVHead: 2, nEmbd: 36, ffnHidden: 44, vocabSize: 23, blockSize: 16,
            ropeBase: 100_000, rmsNormEps: 1e-5, tiedEmbeddings: false),
        LlamaConfig(nLayer: 2, nHead: 4, nKVHead: 1, nEmbd: 64, ffnHidden: 40, vocabSize: 31, blockSize: 16),
        // Llama 3's pieces (biases everywhere, heads of 12 on a width of 32, llama3 scaling) and
        // Qwen2's (q/k/v biases, heads of 6 on 36, linear scaling), with room for 16 positions.
        {
            var c = LlamaGradientTests.llama3; c.blockSize = 16; return c
        }(),
        {
            var c = LlamaGradientTests.qwen2; c.blockSize = 16; return c
        }(),
    ]

    /// The full forward pass's logits at every position of `sequences` (equal lengths T), one
    /// (T·V) array per sequence.
    static func fullForwardLogits(_ model: Llama, _ sequences: [[Int32]]) throws -> [[Float]] {
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
        let model = try randomLlama(config, seed: 100 + UInt64(c))
        let T = config.blockSize, V = config.vocabSize
        let sequences = GenerationTests.randomPrompts(lengths: [T, T], vocab: V, seed: 101)
        let reference = try Self.fullForwardLogits(model, sequences)
        let forward = try LlamaIncrementalForward(model: model, rows: 2)
        for t in 0..<T {
            let logits = try forward.extend(rows: [0, 1], with: [[sequences[0][t]], [sequences[1][t]]])
            for r in 0..<2 {
                let expected = Array(reference[r][(t * V)..<((t + 1) * V)])
                let error = relativeError(Self.row(logits, r, V: V), expected.doubles)
                #expect(error < 1e-5, "row \(r) position \(t): relative error \(error)")
                // The tolerance tells positions apart: the previous position's logits are far off.
                if t > 0 {
                    #expect(relativeError(Self.row(logits, r, V: V), Array(reference[r][((t - 1) * V)..<(t * V)]).doubles) > 1e-2)
                }
            }
        }
        #expect(forward.cache.lengths == [T, T])
        #expect(forward.cache.width == config.kvDim)
    }

    /// A prefix fed in pieces (several calls, rows cut at different places, one row alone, rows
    /// out of order) leaves the cache as one call on the whole prefix does: the logits at the end
    /// of the prefix, and after one more token, agree; and one call's agree with the full forward.
    @Test(arguments: configs.indices)
    func prefillInPiecesEqualsOneExtend(_ c: Int) throws {
        let config = Self.configs[c]
        let model = try randomLlama(config, seed: 110 + UInt64(c))
        let V = config.vocabSize
        let sequences = GenerationTests.randomPrompts(lengths: [13, 9], vocab: V, seed: 111)
        let whole = try LlamaIncrementalForward(model: model, rows: 2)
        let once = Array(try whole.extend(rows: [0, 1], with: sequences))
        for r in 0..<2 {
            let reference = try GenerationTests.fullForwardLastLogits(model, sequences[r])
            let error = relativeError(Array(once[(r * V)..<((r + 1) * V)]), reference.doubles)
            #expect(error < 1e-5, "row \(r), one call: relative error \(error)")
        }

        let pieces = try LlamaIncrementalForward(model: model, rows: 2)
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
        let next: [[Int32]] = [[3], [5]]
        let afterWhole = Array(try whole.extend(rows: [0, 1], with: next))
        let afterPieces = Array(try pieces.extend(rows: [0, 1], with: next))
        let error = relativeError(afterPieces, afterWhole.doubles)
        #expect(error < 1e-5, "the next token after pieces against after one call: relative error \(error)")

        // Bad extensions are refused before anything runs.
        #expect(throws: ModelError.self) { try pieces.extend(rows: [1], with: [[Int32](repeating: 0, count: 7)]) }
        #expect(throws: ModelError.self) { try pieces.extend(rows: [1, 1], with: [[0], [0]]) }
        #expect(throws: ModelError.self) { try pieces.extend(rows: [2], with: [[0]]) }
        #expect(throws: ModelError.self) { try pieces.extend(rows: [0], with: [[Int32(V)]]) }
        #expect(throws: ModelError.self) { try pieces.extend(rows: [0], with: [[]]) }
        #expect(pieces.cache.lengths == [14, 10])
        #expect(throws: ModelError.self) { try LlamaIncrementalForward(model: model, rows: 0) }
        #expect(throws: ModelError.self) { try LlamaIncrementalForward(model: model, rows: 1, maxLength: config.blockSize + 1) }
    }

    /// Greedy decoding with the cache, five prompts of different lengths in one batch, equals
    /// the naive loop that reruns `forward` on the whole context for every token, step by step
    /// (logits within 1e-5) and token for token, with and without a stop token.
    @Test(arguments: configs.indices)
    func greedyMatchesFullRecompute(_ c: Int) throws {
        let config = Self.configs[c]
        let model = try randomLlama(config, seed: 120 + UInt64(c))
        // Lengths 1…context: rows run out of positions at different steps, one at once.
        let prompts = GenerationTests.randomPrompts(lengths: [6, 1, 13, 16, 9], vocab: config.vocabSize, seed: 121)
        let free = try GenerationTests.checkAgainstFullRecompute(model, prompts: prompts, maxNewTokens: 8, stopToken: nil)
        #expect(free.map(\.tokens.count) == [8, 8, 4, 1, 8])
        #expect(free.map(\.finish) == [.maxNewTokens, .maxNewTokens, .blockSize, .blockSize, .maxNewTokens])

        let stop = free[0].tokens[3]
        let stopped = try GenerationTests.checkAgainstFullRecompute(model, prompts: prompts, maxNewTokens: 8, stopToken: stop)
        #expect(stopped[0].finish == .stopToken)
        for (row, run) in free.enumerated() {
            let cut = run.tokens.firstIndex(of: stop)
            let expected = cut.map { GeneratedSequence(tokens: Array(run.tokens[..<$0]), finish: .stopToken) } ?? run
            #expect(stopped[row] == expected, "row \(row)")
        }
    }

    @Test func batchedEqualsOneRowAtATime() throws {
        let config = Self.configs[1]
        let model = try randomLlama(config, seed: 130)
        let prompts = GenerationTests.randomPrompts(lengths: [2, 11, 5, 15, 8, 1], vocab: config.vocabSize, seed: 131)
        let stop = try GreedyDecoder(model: model, maxNewTokens: 3, stopToken: nil).generate(prompts: [prompts[0]])[0].tokens[2]
        let decoder = GreedyDecoder(model: model, maxNewTokens: 10, stopToken: stop)
        let batched = try decoder.generate(prompts: prompts)
        let alone = try prompts.map { try decoder.generate(prompts: [$0])[0] }
        #expect(batched == alone)
        #expect(batched[0].finish == .stopToken)
        #expect(try model.generateGreedy(prompts: prompts, maxNewTokens: 10, stopToken: stop) == alone.map(\.tokens))
    }

    /// Bad input is refused with a message that names the problem.
    @Test func refusesBadInput() throws {
        let config = LlamaConfig.tiny
        let model = try randomLlama(config, seed: 140)
        func message(_ prompts: [[Int32]], maxNewTokens: Int = 5, stopToken: Int32? = nil) -> String {
            do {
                _ = try model.generateGreedy(prompts: prompts, maxNewTokens: maxNewTokens, stopToken: stopToken)
                return "no error"
            } catch {
                return error.description
            }
        }
        let tooLong = [Int32](repeating: 1, count: config.blockSize + 1)
        #expect(message([]).contains("no prompt to continue"))
        #expect(message([[1, 2], []]).contains("prompt 1 is empty"))
        #expect(message([[1], tooLong]).contains("prompt 1 has 17 tokens, more than the model's context length 16"))
        #expect(message([[1, 40]]).contains("prompt 0 holds token 40, outside the vocabulary 0..<40"))
        #expect(message([[-1]]).contains("prompt 0 holds token -1"))
        #expect(message([[1]], maxNewTokens: -1).contains("maxNewTokens -1 is negative"))
        #expect(message([[1]], stopToken: 40).contains("stop token 40 is outside the vocabulary 0..<40"))
        #expect(message([[Int32](repeating: 2, count: config.blockSize)]) == "no error")
    }

    /// Decoding reads the parameters only: the last forward pass's activations (and so its
    /// backward) and the gradients are as they were.
    @Test func leavesTrainingStateAlone() throws {
        let config = LlamaConfig.tiny
        let model = try randomLlama(config, seed: 150)
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
        model.zeroGradients()
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: dlogits)
        model.backward(logitGradient: dlogits)
        #expect(model.gradients.array == gradients)
    }
}
