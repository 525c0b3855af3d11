import NumericCore

/// What a forward-mode pass returns at the output head.
package enum TangentOutputs {
    /// The tangent of every logit the forward pass computed (N, V), and of the target
    /// log-probabilities.
    case logits
    /// The tangent of the target log-probabilities only (at the positions with a target).
    case logProbs
    /// The tangent of the target log-probabilities, and `⟨gₙ, ṫₙ⟩` per position for the logit
    /// gradient g (N, V) of a loss: the position's share of the loss's derivative along v that
    /// passes through its logits. Only the positions with a target or a nonzero gₙ are computed,
    /// one run of them at a time in a reused scratch: the (N, V) tangent is never stored.
    case logitShares(of: UnsafePointer<Float>)
}

/// The forward-mode derivative of the model's outputs on one batch along one direction v in
/// parameter space: the tangents `∂/∂ε` at ε = 0 of the outputs of the model at θ + ε·v.
///
/// Every array is row-major, with N = B·T rows in the batch's order (row `b·T + t`):
/// - `logits`: (N, V), the tangent ṫ of the logits (`TangentOutputs.logits` only; 0 where the
///   forward pass computed none);
/// - `logitShares`: (N), `⟨gₙ, ṫₙ⟩` (`TangentOutputs.logitShares` only);
/// - `targetLogProbs`: (N), the tangent of `log p(yₙ)`, `ṫ[n,yₙ] − Σ_v softmax_v·ṫ[n,v]`
///   (0 where the target is −1);
/// - `hidden[l]`: (N, C), the tangent of the residual stream after block l (the tensor of
///   `GPT.hiddenState(afterBlock: l)`), for each block that was asked for.
///
/// For any loss `L = Σₙ ℓₙ(logitsₙ, hiddenₙ)`, `⟨∂ℓₙ/∂outputsₙ, (J·v)ₙ⟩` is position n's share of
/// `⟨∇L, v⟩`, and the shares sum to it exactly (up to rounding).
package struct DirectionalDerivative: Sendable {
    package let batch: Int
    package let seq: Int
    package let vocabSize: Int
    package let width: Int
    /// (B·T, V) tangent of the logits (empty unless asked for).
    package let logits: [Float]
    /// (B·T) `⟨gₙ, ṫₙ⟩` for the logit gradient asked for (empty unless asked for).
    package let logitShares: [Double]
    /// (B·T) tangent of the target log-probabilities.
    package let targetLogProbs: [Float]
    /// Block → (B·T, C) tangent of the residual stream after that block.
    package let hidden: [Int: [Float]]
}

extension DirectionalDerivative {
    /// The derivative through a model's output head, `logits = n·Hᵀ [+ b]` (a Linear layer, with a
    /// bias when `headBiasTangent` v_b is given), given the head's input n (N, C) and its tangent
    /// ṅ: `ṫ = ṅ·Hᵀ + n·v_Hᵀ [+ v_b]`, then the target log-probabilities' tangent
    /// `ṫ[n,yₙ] − Σ_v softmax_v·ṫ[n,v]` (`LogSoftmax.tangent`) from the forward pass's `logits`,
    /// `lse` and `targets`, at the rows `outputs` needs among those the forward pass's output head
    /// computed (`state`): one product per run of them (`OutputHead`).
    init(
        _ outputs: TangentOutputs, headState state: OutputHeadState,
        headInput n: UnsafePointer<Float>, headInputTangent ṅ: UnsafePointer<Float>,
        head: UnsafePointer<Float>, headTangent: UnsafePointer<Float>, headBiasTangent: UnsafePointer<Float>? = nil,
        logits forwardLogits: UnsafePointer<Float>, lse: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        batch B: Int, seq T: Int, width C: Int, vocabSize V: Int, hidden: [Int: [Float]]
    ) {
        let N = B * T
        let computed = OutputHead.rows(state.runs, N: N)
        var logits: [Float] = [], shares: [Double] = []
        var logProbs = [Float](repeating: 0, count: N)
        /// ṫ at the rows of `runs`, each run into `store` at its rows (or, without one, into the
        /// head's scratch), its target log-probabilities' tangent, then `body(run, ṫ of the run)`.
        /// `rowGroup`: T when the runs are whole sequences.
        func tangents(
            _ runs: [Range<Int>], store: UnsafeMutablePointer<Float>?, rowGroup: Int?,
            _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void = { _, _ in }
        ) {
            for r in runs where !r.isEmpty {
                let lo = r.lowerBound
                let out = store.map { $0 + lo * V } ?? state.scratch.floats(r.count * V)
                Linear.tangent(
                    out: out, inp: n + lo * C, inpTangent: ṅ + lo * C, weight: head, weightTangent: headTangent,
                    biasTangent: headBiasTangent, N: r.count, T: rowGroup, C: C, OC: V)
                logProbs.withUnsafeMutableBufferPointer { lp in
                    LogSoftmax.tangent(
                        out: lp.baseAddress! + lo, logitTangent: out, logits: forwardLogits + lo * V, lse: lse + lo,
                        targets: targets + lo, N: r.count, V: V)
                }
                body(r, out)
            }
        }
        switch outputs {
        case .logits:
            logits = [Float](repeating: 0, count: N * V)
            logits.withUnsafeMutableBufferPointer {
                tangents(computed, store: $0.baseAddress!, rowGroup: state.runs == nil ? T : nil)
            }
        case .logProbs:
            tangents(Self.runs(computed, B: B, T: T) { targets[$0] >= 0 }, store: nil, rowGroup: nil)
        case .logitShares(let g):
            shares = [Double](repeating: 0, count: N)
            let nonzero = { (n: Int) in Reduce.dot(g + n * V, g + n * V, count: V) != 0 }
            let needed = Self.runs(computed, B: B, T: T) { targets[$0] >= 0 || nonzero($0) }
            OutputHead.requireNoGradient(g, outside: state.runs, N: N, V: V)
            tangents(needed, store: nil, rowGroup: nil) { r, t in
                shares.withUnsafeMutableBufferPointer { out in
                    Parallel.forRanges(r.count, grain: 16) { rows in
                        for i in rows { out[r.lowerBound + i] = Reduce.dot(g + (r.lowerBound + i) * V, t + i * V, count: V) }
                    }
                }
            }
        }
        self.init(
            batch: B, seq: T, vocabSize: V, width: C, logits: logits, logitShares: shares, targetLogProbs: logProbs,
            hidden: hidden)
    }

    /// The runs of positions within `computed` where `keep` holds.
    private static func runs(_ computed: [Range<Int>], B: Int, T: Int, where keep: (Int) -> Bool) -> [Range<Int>] {
        var inside = [Bool](repeating: false, count: B * T)
        for r in computed { for n in r { inside[n] = true } }
        return OutputHead.runs(B: B, T: T) { inside[$0] && keep($0) }
    }
}
