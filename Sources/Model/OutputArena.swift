import NumericCore

/// The output side that every model's activation arena holds for one batch shape (B,T): the
/// inputs, the logits with their log-softmax statistics, and the logit-gradient scratch. The
/// models' accessors of the last forward pass (`logits`, `targetLogProbs`, `nllLogitGradient`, …)
/// are these, once for every architecture.
package protocol OutputArena: AnyObject {
    /// The batch shape of the pass the arena holds, within the shape its buffers were made for.
    var shape: ArenaShape { get }
    var tokens: UnsafeMutablePointer<Int32> { get }   // (N)
    var targets: UnsafeMutablePointer<Int32> { get }   // (N)
    var logits: UnsafeMutablePointer<Float> { get }   // (N,V)
    var lse: UnsafeMutablePointer<Float> { get }   // (N)
    var logp: UnsafeMutablePointer<Float> { get }   // (N)
    var dlogits: UnsafeMutablePointer<Float> { get }   // (N,V)
    /// Which positions the last pass computed logits at, and the head's scratch.
    var head: OutputHeadState { get }
}

/// The batch shape (B,T) an arena holds now, and the largest its buffers hold (the shape it was
/// made for): a smaller pass uses every buffer's first rows, laid out for its own shape.
package final class ArenaShape {
    private(set) var B: Int, T: Int
    /// The positions every sequence of the pass starts with and computed once
    /// (`ForwardScope.loss`); 0 when each computed its own.
    package internal(set) var sharedPrefix = 0
    let capacityB: Int, capacityT: Int

    init(B: Int, T: Int) {
        self.B = B
        self.T = T
        capacityB = B
        capacityT = T
    }

    /// Whether a pass of shape (B,T) fits in the buffers.
    func holds(B: Int, T: Int) -> Bool { B <= capacityB && T <= capacityT }

    func reshape(B: Int, T: Int) {
        precondition(holds(B: B, T: T), "a (\(B), \(T)) pass does not fit in a (\(capacityB), \(capacityT)) arena")
        self.B = B
        self.T = T
    }
}

extension OutputArena {
    /// Sequences in the pass the arena holds.
    var B: Int { shape.B }
    /// Positions per sequence in that pass.
    var T: Int { shape.T }
    /// Whether the pass that filled the arena ran on exactly these inputs (shape, tokens, targets)
    /// with `scope` (and, for `.loss`, the same positions counting in the loss).
    func ran(tokens: [Int32], targets: [Int32], mask: [Float], B: Int, T: Int, scope: ForwardScope) -> Bool {
        guard self.B == B, self.T == T, tokens.count == B * T, targets.count == B * T,
            (head.runs == nil) == (scope == .all)
        else { return false }
        if let runs = head.runs, mask.count != B * T || runs != OutputHead.lossRuns(mask: mask, B: B, T: T) { return false }
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

/// The activation arena of a model's last forward pass, kept while each batch shape (B,T) fits in
/// its buffers: the one allocation policy of every architecture. A pass that does not fit gets a
/// new arena, made for the smallest shape that holds both the new and the old one when that is
/// at most 5/4 of the larger of the two (so that passes alternating between a few shapes, as the
/// instrumentation's chunks padded to their own lengths do, settle on one arena), else for the
/// new shape alone.
final class ArenaSlot<Arena: OutputArena> {
    private var arena: Arena?
    /// The architecture's name, for the message when no pass has run.
    private let model: String

    init(model: String) { self.model = model }

    /// The arena for (B,T): the last one when the shape fits in it, else a new one from
    /// `make(capacityB, capacityT)`, the old one released first so that two never coexist.
    func reusing(B: Int, T: Int, _ make: (_ capacityB: Int, _ capacityT: Int) -> Arena) -> Arena {
        if let a = arena, a.shape.holds(B: B, T: T) {
            a.shape.reshape(B: B, T: T)
            return a
        }
        return replaced(B: B, T: T, make)
    }

    /// Makes sure the arena holds a (B,T) pass, allocating it now (by `reusing`'s rule) if it does
    /// not; the arena then holds no pass (shape (0,0)) until the next one runs.
    func reserve(B: Int, T: Int, _ make: (_ capacityB: Int, _ capacityT: Int) -> Arena) {
        guard !(arena?.shape.holds(B: B, T: T) ?? false) else { return }
        replaced(B: B, T: T, make).shape.reshape(B: 0, T: 0)
    }

    private func replaced(B: Int, T: Int, _ make: (_ capacityB: Int, _ capacityT: Int) -> Arena) -> Arena {
        var capacity = (B, T)
        if let old = arena?.shape {
            let both = (max(B, old.capacityB), max(T, old.capacityT))
            if 4 * both.0 * both.1 <= 5 * max(B * T, old.capacityB * old.capacityT) { capacity = both }
        }
        arena = nil
        let a = PhaseClock.measure("activation arenas") { make(capacity.0, capacity.1) }
        a.shape.reshape(B: B, T: T)
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

    /// Whether the last pass ran on exactly these inputs with `scope` (false before any pass).
    func ran(tokens: [Int32], targets: [Int32], mask: [Float], B: Int, T: Int, scope: ForwardScope) -> Bool {
        arena?.ran(tokens: tokens, targets: targets, mask: mask, B: B, T: T, scope: scope) ?? false
    }
}
