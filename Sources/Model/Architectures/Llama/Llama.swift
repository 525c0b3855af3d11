import NumericCore

/// A Llama (SmolLM2's architecture): pre-RMSNorm blocks with rotary embeddings, grouped-query
/// causal attention and a SwiGLU MLP, all parameters in one flat buffer:
///
///     x₀ = E[tokens]
///     xₗ′ = xₗ + o_proj(attn(rope(q_proj(n₁)), rope(k_proj(n₁)), v_proj(n₁))),  n₁ = rms₁(xₗ)
///     xₗ₊₁ = xₗ′ + down_proj(silu(gate_proj(n₂)) ⊙ up_proj(n₂)),                n₂ = rms₂(xₗ′)
///     logits = rms_f(x_L) · Hᵀ,   H = E when the embeddings are tied, else lm_head
///
/// Each projection `p(x) = x·Wᵀ [+ b]` carries a bias where the configuration says so (Llama's
/// `attention_bias` and `mlp_bias`, Qwen2's q/k/v biases); heads may be wider or narrower than
/// C/NH (`head_dim`: q is NH·hs wide, o_proj maps it back to C), and the rotary frequencies may
/// be rescaled (`rope_scaling`). The same class computes `mistral` and `qwen2` checkpoints.
///
/// The public interface is `GPT`'s, member for member, so that objectives and instrumentation
/// can drive either. `forward` keeps what `backward` needs; `backward` takes a gradient on the
/// logits (from any objective) and accumulates into `gradients`, the twin of `parameters`.
package final class Llama: OutputArenaModel {
    package let config: LlamaConfig
    package let layout: ParameterLayout
    package let parameters: FloatBuffer
    package let gradients: FloatBuffer
    /// When set (V·C floats), `backward` also accumulates here the input side of the embedding's
    /// gradient — the lookup's share of `model.embed_tokens.weight`'s; with tied embeddings the
    /// rest is the output head's. Instrumentation uses it to split the tied matrix's G-effect.
    package var inputEmbeddingGradient: FloatBuffer?

    let slots: LlamaSlots
    private let arena = ArenaSlot<LlamaActivations>(model: "Llama")

    /// A model with every parameter zero (load or initialise them next). A `frozen` model has no
    /// gradient buffer: it only runs forward (the reference θ_o), and `backward` refuses it.
    package init(config: LlamaConfig, frozen: Bool = false) throws(ModelError) {
        try config.validate()
        self.config = config
        layout = config.parameterLayout()
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: frozen ? 0 : layout.count)
        slots = LlamaSlots(layout: layout, config: config)
    }

    /// A model with the given flat parameters (in `config.parameterLayout()` order).
    package convenience init(config: LlamaConfig, parameters values: [Float]) throws(ModelError) {
        try self.init(config: config)
        guard values.count == layout.count else {
            throw .shapeMismatch("\(values.count) parameter values for a model of \(layout.count)")
        }
        values.withUnsafeBufferPointer { parameters.base.update(from: $0.baseAddress!, count: values.count) }
    }

    /// Whether this is a frozen model (no gradient buffer): forward passes only, on an arena
    /// whose blocks share their buffers.
    var isFrozen: Bool { gradients.count == 0 }

    package var vocabSize: Int { config.vocabSize }
    /// `config.contextLength`: the block size, capped at a sliding window.
    package var contextLength: Int { config.contextLength }
    package var blockCount: Int { config.nLayer }
    package var blockUnits: [BlockUnits] { config.blockUnits(layout) }
    package var width: Int { config.nEmbd }

    /// A model with the same configuration and a copy of the parameters.
    package func copy() throws(ModelError) -> Llama { try copy(frozen: false) }
    package func frozenCopy() throws(ModelError) -> Llama { try copy(frozen: true) }
    /// A model of the same configuration with these parameters, copied buffer to buffer.
    private func copy(frozen: Bool) throws(ModelError) -> Llama {
        let copy = try Llama(config: config, frozen: frozen)
        copy.parameters.base.update(from: parameters.base, count: layout.count)
        return copy
    }
    /// `config.json` of a checkpoint: transformers' (`Checkpoint.llamaConfigJSON`).
    package var configurationJSON: String { Checkpoint.llamaConfigJSON(config) }
    /// `Checkpoint.saveLlama` of the configuration and parameters.
    package func saveCheckpoint(to directory: String) throws(ModelError) {
        try Checkpoint.saveLlama(config: config, parameters: UnsafeBufferPointer(parameters.buffer), to: directory)
    }

    /// Hugging Face's Llama initialisation: every matrix ~ N(0, std²) (`initializer_range`,
    /// 0.02), biases 0, RMSNorm gains 1. Draws in buffer order.
    package func initializeLlama(rng: inout RNG, std: Double = 0.02) {
        for slot in layout.slots {
            let p = parameters.base + slot.offset
            if slot.isMatrix {
                for i in 0..<slot.count { p[i] = Float(rng.normal() * std) }
            } else if slot.name.hasSuffix(".bias") {
                p.update(repeating: 0, count: slot.count)
            } else {
                p.update(repeating: 1, count: slot.count)
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
        try config.refuseBeyondSlidingWindow(T)
        try ForwardInputs.validate(
            tokens: tokens, targets: targets, mask: mask, B: B, T: T,
            vocabSize: config.vocabSize, blockSize: config.blockSize)
        let a = arena.reusing(B: B, T: T, makeArena)
        let N = B * T, C = config.nEmbd, V = config.vocabSize, F = config.ffnHidden
        let NH = config.nHead, NKV = config.nKVHead, QKV = config.qkvDim, Q = config.qDim, eps = Float(config.rmsNormEps)
        a.shape.sharedPrefix = scope == .loss ? ForwardInputs.sharedPrefix(tokens: tokens, mask: mask, B: B, T: T) : 0
        let P = a.shape.sharedPrefix
        tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: N) }
        targets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: N) }
        let w = parameters.base

        Encoder.tokenEmbeddingForward(out: a.encoded, tokens: a.tokens, wte: w + slots.embed, N: N, C: C)
        var residual = a.encoded
        for (l, s) in slots.blocks.enumerated() {
            let h = a.blocks[l]
            // Attention: res2 = res + o_proj(attn(rope(qkv(rms₁(res))))).
            RMSNorm.forward(out: h.attnNorm, rstd: h.attnRstd, inp: residual, weight: w + s.attnNorm, eps: eps, N: N, C: C)
            Linear.forward(
                out: h.qkv, inp: h.attnNorm, weight: w + s.qkv, bias: s.qkvBias.map { w + $0 }, N: N, T: T, sharedPrefix: P, C: C,
                OC: QKV)
            RotaryEmbedding.forward(
                h.qkv, cos: a.ropeCos, sin: a.ropeSin, heads: NH + NKV, headSize: config.headSize,
                ld: QKV, B: B, T: T)
            Attention.forward(out: h.atty, att: h.att, qkv: h.qkv, B: B, T: T, C: Q, NH: NH, kvHeads: NKV)
            Linear.forward(
                out: h.res2, inp: h.atty, weight: w + s.o, bias: s.oBias.map { w + $0 }, residual: residual,
                N: N, T: T, sharedPrefix: P, C: Q, OC: C)
            // MLP: res3 = res2 + down(silu(gate(rms₂(res2))) ⊙ up(rms₂(res2))).
            RMSNorm.forward(out: h.mlpNorm, rstd: h.mlpRstd, inp: h.res2, weight: w + s.mlpNorm, eps: eps, N: N, C: C)
            Linear.forward(
                out: h.gateUp, inp: h.mlpNorm, weight: w + s.gateUp, bias: s.gateUpBias.map { w + $0 },
                N: N, T: T, sharedPrefix: P, C: C, OC: 2 * F)
            SwiGLU.forward(out: h.act, inp: h.gateUp, N: N, F: F)
            Linear.forward(
                out: h.res3, inp: h.act, weight: w + s.down, bias: s.downBias.map { w + $0 }, residual: h.res2,
                N: N, T: T, sharedPrefix: P, C: F, OC: C)
            residual = h.res3
        }
        RMSNorm.forward(out: a.norm, rstd: a.normRstd, inp: residual, weight: w + slots.norm, eps: eps, N: N, C: C)
        OutputHead.forward(
            scope, state: a.head, logits: a.logits, lse: a.lse, logp: a.logp, input: a.norm, weight: w + slots.head,
            bias: nil, targets: a.targets, mask: mask, B: B, T: T, C: C, V: V)
        return ForwardInputs.meanNLL(targetLogProbs: a.logp, mask: mask)
    }

    /// The output side of the last forward pass, behind the `OutputArenaModel` accessors.
    package var lastOutputs: any OutputArena { current() }

    /// Drops the activation arena; the next forward pass allocates a new one.
    package func releaseActivations() { arena.release() }

    package func reserveActivations(batch B: Int, seq T: Int) { arena.reserve(B: B, T: T, makeArena) }

    /// A new activation arena for passes of up to (B,T).
    private func makeArena(_ B: Int, _ T: Int) -> LlamaActivations {
        LlamaActivations(config: config, B: B, T: T, workers: Parallel.workers, forwardOnly: isFrozen)
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
    package func backward(logitGradient: UnsafePointer<Float>, residualGradients: [ResidualGradient] = []) {
        let a = current()
        let B = a.B, T = a.T, N = B * T, C = config.nEmbd, V = config.vocabSize, F = config.ffnHidden
        let NH = config.nHead, NKV = config.nKVHead, QKV = config.qkvDim, Q = config.qDim
        let P = a.shape.sharedPrefix, rows = a.prefixRows
        precondition(gradients.count == layout.count, "backward on a frozen model (it has no gradient buffer)")
        let w = parameters.base, g = gradients.base

        // Head: logits = norm·Hᵀ (no gradient on the shared start: no position there counts).
        OutputHead.backward(
            state: a.head, dinput: a.dln, dweight: g + slots.head, dbias: nil, dlogits: logitGradient, input: a.norm,
            weight: w + slots.head, ones: nil, B: B, T: T, C: C, V: V)
        a.dres.update(repeating: 0, count: N * C)
        let last = a.blocks.last?.res3 ?? a.encoded
        RMSNorm.backward(
            dinp: a.dres, dweight: g + slots.norm, dout: a.dln, inp: last, weight: w + slots.norm,
            rstd: a.normRstd, N: N, C: C)

        for l in stride(from: config.nLayer - 1, through: 0, by: -1) {
            let h = a.blocks[l], s = slots.blocks[l]
            for r in residualGradients where r.block == l {
                RowOps.add(r.gradient, into: a.dres, count: N * C)
                SharedPrefixGradient.fold(a.dres, width: C, B: B, T: T, P: P)
            }
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].res3
            // MLP: res3 = res2 + down(silu(gate(rms₂(res2))) ⊙ up(rms₂(res2))).
            Linear.backward(
                dinp: a.dact, dweight: g + s.down, dbias: s.downBias.map { g + $0 }, dout: a.dres,
                inp: h.act, weight: w + s.down, ones: a.ones, N: N, T: T, sharedPrefix: P, scratch: rows, C: F, OC: C)
            SwiGLU.backward(dinp: a.dgateUp, inp: h.gateUp, dout: a.dact, N: N, F: F)
            Linear.backward(
                dinp: a.dln, dweight: g + s.gateUp, dbias: s.gateUpBias.map { g + $0 }, dout: a.dgateUp,
                inp: h.mlpNorm, weight: w + s.gateUp, ones: a.ones, N: N, T: T, sharedPrefix: P, scratch: rows, C: C,
                OC: 2 * F)
            RMSNorm.backward(
                dinp: a.dres, dweight: g + s.mlpNorm, dout: a.dln, inp: h.res2, weight: w + s.mlpNorm,
                rstd: h.mlpRstd, N: N, C: C)
            // Attention: res2 = res + o_proj(attn(rope(qkv(rms₁(res))))).
            Linear.backward(
                dinp: a.datty, dweight: g + s.o, dbias: s.oBias.map { g + $0 }, dout: a.dres,
                inp: h.atty, weight: w + s.o, ones: a.ones, N: N, T: T, sharedPrefix: P, scratch: rows, C: Q, OC: C)
            Attention.backward(
                dqkv: a.dqkv, scratch: a.attScratch, scratchSlots: a.attScratchSlots, dout: a.datty,
                att: h.att, qkv: h.qkv, B: B, T: T, C: Q, NH: NH, kvHeads: NKV)
            // Every sequence's later queries read the shared keys and values: their gradient joins the first's.
            SharedPrefixGradient.fold(a.dqkv, width: QKV, B: B, T: T, P: P)
            RotaryEmbedding.backward(
                a.dqkv, cos: a.ropeCos, sin: a.ropeSin, heads: NH + NKV, headSize: config.headSize,
                ld: QKV, B: B, T: T)
            Linear.backward(
                dinp: a.dln, dweight: g + s.qkv, dbias: s.qkvBias.map { g + $0 }, dout: a.dqkv,
                inp: h.attnNorm, weight: w + s.qkv, ones: a.ones, N: N, T: T, sharedPrefix: P, scratch: rows, C: C,
                OC: QKV)
            RMSNorm.backward(
                dinp: a.dres, dweight: g + s.attnNorm, dout: a.dln, inp: residualIn, weight: w + s.attnNorm,
                rstd: h.attnRstd, N: N, C: C)
        }
        Encoder.tokenEmbeddingBackward(dwte: g + slots.embed, dout: a.dres, tokens: a.tokens, N: N, C: C)
        if let input = inputEmbeddingGradient {
            Encoder.tokenEmbeddingBackward(dwte: input.base, dout: a.dres, tokens: a.tokens, N: N, C: C)
        }
    }

    // MARK: Plumbing

    func current() -> LlamaActivations { arena.current }
}
