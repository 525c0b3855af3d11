/// The output side that every model's activation arena holds for one batch shape (B,T): the
/// inputs, the logits with their log-softmax statistics, and the logit-gradient scratch. The
/// models' accessors of the last forward pass (`logits`, `targetLogProbs`, `nllLogitGradient`, …)
/// are these, once for every architecture.
package protocol OutputArena: AnyObject {
    var B: Int { get }
    var T: Int { get }
    var tokens: UnsafeMutablePointer<Int32> { get }   // (N)
    var targets: UnsafeMutablePointer<Int32> { get }   // (N)
    var logits: UnsafeMutablePointer<Float> { get }   // (N,V)
    var lse: UnsafeMutablePointer<Float> { get }   // (N)
    var logp: UnsafeMutablePointer<Float> { get }   // (N)
    var dlogits: UnsafeMutablePointer<Float> { get }   // (N,V)
}

extension OutputArena {
    /// Whether the pass that filled the arena ran on exactly these inputs (shape, tokens, targets).
    func ran(tokens: [Int32], targets: [Int32], B: Int, T: Int) -> Bool {
        guard self.B == B, self.T == T, tokens.count == B * T, targets.count == B * T else { return false }
        for n in 0..<(B * T) where self.tokens[n] != tokens[n] || self.targets[n] != targets[n] { return false }
        return true
    }

    /// The logits, (B·T, V).
    func logitRows(vocabSize V: Int) -> UnsafeMutableBufferPointer<Float> { .init(start: logits, count: B * T * V) }
    /// `log p(y)` per position, (B·T).
    var targetLogProbRows: UnsafeBufferPointer<Float> { .init(start: logp, count: B * T) }
    /// `log Σ exp(logits)` per position, (B·T).
    var logSumExpRows: UnsafeBufferPointer<Float> { .init(start: lse, count: B * T) }
    /// The logit-gradient scratch, (B·T, V).
    func logitGradientRows(vocabSize V: Int) -> UnsafeMutableBufferPointer<Float> { .init(start: dlogits, count: B * T * V) }

    /// Fills `into` (B·T, V) with `cₙ·(softmax − onehot(yₙ))`, the logit gradient of
    /// `Σₙ cₙ·(−log p(yₙ))`.
    func nllLogitGradient(coefficients: [Float], into: UnsafeMutablePointer<Float>, vocabSize V: Int) {
        precondition(coefficients.count == B * T)
        coefficients.withUnsafeBufferPointer { c in
            LogSoftmax.nllBackward(
                dlogits: into, coefficients: c.baseAddress!, logits: logits,
                lse: lse, targets: targets, N: B * T, V: V)
        }
    }
}

/// A model whose last forward pass keeps its outputs in an `OutputArena`: `CausalLanguageModel`'s
/// accessors of that pass, written once for every architecture.
package protocol OutputArenaModel: CausalLanguageModel {
    /// The output side of the last forward pass (a precondition failure before any pass).
    var lastOutputs: any OutputArena { get }
}

extension OutputArenaModel {
    /// The logits of the last forward pass, (B·T, V) row-major.
    package var logits: UnsafeMutableBufferPointer<Float> { lastOutputs.logitRows(vocabSize: vocabSize) }

    /// `log p(y[b,t])` of the last forward pass, (B·T); 0 where the target is −1.
    package var targetLogProbs: UnsafeBufferPointer<Float> { lastOutputs.targetLogProbRows }

    /// `log Σ_v exp(logits[n,v])` of the last forward pass, (B·T).
    package var logSumExp: UnsafeBufferPointer<Float> { lastOutputs.logSumExpRows }

    /// A scratch (B·T, V) buffer for callers to build a logit gradient in.
    package var logitGradientScratch: UnsafeMutableBufferPointer<Float> { lastOutputs.logitGradientRows(vocabSize: vocabSize) }

    /// Fills `into` (B·T, V) with the gradient of `Σₙ cₙ·(−log p(yₙ))` on the logits,
    /// `cₙ·(softmax − onehot(yₙ))`, for the last forward pass.
    package func nllLogitGradient(coefficients: [Float], into: UnsafeMutablePointer<Float>) {
        lastOutputs.nllLogitGradient(coefficients: coefficients, into: into, vocabSize: vocabSize)
    }
}

/// The activation arena of a model's last forward pass, kept while the batch shape (B,T) stays
/// the same: the one allocation policy of every architecture.
final class ArenaSlot<Arena: OutputArena> {
    private var arena: Arena?
    /// The architecture's name, for the message when no pass has run.
    private let model: String

    init(model: String) { self.model = model }

    /// The arena for (B,T): the last one when it has that shape, else a new one from `make`, the
    /// old one released first so that two never coexist.
    func reusing(B: Int, T: Int, _ make: () -> Arena) -> Arena {
        if let a = arena, a.B == B, a.T == T { return a }
        arena = nil
        let a = make()
        arena = a
        return a
    }

    /// The arena of the last forward pass.
    var current: Arena {
        guard let a = arena else { preconditionFailure("\(model): no forward pass has been run") }
        return a
    }

    /// Drops the arena; the next pass allocates a new one.
    func release() { arena = nil }

    /// Whether the last pass ran on exactly these inputs (false before any pass).
    func ran(tokens: [Int32], targets: [Int32], B: Int, T: Int) -> Bool {
        arena?.ran(tokens: tokens, targets: targets, B: B, T: T) ?? false
    }
}
