import NumericCore

/// What `directionalDerivative` needs besides the saved activations, for one batch shape.
final class TangentScratch {
    let res, ln, atty: UnsafeMutablePointer<Float>   // (N,C): residual stream, LayerNorm output, attention output
    let qkv: UnsafeMutablePointer<Float>   // (N,3C)
    let fc: UnsafeMutablePointer<Float>   // (N,4C) before, then after the GELU
    let attScratch: UnsafeMutablePointer<Float>   // (T,T) per worker
    let attScratchSlots: Int
    private let owned: [FloatBuffer]

    init(config: GPTConfig, B: Int, T: Int, workers: Int) {
        let N = B * T, C = config.nEmbd
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        res = take(N * C); ln = take(N * C); atty = take(N * C)
        qkv = take(3 * N * C)
        fc = take(4 * N * C)
        attScratch = take(workers * T * T)
        attScratchSlots = workers
        self.owned = owned
    }
}

extension GPT {
    /// The directional derivative `J·v` of the last `forward` pass's outputs along `direction`
    /// (a vector of `parameterCount` floats in the layout of `parameters`, e.g. a risk gradient):
    /// one forward-mode pass over the saved activations, without recomputing the forward pass.
    ///
    /// Costs about two forward passes (every product becomes two). Changes neither the parameters,
    /// the gradients, nor what the last forward pass reports; the tangent scratch is allocated on
    /// the first call for the arena's capacity and kept. `hiddenBlocks` names the blocks whose residual
    /// stream tangents to return.
    ///
    /// Tangent rules (each layer's `tangent`): ẋ₀ = v_wte[tokens] + v_wpe[t]; per block
    /// ẋ′ = ẋ + attn-tangent, ẋₗ₊₁ = ẋ′ + mlp-tangent, each through LayerNorm, Linear, attention
    /// and GELU tangents; ṫ = l̇n_f·wteᵀ + ln_f·v_wteᵀ.
    package func directionalDerivative(along direction: UnsafePointer<Float>, hiddenBlocks: Set<Int>, outputs: TangentOutputs)
        -> DirectionalDerivative
    {
        let a = current()
        let B = a.B, T = a.T, N = B * T, C = config.nEmbd, V = config.vocabSize, NH = config.nHead
        let P = a.shape.sharedPrefix
        for l in hiddenBlocks {
            precondition(l >= 0 && l < config.nLayer, "hidden block \(l) outside 0..<\(config.nLayer)")
        }
        let s: TangentScratch
        if let t = a.tangents {
            s = t
        } else {
            s = TangentScratch(config: config, B: a.shape.capacityB, T: a.shape.capacityT, workers: Parallel.workers)
            a.tangents = s
        }
        let w = UnsafePointer(parameters.base), v = direction
        var hidden: [Int: [Float]] = [:]

        Encoder.tangent(
            out: s.res, tokens: a.tokens, wteTangent: v + slots.wte, wpeTangent: v + slots.wpe,
            B: B, T: T, C: C)
        for (l, o) in slots.blocks.enumerated() {
            let h = a.blocks[l]
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].res3
            // Attention: res2 = res + c_proj(attn(c_attn(ln_1(res)))).
            LayerNorm.tangent(
                out: s.ln, inp: residualIn, inpTangent: s.res, weight: w + o.ln1w,
                weightTangent: v + o.ln1w, biasTangent: v + o.ln1b,
                mean: h.ln1Mean, rstd: h.ln1Rstd, N: N, C: C)
            Linear.tangent(
                out: s.qkv, inp: h.ln1, inpTangent: s.ln, weight: w + o.attnW,
                weightTangent: v + o.attnW, biasTangent: v + o.attnB, N: N, T: T, sharedPrefix: P, C: C, OC: 3 * C)
            Attention.tangent(
                out: s.atty, scratch: s.attScratch, scratchSlots: s.attScratchSlots,
                qkvTangent: s.qkv, att: h.att, qkv: h.qkv, B: B, T: T, C: C, NH: NH)
            Linear.tangent(
                out: s.res, inp: h.atty, inpTangent: s.atty, weight: w + o.projW,
                weightTangent: v + o.projW, biasTangent: v + o.projB, residualTangent: s.res,
                N: N, T: T, sharedPrefix: P, C: C, OC: C)
            // MLP: res3 = res2 + c_proj(gelu(c_fc(ln_2(res2)))).
            LayerNorm.tangent(
                out: s.ln, inp: h.res2, inpTangent: s.res, weight: w + o.ln2w,
                weightTangent: v + o.ln2w, biasTangent: v + o.ln2b,
                mean: h.ln2Mean, rstd: h.ln2Rstd, N: N, C: C)
            Linear.tangent(
                out: s.fc, inp: h.ln2, inpTangent: s.ln, weight: w + o.fcW,
                weightTangent: v + o.fcW, biasTangent: v + o.fcB, N: N, T: T, sharedPrefix: P, C: C, OC: 4 * C)
            GELU.tangent(out: s.fc, inp: h.fch, inpTangent: s.fc, count: N * 4 * C)
            Linear.tangent(
                out: s.res, inp: h.fchGelu, inpTangent: s.fc, weight: w + o.mlpProjW,
                weightTangent: v + o.mlpProjW, biasTangent: v + o.mlpProjB, residualTangent: s.res,
                N: N, T: T, sharedPrefix: P, C: 4 * C, OC: C)
            if hiddenBlocks.contains(l) {
                hidden[l] = Array(UnsafeBufferPointer(start: s.res, count: N * C))
            }
        }
        let last = a.blocks.last?.res3 ?? a.encoded
        LayerNorm.tangent(
            out: s.ln, inp: last, inpTangent: s.res, weight: w + slots.lnfw,
            weightTangent: v + slots.lnfw, biasTangent: v + slots.lnfb,
            mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)
        // Tied head, logits = lnf·wteᵀ.
        return DirectionalDerivative(
            outputs, headState: a.head, headInput: a.lnf, headInputTangent: s.ln, head: w + slots.wte, headTangent: v + slots.wte,
            logits: a.logits, lse: a.lse, targets: a.targets,
            batch: B, seq: T, width: C, vocabSize: V, hidden: hidden)
    }
}
