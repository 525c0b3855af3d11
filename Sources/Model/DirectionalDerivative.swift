import NumericCore

/// The forward-mode derivative of the model's outputs on one batch along one direction v in
/// parameter space: the tangents `∂/∂ε` at ε = 0 of the outputs of the model at θ + ε·v.
///
/// Every array is row-major, with N = B·T rows in the batch's order (row `b·T + t`):
/// - `logits`: (N, V), the tangent ṫ of the logits;
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
    /// (B·T, V) tangent of the logits.
    package let logits: [Float]
    /// (B·T) tangent of the target log-probabilities.
    package let targetLogProbs: [Float]
    /// Block → (B·T, C) tangent of the residual stream after that block.
    package let hidden: [Int: [Float]]
}

extension DirectionalDerivative {
    /// The derivative through a model's output head, `logits = n·Hᵀ [+ b]` (a Linear layer, with a
    /// bias when `headBiasTangent` v_b is given), given the head's input n (N, C) and its tangent
    /// ṅ: `ṫ = ṅ·Hᵀ + n·v_Hᵀ [+ v_b]`, then the
    /// target log-probabilities' tangent `ṫ[n,yₙ] − Σ_v softmax_v·ṫ[n,v]` (`LogSoftmax.tangent`)
    /// from the forward pass's `logits`, `lse` and `targets`.
    init(
        headInput n: UnsafePointer<Float>, headInputTangent ṅ: UnsafePointer<Float>,
        head: UnsafePointer<Float>, headTangent: UnsafePointer<Float>, headBiasTangent: UnsafePointer<Float>? = nil,
        logits forwardLogits: UnsafePointer<Float>, lse: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        batch B: Int, seq T: Int, width C: Int, vocabSize V: Int, hidden: [Int: [Float]]
    ) {
        let N = B * T
        let logits = [Float](unsafeUninitializedCapacity: N * V) { buffer, count in
            Linear.tangent(
                out: buffer.baseAddress!, inp: n, inpTangent: ṅ, weight: head,
                weightTangent: headTangent, biasTangent: headBiasTangent, N: N, T: T, C: C, OC: V)
            count = N * V
        }
        let targetLogProbs = logits.withUnsafeBufferPointer { t in
            [Float](unsafeUninitializedCapacity: N) { buffer, count in
                LogSoftmax.tangent(
                    out: buffer.baseAddress!, logitTangent: t.baseAddress!, logits: forwardLogits,
                    lse: lse, targets: targets, N: N, V: V)
                count = N
            }
        }
        self.init(batch: B, seq: T, vocabSize: V, width: C, logits: logits, targetLogProbs: targetLogProbs, hidden: hidden)
    }
}
