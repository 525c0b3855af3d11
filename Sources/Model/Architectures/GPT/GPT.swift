import NumericCore

/// A pre-LayerNorm GPT-2 with a tied output head, all parameters in one flat buffer.
///
///     x₀ = wte[tokens] + wpe[0..<T]
///     xₗ₊₁ = xₗ′ + mlp(ln_2(xₗ′)),  xₗ′ = xₗ + attn(ln_1(xₗ))      for each block l
///     logits = ln_f(x_L) · wteᵀ
///
/// `forward` keeps what `backward` needs; `backward` takes a gradient on the logits (from any
/// objective) and accumulates into `gradients`, the twin of `parameters` (same layout).
package final class GPT: OutputArenaModel {
    package let config: GPTConfig
    package let layout: ParameterLayout
    package let parameters: FloatBuffer
    package let gradients: FloatBuffer
    /// When set (V·C floats), `backward` also accumulates here the input side of the tied
    /// embedding's gradient — the encoder's share of `wte.weight`'s; the rest is the output
    /// head's. Instrumentation uses it to split the tied matrix's G-effect.
    package var inputEmbeddingGradient: FloatBuffer?

    let slots: Slots
    private let arena = ArenaSlot<GPTActivations>(model: "GPT")

    /// A model with every parameter zero (load or initialise them next). A `frozen` model has no
    /// gradient buffer: it only runs forward (the reference θ_o), and `backward` refuses it.
    package init(config: GPTConfig, frozen: Bool = false) throws(ModelError) {
        try config.validate()
        self.config = config
        layout = config.parameterLayout()
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: frozen ? 0 : layout.count)
        slots = Slots(layout: layout, nLayer: config.nLayer)
    }

    /// A model with the given flat parameters (in `config.parameterLayout()` order).
    package convenience init(config: GPTConfig, parameters values: [Float]) throws(ModelError) {
        try self.init(config: config)
        guard values.count == layout.count else {
            throw .shapeMismatch("\(values.count) parameter values for a model of \(layout.count)")
        }
        values.withUnsafeBufferPointer { parameters.base.update(from: $0.baseAddress!, count: values.count) }
    }

    package var vocabSize: Int { config.vocabSize }
    package var contextLength: Int { config.blockSize }
    package var blockCount: Int { config.nLayer }
    package var blockUnits: [BlockUnits] { config.blockUnits(layout) }
    package var width: Int { config.nEmbd }

    /// A model with the same configuration and a copy of the parameters.
    package func copy() throws(ModelError) -> GPT { try copy(frozen: false) }
    package func frozenCopy() throws(ModelError) -> GPT { try copy(frozen: true) }
    /// A model of the same configuration with these parameters, copied buffer to buffer.
    private func copy(frozen: Bool) throws(ModelError) -> GPT {
        let copy = try GPT(config: config, frozen: frozen)
        copy.parameters.base.update(from: parameters.base, count: layout.count)
        return copy
    }
    /// `config.json` of a checkpoint (`Checkpoint.configJSON`).
    package var configurationJSON: String { Checkpoint.configJSON(config) }
    /// `Checkpoint.save` of the configuration and parameters.
    package func saveCheckpoint(to directory: String) throws(ModelError) {
        try Checkpoint.save(config: config, parameters: UnsafeBufferPointer(parameters.buffer), to: directory)
    }

    /// GPT-2 initialisation: weights ~ N(0, 0.02), the two residual projections (`attn.c_proj`,
    /// `mlp.c_proj`) ~ N(0, 0.02/√(2L)), biases 0, LayerNorm gains 1. Draws in buffer order.
    package func initializeGPT2(rng: inout RNG) {
        let residualStd = 0.02 / (2 * Double(config.nLayer)).squareRoot()
        for slot in layout.slots {
            let p = parameters.base + slot.offset
            if slot.name.hasSuffix(".bias") {
                p.update(repeating: 0, count: slot.count)
            } else if slot.name.contains("ln_") {
                p.update(repeating: 1, count: slot.count)
            } else {
                let std = slot.name.hasSuffix("c_proj.weight") ? residualStd : 0.02
                for i in 0..<slot.count { p[i] = Float(rng.normal() * std) }
            }
        }
    }

    package func zeroGradients() { gradients.zero() }

    // MARK: Forward

    /// Runs the model on a batch and returns the masked token-mean NLL
    /// `Σ m·(−log p(y)) / Σ m` (0 when the mask is empty).
    ///
    /// - tokens: (B,T) input ids in `0..<vocab`;
    /// - targets: (B,T) next-token ids, or −1 where there is none;
    /// - mask: (B,T) non-negative weights, 0 where a position must not count (questions, padding).
    @discardableResult
    package func forward(
        tokens: [Int32], targets: [Int32], mask: [Float], batch B: Int, seq T: Int, scope: ForwardScope
    )
        throws(ModelError) -> Double
    {
        try validate(tokens: tokens, targets: targets, mask: mask, B: B, T: T)
        let a = arena.reusing(B: B, T: T, makeArena)
        let N = B * T, C = config.nEmbd, V = config.vocabSize, NH = config.nHead
        a.shape.sharedPrefix = scope == .loss ? ForwardInputs.sharedPrefix(tokens: tokens, mask: mask, B: B, T: T) : 0
        let P = a.shape.sharedPrefix
        tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: N) }
        targets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: N) }
        let w = parameters.base

        Encoder.forward(out: a.encoded, tokens: a.tokens, wte: w + slots.wte, wpe: w + slots.wpe, B: B, T: T, C: C)
        var residual = a.encoded
        for (l, s) in slots.blocks.enumerated() {
            let h = a.blocks[l]
            LayerNorm.forward(
                out: h.ln1, mean: h.ln1Mean, rstd: h.ln1Rstd, inp: residual,
                weight: w + s.ln1w, bias: w + s.ln1b, eps: config.layerNormEpsilon, N: N, C: C)
            Linear.forward(
                out: h.qkv, inp: h.ln1, weight: w + s.attnW, bias: w + s.attnB, N: N, T: T, sharedPrefix: P, C: C, OC: 3 * C)
            Attention.forward(out: h.atty, att: h.att, qkv: h.qkv, B: B, T: T, C: C, NH: NH)
            Linear.forward(
                out: h.res2, inp: h.atty, weight: w + s.projW, bias: w + s.projB,
                residual: residual, N: N, T: T, sharedPrefix: P, C: C, OC: C)
            LayerNorm.forward(
                out: h.ln2, mean: h.ln2Mean, rstd: h.ln2Rstd, inp: h.res2,
                weight: w + s.ln2w, bias: w + s.ln2b, eps: config.layerNormEpsilon, N: N, C: C)
            Linear.forward(
                out: h.fch, inp: h.ln2, weight: w + s.fcW, bias: w + s.fcB, N: N, T: T, sharedPrefix: P, C: C, OC: 4 * C)
            GELU.forward(out: h.fchGelu, inp: h.fch, count: N * 4 * C)
            Linear.forward(
                out: h.res3, inp: h.fchGelu, weight: w + s.mlpProjW, bias: w + s.mlpProjB,
                residual: h.res2, N: N, T: T, sharedPrefix: P, C: 4 * C, OC: C)
            residual = h.res3
        }
        LayerNorm.forward(
            out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: residual,
            weight: w + slots.lnfw, bias: w + slots.lnfb, eps: config.layerNormEpsilon, N: N, C: C)
        OutputHead.forward(
            scope, state: a.head, logits: a.logits, lse: a.lse, logp: a.logp, input: a.lnf, weight: w + slots.wte,
            bias: nil, targets: a.targets, mask: mask, B: B, T: T, C: C, V: V)

        return ForwardInputs.meanNLL(targetLogProbs: a.logp, mask: mask)
    }

    /// The output side of the last forward pass, behind the `OutputArenaModel` accessors.
    package var lastOutputs: any OutputArena { current() }

    /// Drops the activation arena; the next forward pass allocates a new one.
    package func releaseActivations() { arena.release() }

    package func reserveActivations(batch B: Int, seq T: Int) { arena.reserve(B: B, T: T, makeArena) }

    /// A new activation arena for passes of up to (B,T).
    private func makeArena(_ B: Int, _ T: Int) -> GPTActivations {
        GPTActivations(config: config, B: B, T: T, workers: Parallel.workers)
    }

    /// Whether the last forward pass ran on exactly these inputs (shape, tokens and targets): its
    /// activations then stand for a new pass on them, as long as the parameters have not changed.
    package func lastForwardRan(
        tokens: [Int32], targets: [Int32], mask: [Float], batch B: Int, seq T: Int, scope: ForwardScope
    ) -> Bool {
        arena.ran(tokens: tokens, targets: targets, mask: mask, B: B, T: T, scope: scope)
    }

    /// The residual stream after block `block` (its output) in the last forward pass, (B·T, C).
    package func hiddenState(afterBlock block: Int) -> UnsafeBufferPointer<Float> {
        let a = current()
        return .init(start: a.blocks[block].res3, count: a.B * a.T * config.nEmbd)
    }

    // MARK: Backward

    /// Backpropagates `logitGradient` (B·T, V) through the last forward pass, accumulating into
    /// `gradients`; each of `residualGradients` joins the gradient on the residual stream after
    /// its block. The start the sequences share (`ArenaShape.sharedPrefix`) backpropagates once,
    /// from the first sequence (`SharedPrefixGradient`).
    package func backward(logitGradient: UnsafePointer<Float>, residualGradients: [ResidualGradient]) {
        let a = current()
        let B = a.B, T = a.T, N = B * T, C = config.nEmbd, V = config.vocabSize, NH = config.nHead
        let P = a.shape.sharedPrefix, rows = a.prefixRows
        precondition(gradients.count == layout.count, "backward on a frozen model (it has no gradient buffer)")
        let w = parameters.base, g = gradients.base

        // Head (tied): logits = lnf·wteᵀ (no gradient on the shared start: no position there counts).
        OutputHead.backward(
            state: a.head, dinput: a.dln, dweight: g + slots.wte, dbias: nil, dlogits: logitGradient, input: a.lnf,
            weight: w + slots.wte, ones: nil, B: B, T: T, C: C, V: V)
        a.dres.update(repeating: 0, count: N * C)
        let last = a.blocks.last?.res3 ?? a.encoded
        LayerNorm.backward(
            dinp: a.dres, dweight: g + slots.lnfw, dbias: g + slots.lnfb, dout: a.dln,
            inp: last, weight: w + slots.lnfw, mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)

        for l in stride(from: config.nLayer - 1, through: 0, by: -1) {
            let h = a.blocks[l], s = slots.blocks[l]
            for r in residualGradients where r.block == l {
                RowOps.add(r.gradient, into: a.dres, count: N * C)
                SharedPrefixGradient.fold(a.dres, width: C, B: B, T: T, P: P)
            }
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].res3
            // MLP: res3 = res2 + c_proj(gelu(c_fc(ln_2(res2)))).
            Linear.backward(
                dinp: a.dfc, dweight: g + s.mlpProjW, dbias: g + s.mlpProjB, dout: a.dres,
                inp: h.fchGelu, weight: w + s.mlpProjW, ones: a.ones, N: N, T: T, sharedPrefix: P, scratch: rows, C: 4 * C,
                OC: C)
            GELU.backward(dinp: a.dfc, inp: h.fch, dout: a.dfc, count: N * 4 * C)
            Linear.backward(
                dinp: a.dln, dweight: g + s.fcW, dbias: g + s.fcB, dout: a.dfc,
                inp: h.ln2, weight: w + s.fcW, ones: a.ones, N: N, T: T, sharedPrefix: P, scratch: rows, C: C, OC: 4 * C)
            LayerNorm.backward(
                dinp: a.dres, dweight: g + s.ln2w, dbias: g + s.ln2b, dout: a.dln,
                inp: h.res2, weight: w + s.ln2w, mean: h.ln2Mean, rstd: h.ln2Rstd, N: N, C: C)
            // Attention: res2 = res + c_proj(attn(c_attn(ln_1(res)))).
            Linear.backward(
                dinp: a.datty, dweight: g + s.projW, dbias: g + s.projB, dout: a.dres,
                inp: h.atty, weight: w + s.projW, ones: a.ones, N: N, T: T, sharedPrefix: P, scratch: rows, C: C, OC: C)
            Attention.backward(
                dqkv: a.dqkv, scratch: a.attScratch, scratchSlots: a.attScratchSlots, dout: a.datty, att: h.att, qkv: h.qkv,
                B: B, T: T, C: C, NH: NH)
            // Every sequence's later queries read the shared keys and values: their gradient joins the first's.
            SharedPrefixGradient.fold(a.dqkv, width: 3 * C, B: B, T: T, P: P)
            Linear.backward(
                dinp: a.dln, dweight: g + s.attnW, dbias: g + s.attnB, dout: a.dqkv,
                inp: h.ln1, weight: w + s.attnW, ones: a.ones, N: N, T: T, sharedPrefix: P, scratch: rows, C: C, OC: 3 * C)
            LayerNorm.backward(
                dinp: a.dres, dweight: g + s.ln1w, dbias: g + s.ln1b, dout: a.dln,
                inp: residualIn, weight: w + s.ln1w, mean: h.ln1Mean, rstd: h.ln1Rstd, N: N, C: C)
        }
        Encoder.backward(dwte: g + slots.wte, dwpe: g + slots.wpe, dout: a.dres, tokens: a.tokens, B: B, T: T, C: C)
        if let input = inputEmbeddingGradient {
            Encoder.tokenEmbeddingBackward(dwte: input.base, dout: a.dres, tokens: a.tokens, N: N, C: C)
        }
    }

    // MARK: Plumbing

    func current() -> GPTActivations { arena.current }

    private func validate(tokens: [Int32], targets: [Int32], mask: [Float], B: Int, T: Int) throws(ModelError) {
        try ForwardInputs.validate(
            tokens: tokens, targets: targets, mask: mask, B: B, T: T,
            vocabSize: config.vocabSize, blockSize: config.blockSize)
    }
}

/// Offsets of every tensor in the flat buffer, resolved once from the layout.
struct Slots {
    struct Block {
        let ln1w, ln1b, attnW, attnB, projW, projB, ln2w, ln2b, fcW, fcB, mlpProjW, mlpProjB: Int
    }
    let wte, wpe, lnfw, lnfb: Int
    let blocks: [Block]

    init(layout: ParameterLayout, nLayer: Int) {
        func at(_ name: String) -> Int {
            guard let s = layout[name] else { preconditionFailure("layout has no \(name)") }
            return s.offset
        }
        wte = at("wte.weight"); wpe = at("wpe.weight")
        lnfw = at("ln_f.weight"); lnfb = at("ln_f.bias")
        blocks = (0..<nLayer).map { l in
            let p = "h.\(l)."
            return Block(
                ln1w: at(p + "ln_1.weight"), ln1b: at(p + "ln_1.bias"),
                attnW: at(p + "attn.c_attn.weight"), attnB: at(p + "attn.c_attn.bias"),
                projW: at(p + "attn.c_proj.weight"), projB: at(p + "attn.c_proj.bias"),
                ln2w: at(p + "ln_2.weight"), ln2b: at(p + "ln_2.bias"),
                fcW: at(p + "mlp.c_fc.weight"), fcB: at(p + "mlp.c_fc.bias"),
                mlpProjW: at(p + "mlp.c_proj.weight"), mlpProjB: at(p + "mlp.c_proj.bias"))
        }
    }
}
