import Model
import NumericCore
import Testing
import TestSupport

/// A forward pass of what a loss reads (`ForwardScope.loss`, what objectives, risks and G-effects
/// run with: logits where the loss counts only, the start all rows share computed once)
/// against a pass of everything, on every architecture: the same loss, log-probabilities, hidden
/// states, gradient and forward-mode tangents up to rounding, and a row's logits independent of
/// its batch.
@Suite("Forward passes of what a loss reads")
struct ForwardScopeTests {
    static let B = 3, T = 12

    /// Three rows as a chat-formatted batch has them: targets at every position of the first
    /// two (mask 1 on the answers only): an answer span, and two spans around a position whose
    /// target does not count; the third row padding (no target). With `sharedStart`, the rows
    /// start with the same 5 tokens, 3 of them before any row's first counted position.
    static func batch(vocab V: Int, sharedStart: Bool = false) -> (tokens: [Int32], targets: [Int32], mask: [Float]) {
        var rng = RNG(seed: 21)
        var tokens = (0..<(B * T)).map { _ in Int32(rng.below(V)) }
        if sharedStart { for b in 1..<B { for t in 0..<5 { tokens[b * T + t] = tokens[t] } } }
        var targets = [Int32](repeating: -1, count: B * T), mask = [Float](repeating: 0, count: B * T)
        for n in 0..<(2 * T) { targets[n] = Int32(rng.below(V)) }
        for n in Array(5..<10) + Array((T + 3)..<(T + 4)) + Array((T + 5)..<(T + 7)) + Array((T + 8)..<(2 * T)) {
            mask[n] = 1
        }
        return (tokens, targets, mask)
    }

    @Test(arguments: ["gpt", "llama", "qwen2", "phi", "markov"], [false, true])
    func whatALossReadsMatchesEverything(_ name: String, sharedStart: Bool) throws {
        let model = try CachedScorerTests.models().first { $0.name == name }!.model
        let V = model.vocabSize, N = Self.B * Self.T, P = model.parameterCount, C = model.width
        let (tokens, targets, mask) = Self.batch(vocab: V, sharedStart: sharedStart)
        let last = model.blockCount - 1
        let lossRows = (0..<N).filter { mask[$0] != 0 }
        var rng = RNG(seed: 22)
        let v = randomFloats(P, std: 0.01, rng: &rng)
        func rows(_ x: UnsafeMutableBufferPointer<Float>) -> [Float] {
            lossRows.flatMap { Array(x[($0 * V)..<(($0 + 1) * V)]) }
        }

        // Every position: the reference values.
        let lossAll = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let logitsAll = rows(model.logits), lseAll = Array(model.logSumExp), logpAll = Array(model.targetLogProbs)
        let hiddenAll = Array(model.hiddenState(afterBlock: last))
        let g = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: g)
        let gradient = Array(UnsafeBufferPointer(start: g, count: N * V))
        model.zeroGradients()
        model.backward(logitGradient: g)
        let gradAll = Array(model.gradients.buffer)
        let J = model.directionalDerivative(along: v)
        let sharesAll = (0..<N).map { n in
            (0..<V).reduce(0.0) { $0 + Double(gradient[n * V + $1]) * Double(J.logits[n * V + $1]) }
        }
        let fused = gradient.withUnsafeBufferPointer { gp in
            v.withUnsafeBufferPointer {
                model.directionalDerivative(along: $0.baseAddress!, hiddenBlocks: [], outputs: .logitShares(of: gp.baseAddress!))
            }
        }
        #expect(relativeError(fused.logitShares, sharesAll) < 1e-5, "\(name): shares after a full forward pass")
        #expect(relativeError(fused.targetLogProbs, J.targetLogProbs.map(Double.init)) < 1e-5)

        // Target positions only.
        let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T, scope: .loss)
        #expect(abs(loss - lossAll) <= 1e-6 * abs(lossAll), "\(name): loss \(loss) vs \(lossAll)")
        #expect(relativeError(rows(model.logits), logitsAll.map(Double.init)) < 1e-6, "\(name): logits")
        #expect(relativeError(lossRows.map { model.logSumExp[$0] }, lossRows.map { Double(lseAll[$0]) }) < 1e-6)
        #expect(relativeError(lossRows.map { model.targetLogProbs[$0] }, lossRows.map { Double(logpAll[$0]) }) < 1e-6)
        #expect(model.hiddenState(afterBlock: last).count == N * C)
        // The Llamas and the GPT compute the 3 positions before the first target once.
        let shared = (model as! any OutputArenaModel).lastOutputs.shape.sharedPrefix
        #expect(shared == (sharedStart && ["gpt", "llama", "qwen2"].contains(name) ? 3 : 0), "\(name): shared prefix \(shared)")
        #expect(relativeError(Array(model.hiddenState(afterBlock: last)), hiddenAll.map(Double.init)) < 1e-6, "\(name): hidden")
        let elsewhere = (0..<N).filter { mask[$0] == 0 }
        #expect(
            elsewhere.allSatisfy { n in model.logSumExp[n] == 0 && model.targetLogProbs[n] == 0 && model.logits[n * V].isNaN })
        model.zeroGradients()
        gradient.withUnsafeBufferPointer { model.backward(logitGradient: $0.baseAddress!) }
        #expect(relativeError(Array(model.gradients.buffer), gradAll.map(Double.init)) < 1e-5, "\(name): gradient")
        // With a gradient on the first block's output at every position (RMU's kind), shared start
        // included, and the embedding's input side recorded: the same sums.
        let residual = randomFloats(N * C, std: 0.1, rng: &rng)
        func gradientWithResidual(_ scope: ForwardScope) throws -> (parameters: [Float], inputSide: [Float]) {
            try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T, scope: scope)
            model.zeroGradients()
            let inputSide = FloatBuffer(count: V * C)
            model.inputEmbeddingGradient = inputSide
            defer { model.inputEmbeddingGradient = nil }
            gradient.withUnsafeBufferPointer { g in
                residual.withUnsafeBufferPointer {
                    model.backward(
                        logitGradient: g.baseAddress!, residualGradients: [ResidualGradient(block: 0, gradient: $0.baseAddress!)])
                }
            }
            return (Array(model.gradients.buffer), Array(inputSide.buffer))
        }
        let (withAll, inputAll) = try gradientWithResidual(.all)
        let (withLoss, inputLoss) = try gradientWithResidual(.loss)
        #expect(relativeError(withLoss, withAll.map(Double.init)) < 1e-5, "\(name): gradient with a residual gradient")
        #expect(relativeError(inputLoss, inputAll.map(Double.init)) < 1e-5, "\(name): the embedding's input side")
        let (shares, logProbs) = gradient.withUnsafeBufferPointer { gp in
            v.withUnsafeBufferPointer {
                let J = model.directionalDerivative(
                    along: $0.baseAddress!, hiddenBlocks: [], outputs: .logitShares(of: gp.baseAddress!))
                let only = model.directionalDerivative(along: $0.baseAddress!, hiddenBlocks: [], outputs: .logProbs)
                #expect(BitComparison(only.targetLogProbs, J.targetLogProbs).identical, "\(name): log-probability tangents")
                #expect(J.logits.isEmpty && only.logitShares.isEmpty)
                return (J.logitShares, J.targetLogProbs)
            }
        }
        #expect(relativeError(shares, sharesAll) < 1e-5, "\(name): shares")
        #expect(
            relativeError(lossRows.map { logProbs[$0] }, lossRows.map { Double(J.targetLogProbs[$0]) }) < 1e-5,
            "\(name): log-probability tangents")
        #expect(Self.B * Self.T == shares.count && elsewhere.allSatisfy { shares[$0] == 0 && logProbs[$0] == 0 })
    }

    /// A row's logits at its targets are the same bits alone as in a batch: a sequence's numbers
    /// do not depend on its batch with logits at the targets only either.
    @Test func aRowsLogitsDoNotDependOnTheBatch() throws {
        let model = try CachedScorerTests.models().first { $0.name == "llama" }!.model
        let V = model.vocabSize, T = Self.T
        let (tokens, targets, mask) = Self.batch(vocab: V)
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: T, scope: ForwardScope.loss)
        let inBatch = Array(model.logits[(T * V)..<(2 * T * V)])
        let row = T..<(2 * T)
        try model.forward(
            tokens: Array(tokens[row]), targets: Array(targets[row]), mask: Array(mask[row]), batch: 1, seq: T,
            scope: ForwardScope.loss)
        let comparison = BitComparison(Array(model.logits[0..<(T * V)]), inBatch)
        #expect(comparison.identical, "\(comparison)")
    }

    /// Runs are cut at every position without a target and at every sequence's end.
    @Test func runsAreCutAtSequenceEnds() {
        let keep: Set = [1, 2, 3, 4, 6, 8, 9]
        #expect(OutputHead.runs(B: 2, T: 4) { keep.contains($0) } == [1..<4, 4..<5, 6..<7])
        #expect(OutputHead.runs(B: 3, T: 4) { keep.contains($0) } == [1..<4, 4..<5, 6..<7, 8..<10])
        #expect(OutputHead.outside([1..<4, 6..<7], N: 8) == [0, 4, 5, 7])
    }
}
