import NumericCore

/// What `Phi.directionalDerivative` needs besides the saved activations, for one batch shape.
final class PhiTangentScratch {
    let res, ln, atty: UnsafeMutablePointer<Float>   // (N,C): residual stream, LayerNorm output, attention output
    let qkv: UnsafeMutablePointer<Float>   // (N,QKV)
    let fc: UnsafeMutablePointer<Float>   // (N,F) before, then after the GELU
    let attScratch: UnsafeMutablePointer<Float>   // (T,T) per worker
    let attScratchSlots: Int
    private let owned: [FloatBuffer]

    init(config: PhiConfig, B: Int, T: Int, workers: Int) {
        let N = B * T, C = config.nEmbd
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        res = take(N * C); ln = take(N * C); atty = take(N * C)
        qkv = take(N * config.qkvDim)
        fc = take(N * config.ffnHidden)
        attScratch = take(workers * T * T)
        attScratchSlots = workers
        self.owned = owned
    }
}

extension Phi {
    /// The directional derivative `J·v` of the last `forward` pass's outputs along `direction`
    /// (a vector of `parameterCount` floats in the layout of `parameters`, e.g. a risk gradient):
    /// one forward-mode pass over the saved activations, without recomputing the forward pass.
    /// The result has the meaning of `GPT.directionalDerivative`'s (see `DirectionalDerivative`).
    ///
    /// Costs about two forward passes (every product becomes two). Changes neither the parameters,
    /// the gradients, nor what the last forward pass reports; the tangent scratch is allocated on
    /// the first call for the arena's capacity and kept. `hiddenBlocks` names the blocks whose residual
    /// stream tangents to return.
    ///
    /// Tangent rules (each layer's `tangent`): ẋ₀ = v_E[tokens]; per block, with ṅ the LayerNorm's
    /// tangent, ẋₗ₊₁ = ẋₗ + attn-tangent(ṅ) + mlp-tangent(ṅ), through Linear (with bias tangents),
    /// the partial RoPE (a fixed rotation: its own tangent), grouped-query attention and GELU
    /// tangents; ṫ = ṅ_f·Wᵀ + n_f·v_Wᵀ + v_b with n_f = ln_f(x_L) and W, b the head's.
    package func directionalDerivative(along direction: UnsafePointer<Float>, hiddenBlocks: Set<Int>, outputs: TangentOutputs)
        -> DirectionalDerivative
    {
        let a = current()
        let B = a.B, T = a.T, N = B * T, C = config.nEmbd, V = config.vocabSize, F = config.ffnHidden
        let NH = config.nHead, NKV = config.nKVHead, QKV = config.qkvDim
        for l in hiddenBlocks {
            precondition(l >= 0 && l < config.nLayer, "hidden block \(l) outside 0..<\(config.nLayer)")
        }
        let s: PhiTangentScratch
        if let t = a.tangents {
            s = t
        } else {
            s = PhiTangentScratch(config: config, B: a.shape.capacityB, T: a.shape.capacityT, workers: Parallel.workers)
            a.tangents = s
        }
        let w = UnsafePointer(parameters.base), v = direction
        var hidden: [Int: [Float]] = [:]

        Encoder.tokenEmbeddingForward(out: s.res, tokens: a.tokens, wte: v + slots.embed, N: N, C: C)
        for (l, o) in slots.blocks.enumerated() {
            let h = a.blocks[l]
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].out
            // ṅ, read by both branches (s.ln stays untouched until the MLP has used it).
            LayerNorm.tangent(
                out: s.ln, inp: residualIn, inpTangent: s.res, weight: w + o.lnW,
                weightTangent: v + o.lnW, biasTangent: v + o.lnB, mean: h.lnMean, rstd: h.lnRstd, N: N, C: C)
            // Attention: ẋ += dense-tangent(attn-tangent(prope(qkv-tangent(ṅ)))).
            Linear.tangent(
                out: s.qkv, inp: h.ln, inpTangent: s.ln, weight: w + o.qkvW,
                weightTangent: v + o.qkvW, biasTangent: v + o.qkvB, N: N, T: T, C: C, OC: QKV)
            PartialRotaryEmbedding.forward(
                s.qkv, cos: a.ropeCos, sin: a.ropeSin, heads: NH + NKV, headSize: config.headSize,
                rotaryDim: config.rotaryDim, ld: QKV, B: B, T: T)
            Attention.tangent(
                out: s.atty, scratch: s.attScratch, scratchSlots: s.attScratchSlots,
                qkvTangent: s.qkv, att: h.att, qkv: h.qkv, B: B, T: T, C: C, NH: NH, kvHeads: NKV)
            Linear.tangent(
                out: s.res, inp: h.atty, inpTangent: s.atty, weight: w + o.denseW,
                weightTangent: v + o.denseW, biasTangent: v + o.denseB, residualTangent: s.res, N: N, T: T, C: C, OC: C)
            // MLP: ẋ += fc2-tangent(gelu-tangent(fc1-tangent(ṅ))).
            Linear.tangent(
                out: s.fc, inp: h.ln, inpTangent: s.ln, weight: w + o.fc1W,
                weightTangent: v + o.fc1W, biasTangent: v + o.fc1B, N: N, T: T, C: C, OC: F)
            GELU.tangent(out: s.fc, inp: h.fch, inpTangent: s.fc, count: N * F)
            Linear.tangent(
                out: s.res, inp: h.fchGelu, inpTangent: s.fc, weight: w + o.fc2W,
                weightTangent: v + o.fc2W, biasTangent: v + o.fc2B, residualTangent: s.res, N: N, T: T, C: F, OC: C)
            if hiddenBlocks.contains(l) {
                hidden[l] = Array(UnsafeBufferPointer(start: s.res, count: N * C))
            }
        }
        let last = a.blocks.last?.out ?? a.encoded
        LayerNorm.tangent(
            out: s.ln, inp: last, inpTangent: s.res, weight: w + slots.finalLnW,
            weightTangent: v + slots.finalLnW, biasTangent: v + slots.finalLnB,
            mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)
        // Head, logits = lnf·Wᵀ + b.
        return DirectionalDerivative(
            outputs, headState: a.head, headInput: a.lnf, headInputTangent: s.ln, head: w + slots.headW,
            headTangent: v + slots.headW,
            headBiasTangent: v + slots.headB, logits: a.logits, lse: a.lse, targets: a.targets,
            batch: B, seq: T, width: C, vocabSize: V, hidden: hidden)
    }
}
