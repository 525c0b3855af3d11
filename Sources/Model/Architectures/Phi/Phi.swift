import NumericCore

/// A Phi (Phi-1.5, Phi-2: transformers' `PhiForCausalLM`): blocks whose attention and MLP read
/// the same LayerNorm side by side, partial rotary embeddings, grouped-query causal attention,
/// a `gelu_new` MLP, biases on every linear layer and an untied, biased head, all parameters in
/// one flat buffer:
///
///     x₀ = E[tokens]
///     xₗ₊₁ = xₗ + dense(attn(prope(q), prope(k), v)) + fc2(gelu(fc1(n))),
///            q|k|v = qkv(n),  n = ln(xₗ)                                      for each block l
///     logits = ln_f(x_L)·Wᵀ + b                                               (lm_head)
///
/// `prope` turns the first `rotaryDim` dimensions of each head (`PartialRotaryEmbedding`), `gelu`
/// is the tanh approximation (`GELU`), and every `ln` is a LayerNorm with weight, bias and
/// `layer_norm_eps`. Dropout (`resid_pdrop`, `embd_pdrop`, `attention_dropout`) is never applied:
/// transformers' evaluation mode, and gscope trains without dropout.
///
/// The interface is `GPT`'s and `Llama`'s, member for member. `forward` keeps what `backward`
/// needs; `backward` takes a gradient on the logits (from any objective) and accumulates into
/// `gradients`, the twin of `parameters`.
package final class Phi: OutputArenaModel {
    package let config: PhiConfig
    package let layout: ParameterLayout
    package let parameters: FloatBuffer
    package let gradients: FloatBuffer
    /// When set (V·C floats), `backward` also accumulates here the input side of the embedding's
    /// gradient. The Phi's head is never tied, so this is all of `model.embed_tokens.weight`'s
    /// gradient (the head's gradient is `lm_head.weight`'s).
    package var inputEmbeddingGradient: FloatBuffer?

    let slots: PhiSlots
    private let arena = ArenaSlot<PhiActivations>(model: "Phi")

    /// A model with every parameter zero (load or initialise them next). A `frozen` model has no
    /// gradient buffer: it only runs forward (the reference θ_o), and `backward` refuses it.
    package init(config: PhiConfig, frozen: Bool = false) throws(ModelError) {
        try config.validate()
        self.config = config
        layout = config.parameterLayout()
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: frozen ? 0 : layout.count)
        slots = PhiSlots(layout: layout, config: config)
    }

    /// A model with the given flat parameters (in `config.parameterLayout()` order).
    package convenience init(config: PhiConfig, parameters values: [Float]) throws(ModelError) {
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
    package func copy() throws(ModelError) -> Phi { try copy(frozen: false) }
    package func frozenCopy() throws(ModelError) -> Phi { try copy(frozen: true) }
    /// A model of the same configuration with these parameters, copied buffer to buffer.
    private func copy(frozen: Bool) throws(ModelError) -> Phi {
        let copy = try Phi(config: config, frozen: frozen)
        copy.parameters.base.update(from: parameters.base, count: layout.count)
        return copy
    }
    /// `config.json` of a checkpoint: transformers' (`Checkpoint.phiConfigJSON`).
    package var configurationJSON: String { Checkpoint.phiConfigJSON(config) }
    /// `Checkpoint.savePhi` of the configuration and parameters.
    package func saveCheckpoint(to directory: String) throws(ModelError) {
        try Checkpoint.savePhi(config: config, parameters: UnsafeBufferPointer(parameters.buffer), to: directory)
    }

    /// Hugging Face's initialisation of a Phi: every matrix (linear weights, the embedding) ~
    /// N(0, std²) (`initializer_range`, 0.02), biases 0, LayerNorm gains 1. Draws in buffer order.
    package func initializePhi(rng: inout RNG, std: Double = 0.02) {
        for slot in layout.slots {
            let p = parameters.base + slot.offset
            if slot.isMatrix {
                for i in 0..<slot.count { p[i] = Float(rng.normal() * std) }
            } else {
                p.update(repeating: slot.name.hasSuffix("layernorm.weight") ? 1 : 0, count: slot.count)
            }
        }
    }

    package func zeroGradients() { gradients.zero() }

    // MARK: Forward

    /// Runs the model on a batch and returns the masked token-mean NLL
    /// `Σ m·(−log p(y)) / Σ m` (0 when the mask is empty).
    ///
    /// - tokens: (B,T) input ids in `0..<vocab`, at positions 0..<T;
    /// - targets: (B,T) next-token ids, or −1 where there is none;
    /// - mask: (B,T) non-negative weights, 0 where a position must not count (questions, padding).
    @discardableResult
    package func forward(
        tokens: [Int32], targets: [Int32], mask: [Float], batch B: Int, seq T: Int, scope: ForwardScope
    )
        throws(ModelError) -> Double
    {
        try ForwardInputs.validate(
            tokens: tokens, targets: targets, mask: mask, B: B, T: T,
            vocabSize: config.vocabSize, blockSize: config.blockSize)
        let a = arena.reusing(B: B, T: T, makeArena)
        let N = B * T, C = config.nEmbd, V = config.vocabSize, F = config.ffnHidden
        let NH = config.nHead, NKV = config.nKVHead, QKV = config.qkvDim, eps = Float(config.layerNormEps)
        tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: N) }
        targets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: N) }
        let w = parameters.base

        Encoder.tokenEmbeddingForward(out: a.encoded, tokens: a.tokens, wte: w + slots.embed, N: N, C: C)
        var residual = a.encoded
        for (l, s) in slots.blocks.enumerated() {
            let h = a.blocks[l]
            LayerNorm.forward(
                out: h.ln, mean: h.lnMean, rstd: h.lnRstd, inp: residual, weight: w + s.lnW, bias: w + s.lnB, eps: eps,
                N: N, C: C)
            // Attention: out = res + dense(attn(prope(qkv(ln(res))))).
            Linear.forward(out: h.qkv, inp: h.ln, weight: w + s.qkvW, bias: w + s.qkvB, N: N, T: T, C: C, OC: QKV)
            PartialRotaryEmbedding.forward(
                h.qkv, cos: a.ropeCos, sin: a.ropeSin, heads: NH + NKV, headSize: config.headSize,
                rotaryDim: config.rotaryDim, ld: QKV, B: B, T: T)
            Attention.forward(out: h.atty, att: h.att, qkv: h.qkv, B: B, T: T, C: C, NH: NH, kvHeads: NKV)
            Linear.forward(
                out: h.out, inp: h.atty, weight: w + s.denseW, bias: w + s.denseB, residual: residual,
                N: N, T: T, C: C, OC: C)
            // MLP, beside it on the same LayerNorm: out += fc2(gelu(fc1(ln(res)))).
            Linear.forward(out: h.fch, inp: h.ln, weight: w + s.fc1W, bias: w + s.fc1B, N: N, T: T, C: C, OC: F)
            GELU.forward(out: h.fchGelu, inp: h.fch, count: N * F)
            Linear.forward(
                out: h.out, inp: h.fchGelu, weight: w + s.fc2W, bias: w + s.fc2B, residual: h.out,
                N: N, T: T, C: F, OC: C)
            residual = h.out
        }
        LayerNorm.forward(
            out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: residual, weight: w + slots.finalLnW,
            bias: w + slots.finalLnB, eps: eps, N: N, C: C)
        OutputHead.forward(
            scope, state: a.head, logits: a.logits, lse: a.lse, logp: a.logp, input: a.lnf, weight: w + slots.headW,
            bias: w + slots.headB, targets: a.targets, mask: mask, B: B, T: T, C: C, V: V)
        return ForwardInputs.meanNLL(targetLogProbs: a.logp, mask: mask)
    }

    /// The output side of the last forward pass, behind the `OutputArenaModel` accessors.
    package var lastOutputs: any OutputArena { current() }

    /// Drops the activation arena; the next forward pass allocates a new one.
    package func releaseActivations() { arena.release() }

    package func reserveActivations(batch B: Int, seq T: Int) { arena.reserve(B: B, T: T, makeArena) }

    /// A new activation arena for passes of up to (B,T).
    private func makeArena(_ B: Int, _ T: Int) -> PhiActivations {
        PhiActivations(config: config, B: B, T: T, workers: Parallel.workers)
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
        return .init(start: a.blocks[block].out, count: a.B * a.T * config.nEmbd)
    }

    // MARK: Backward

    /// Backpropagates `logitGradient` (B·T, V) through the last forward pass, accumulating into
    /// `gradients`; each of `residualGradients` joins the gradient on the residual stream after
    /// its block.
    ///
    /// In a block, the gradient g on its output reaches its input three ways: directly (the
    /// residual), and through each branch to the shared LayerNorm output n, whose gradient is the
    /// sum of the two branches' before the LayerNorm's backward adds its share to g.
    package func backward(logitGradient: UnsafePointer<Float>, residualGradients: [ResidualGradient] = []) {
        let a = current()
        let B = a.B, T = a.T, N = B * T, C = config.nEmbd, V = config.vocabSize, F = config.ffnHidden
        let NH = config.nHead, NKV = config.nKVHead, QKV = config.qkvDim
        precondition(gradients.count == layout.count, "backward on a frozen model (it has no gradient buffer)")
        let w = parameters.base, g = gradients.base

        // Head: logits = lnf·Wᵀ + b.
        OutputHead.backward(
            state: a.head, dinput: a.dln, dweight: g + slots.headW, dbias: g + slots.headB, dlogits: logitGradient,
            input: a.lnf, weight: w + slots.headW, ones: a.ones, B: B, T: T, C: C, V: V)
        a.dres.update(repeating: 0, count: N * C)
        let last = a.blocks.last?.out ?? a.encoded
        LayerNorm.backward(
            dinp: a.dres, dweight: g + slots.finalLnW, dbias: g + slots.finalLnB, dout: a.dln,
            inp: last, weight: w + slots.finalLnW, mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)

        for l in stride(from: config.nLayer - 1, through: 0, by: -1) {
            let h = a.blocks[l], s = slots.blocks[l]
            for r in residualGradients where r.block == l { RowOps.add(r.gradient, into: a.dres, count: N * C) }
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].out
            // MLP: fc2(gelu(fc1(n))) → its share of ∂n in dln.
            Linear.backward(
                dinp: a.dfc, dweight: g + s.fc2W, dbias: g + s.fc2B, dout: a.dres,
                inp: h.fchGelu, weight: w + s.fc2W, ones: a.ones, N: N, T: T, C: F, OC: C)
            GELU.backward(dinp: a.dfc, inp: h.fch, dout: a.dfc, count: N * F)
            Linear.backward(
                dinp: a.dln, dweight: g + s.fc1W, dbias: g + s.fc1B, dout: a.dfc,
                inp: h.ln, weight: w + s.fc1W, ones: a.ones, N: N, T: T, C: C, OC: F)
            // Attention: dense(attn(prope(qkv(n)))) → its share of ∂n in dlnAttention.
            Linear.backward(
                dinp: a.datty, dweight: g + s.denseW, dbias: g + s.denseB, dout: a.dres,
                inp: h.atty, weight: w + s.denseW, ones: a.ones, N: N, T: T, C: C, OC: C)
            Attention.backward(
                dqkv: a.dqkv, scratch: a.attScratch, scratchSlots: a.attScratchSlots, dout: a.datty,
                att: h.att, qkv: h.qkv, B: B, T: T, C: C, NH: NH, kvHeads: NKV)
            PartialRotaryEmbedding.backward(
                a.dqkv, cos: a.ropeCos, sin: a.ropeSin, heads: NH + NKV, headSize: config.headSize,
                rotaryDim: config.rotaryDim, ld: QKV, B: B, T: T)
            Linear.backward(
                dinp: a.dlnAttention, dweight: g + s.qkvW, dbias: g + s.qkvB, dout: a.dqkv,
                inp: h.ln, weight: w + s.qkvW, ones: a.ones, N: N, T: T, C: C, OC: QKV)
            // The shared LayerNorm: ∂n = both shares; its backward adds ∂res to the residual's.
            RowOps.add(a.dlnAttention, into: a.dln, count: N * C)
            LayerNorm.backward(
                dinp: a.dres, dweight: g + s.lnW, dbias: g + s.lnB, dout: a.dln,
                inp: residualIn, weight: w + s.lnW, mean: h.lnMean, rstd: h.lnRstd, N: N, C: C)
        }
        Encoder.tokenEmbeddingBackward(dwte: g + slots.embed, dout: a.dres, tokens: a.tokens, N: N, C: C)
        if let input = inputEmbeddingGradient {
            Encoder.tokenEmbeddingBackward(dwte: input.base, dout: a.dres, tokens: a.tokens, N: N, C: C)
        }
    }

    // MARK: Plumbing

    func current() -> PhiActivations { arena.current }
}
