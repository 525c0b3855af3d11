import NumericCore

/// What `Llama.directionalDerivative` needs besides the saved activations, for one batch shape.
final class LlamaTangentScratch {
    let res, ln: UnsafeMutablePointer<Float>   // (N,C): residual stream, RMSNorm output
    let atty: UnsafeMutablePointer<Float>   // (N,Q): attention output
    let qkv: UnsafeMutablePointer<Float>   // (N,QKV)
    let gateUp: UnsafeMutablePointer<Float>   // (N,2F)
    let act: UnsafeMutablePointer<Float>   // (N,F)
    let attScratch: UnsafeMutablePointer<Float>   // (T,T) per worker
    let attScratchSlots: Int
    private let owned: [FloatBuffer]

    init(config: LlamaConfig, B: Int, T: Int, workers: Int) {
        let N = B * T, C = config.nEmbd, F = config.ffnHidden
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        res = take(N * C); ln = take(N * C); atty = take(N * config.qDim)
        qkv = take(N * config.qkvDim)
        gateUp = take(N * 2 * F)
        act = take(N * F)
        attScratch = take(workers * T * T)
        attScratchSlots = workers
        self.owned = owned
    }
}

extension Llama {
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
    /// Tangent rules (each layer's `tangent`): ẋ₀ = v_E[tokens]; per block
    /// ẋ′ = ẋ + attn-tangent, ẋₗ₊₁ = ẋ′ + mlp-tangent, through RMSNorm, Linear (with the
    /// direction's bias component v_b where the projection has a bias), RoPE (a
    /// fixed rotation: its own tangent), grouped-query attention and SwiGLU tangents;
    /// ṫ = ṅ·Hᵀ + n·v_Hᵀ with n = rms_f(x_L) and H the head (E when tied).
    package func directionalDerivative(along direction: UnsafePointer<Float>, hiddenBlocks: Set<Int>, outputs: TangentOutputs)
        -> DirectionalDerivative
    {
        let a = current()
        precondition(!a.forwardOnly, "forward mode on a frozen model (its arena keeps one block's activations)")
        let B = a.B, T = a.T, N = B * T, C = config.nEmbd, V = config.vocabSize, F = config.ffnHidden
        let NH = config.nHead, NKV = config.nKVHead, QKV = config.qkvDim, Q = config.qDim
        let P = a.shape.sharedPrefix
        for l in hiddenBlocks {
            precondition(l >= 0 && l < config.nLayer, "hidden block \(l) outside 0..<\(config.nLayer)")
        }
        let s: LlamaTangentScratch
        if let t = a.tangents {
            s = t
        } else {
            s = LlamaTangentScratch(config: config, B: a.shape.capacityB, T: a.shape.capacityT, workers: Parallel.workers)
            a.tangents = s
        }
        let w = UnsafePointer(parameters.base), v = direction
        var hidden: [Int: [Float]] = [:]

        Encoder.tokenEmbeddingForward(out: s.res, tokens: a.tokens, wte: v + slots.embed, N: N, C: C)
        for (l, o) in slots.blocks.enumerated() {
            let h = a.blocks[l]
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].res3
            // Attention: res2 = res + o_proj(attn(rope(qkv(rms₁(res))))).
            RMSNorm.tangent(
                out: s.ln, inp: residualIn, inpTangent: s.res, weight: w + o.attnNorm,
                weightTangent: v + o.attnNorm, rstd: h.attnRstd, N: N, C: C)
            Linear.tangent(
                out: s.qkv, inp: h.attnNorm, inpTangent: s.ln, weight: w + o.qkv,
                weightTangent: v + o.qkv, biasTangent: o.qkvBias.map { v + $0 }, N: N, T: T, sharedPrefix: P, C: C, OC: QKV)
            RotaryEmbedding.forward(
                s.qkv, cos: a.ropeCos, sin: a.ropeSin, heads: NH + NKV, headSize: config.headSize,
                ld: QKV, B: B, T: T)
            Attention.tangent(
                out: s.atty, scratch: s.attScratch, scratchSlots: s.attScratchSlots,
                qkvTangent: s.qkv, att: h.att, qkv: h.qkv, B: B, T: T, C: Q, NH: NH, kvHeads: NKV)
            Linear.tangent(
                out: s.res, inp: h.atty, inpTangent: s.atty, weight: w + o.o,
                weightTangent: v + o.o, biasTangent: o.oBias.map { v + $0 }, residualTangent: s.res, N: N, T: T, sharedPrefix: P,
                C: Q, OC: C)
            // MLP: res3 = res2 + down(silu(gate(rms₂(res2))) ⊙ up(rms₂(res2))).
            RMSNorm.tangent(
                out: s.ln, inp: h.res2, inpTangent: s.res, weight: w + o.mlpNorm,
                weightTangent: v + o.mlpNorm, rstd: h.mlpRstd, N: N, C: C)
            Linear.tangent(
                out: s.gateUp, inp: h.mlpNorm, inpTangent: s.ln, weight: w + o.gateUp,
                weightTangent: v + o.gateUp, biasTangent: o.gateUpBias.map { v + $0 }, N: N, T: T, sharedPrefix: P, C: C,
                OC: 2 * F)
            SwiGLU.tangent(out: s.act, inp: h.gateUp, inpTangent: s.gateUp, N: N, F: F)
            Linear.tangent(
                out: s.res, inp: h.act, inpTangent: s.act, weight: w + o.down,
                weightTangent: v + o.down, biasTangent: o.downBias.map { v + $0 }, residualTangent: s.res, N: N, T: T,
                sharedPrefix: P, C: F, OC: C
            )
            if hiddenBlocks.contains(l) {
                hidden[l] = Array(UnsafeBufferPointer(start: s.res, count: N * C))
            }
        }
        let last = a.blocks.last?.res3 ?? a.encoded
        RMSNorm.tangent(
            out: s.ln, inp: last, inpTangent: s.res, weight: w + slots.norm,
            weightTangent: v + slots.norm, rstd: a.normRstd, N: N, C: C)
        // Head, logits = norm·Hᵀ.
        return DirectionalDerivative(
            outputs, headState: a.head, headInput: a.norm, headInputTangent: s.ln, head: w + slots.head,
            headTangent: v + slots.head,
            logits: a.logits, lse: a.lse, targets: a.targets,
            batch: B, seq: T, width: C, vocabSize: V, hidden: hidden)
    }
}
