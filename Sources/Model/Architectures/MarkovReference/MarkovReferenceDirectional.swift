import NumericCore

/// What `MarkovReference.directionalDerivative` needs besides the saved activations, for one batch
/// shape.
final class MarkovReferenceTangentScratch {
    let res, sum, ln, fc: UnsafeMutablePointer<Float>   // (N,C): residual stream, pre-LayerNorm sums, ln₁, MLP
    let qkv: UnsafeMutablePointer<Float>   // (N,3C)
    let attScratch: UnsafeMutablePointer<Float>   // (T,T) per worker
    let attScratchSlots: Int
    private let owned: [FloatBuffer]

    init(config: MarkovReferenceConfig, B: Int, T: Int, workers: Int) {
        let N = B * T, C = config.nEmbd
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        res = take(N * C); sum = take(N * C); ln = take(N * C); fc = take(N * C)
        qkv = take(3 * N * C)
        attScratch = take(workers * T * T)
        attScratchSlots = workers
        self.owned = owned
    }
}

extension MarkovReference {
    /// The directional derivative `J·v` of the last `forward` pass's outputs along `direction`
    /// (a vector of `parameterCount` floats in the layout of `parameters`, e.g. a risk gradient):
    /// one forward-mode pass over the saved activations, without recomputing the forward pass.
    /// The result has the meaning of `GPT.directionalDerivative`'s (see `DirectionalDerivative`).
    ///
    /// Costs about two forward passes (every product becomes two). Changes neither the parameters,
    /// the gradients, nor what the last forward pass reports; the tangent scratch is allocated on
    /// the first call for the arena's capacity and kept. `hiddenBlocks` names the blocks whose residual
    /// stream tangents (after `ln₂`) to return.
    ///
    /// Tangent rules (each layer's `tangent`): ẋ₀ = v_E[tokens] + v_P[t]; per block
    /// ṡ₁ = ẋ + attn-tangent(q̇|k̇|v̇), q̇|k̇|v̇ = ẋ·Wᵀ + x·v_Wᵀ; ṅ = ln₁-tangent(ṡ₁);
    /// ṡ₂ = ṅ + W₂-tangent(relu′ ⊙ W₁-tangent(ṅ)); ẋₗ₊₁ = ln₂-tangent(ṡ₂); and the head
    /// ṫ = ẋ_L·Wᵀ + x_L·v_Wᵀ + v_b.
    package func directionalDerivative(along direction: UnsafePointer<Float>, hiddenBlocks: Set<Int>, outputs: TangentOutputs)
        -> DirectionalDerivative
    {
        let a = current()
        let B = a.B, T = a.T, N = B * T, C = config.nEmbd, V = config.vocabSize
        for l in hiddenBlocks {
            precondition(l >= 0 && l < config.nLayer, "hidden block \(l) outside 0..<\(config.nLayer)")
        }
        let s: MarkovReferenceTangentScratch
        if let t = a.tangents {
            s = t
        } else {
            s = MarkovReferenceTangentScratch(
                config: config, B: a.shape.capacityB, T: a.shape.capacityT, workers: Parallel.workers)
            a.tangents = s
        }
        let w = UnsafePointer(parameters.base), v = direction
        var hidden: [Int: [Float]] = [:]

        Encoder.tangent(
            out: s.res, tokens: a.tokens, wteTangent: v + slots.embed, wpeTangent: v + slots.positions, B: B, T: T, C: C)
        for (l, o) in slots.blocks.enumerated() {
            let h = a.blocks[l]
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].out
            // ṡ₁ = ẋ + attention's tangent.
            Linear.tangent(
                out: s.qkv, inp: residualIn, inpTangent: s.res, weight: w + o.qkvW,
                weightTangent: v + o.qkvW, biasTangent: nil, N: N, T: T, C: C, OC: 3 * C)
            Attention.tangent(
                out: s.sum, scratch: s.attScratch, scratchSlots: s.attScratchSlots,
                qkvTangent: s.qkv, att: h.att, qkv: h.qkv, B: B, T: T, C: C, NH: 1)
            RowOps.add(s.res, into: s.sum, count: N * C)
            LayerNorm.tangent(
                out: s.ln, inp: h.sum1, inpTangent: s.sum, weight: w + o.ln1W,
                weightTangent: v + o.ln1W, biasTangent: v + o.ln1B, mean: h.ln1Mean, rstd: h.ln1Rstd, N: N, C: C)
            // ṡ₂ = ṅ + the MLP's tangent; ẋₗ₊₁ = ln₂'s tangent.
            Linear.tangent(
                out: s.fc, inp: h.ln1, inpTangent: s.ln, weight: w + o.fc1W,
                weightTangent: v + o.fc1W, biasTangent: v + o.fc1B, N: N, T: T, C: C, OC: C)
            ReLU.tangent(out: s.fc, inp: h.fc, inpTangent: s.fc, count: N * C)
            Linear.tangent(
                out: s.sum, inp: h.fcRelu, inpTangent: s.fc, weight: w + o.fc2W,
                weightTangent: v + o.fc2W, biasTangent: v + o.fc2B, residualTangent: s.ln, N: N, T: T, C: C, OC: C)
            LayerNorm.tangent(
                out: s.res, inp: h.sum2, inpTangent: s.sum, weight: w + o.ln2W,
                weightTangent: v + o.ln2W, biasTangent: v + o.ln2B, mean: h.ln2Mean, rstd: h.ln2Rstd, N: N, C: C)
            if hiddenBlocks.contains(l) {
                hidden[l] = Array(UnsafeBufferPointer(start: s.res, count: N * C))
            }
        }
        // Head, logits = x_L·Wᵀ + b.
        let last = a.blocks.last?.out ?? a.encoded
        return DirectionalDerivative(
            outputs, headState: a.head, headInput: last, headInputTangent: s.res, head: w + slots.headW,
            headTangent: v + slots.headW,
            headBiasTangent: v + slots.headB, logits: a.logits, lse: a.lse, targets: a.targets,
            batch: B, seq: T, width: C, vocabSize: V, hidden: hidden)
    }
}
