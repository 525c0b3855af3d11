import NumericCore

/// SimNPO's reference Markov transformer (REFERENCE §4; the `TransformerModel` of the public code
/// of "Simplicity Prevails", OPTML-Group/Unlearn-Simple): post-LayerNorm blocks, each one causal
/// attention head over the whole width C without biases or output projection and a ReLU MLP of
/// width C, learned positions and an untied head with a bias, all parameters in one flat buffer:
///
///     x₀ = E[tokens] + P[0..<T]
///     s = xₗ + softmax(q·kᵀ/√C + causal)·v,   q|k|v = xₗ·[W_q; W_k; W_v]ᵀ
///     n = ln₁(s),   xₗ₊₁ = ln₂(n + W₂·relu(W₁·n + b₁) + b₂)                 for each block l
///     logits = x_L·Wᵀ + b                                                  (output_layer)
///
/// Every `ln` is a LayerNorm with weight, bias and `layerNormEps` (1e−5); there is no final
/// LayerNorm (the last block's `ln₂` feeds the head). The public code's attention adds its causal
/// mask as +1 on visible scores and −∞ on the others; a constant shift of a row's visible scores
/// leaves its softmax unchanged, so this is the ordinary causal softmax. Dropout is 0 there.
///
/// The interface is `GPT`'s, member for member. `forward` keeps what `backward` needs; `backward`
/// takes a gradient on the logits (from any objective) and accumulates into `gradients`, the twin
/// of `parameters`.
package final class MarkovReference: OutputArenaModel {
    package let config: MarkovReferenceConfig
    package let layout: ParameterLayout
    package let parameters: FloatBuffer
    package let gradients: FloatBuffer
    /// When set (V·C floats), `backward` also accumulates here the input side of the embedding's
    /// gradient. The head is never tied, so this is all of `embedding.weight`'s gradient.
    package var inputEmbeddingGradient: FloatBuffer?

    let slots: MarkovReferenceSlots
    private let arena = ArenaSlot<MarkovReferenceActivations>(model: "MarkovReference")

    /// A model with every parameter zero (load or initialise them next). A `frozen` model has no
    /// gradient buffer: it only runs forward (the reference θ_o), and `backward` refuses it.
    package init(config: MarkovReferenceConfig, frozen: Bool = false) throws(ModelError) {
        try config.validate()
        self.config = config
        layout = config.parameterLayout()
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: frozen ? 0 : layout.count)
        slots = MarkovReferenceSlots(layout: layout, config: config)
    }

    /// A model with the given flat parameters (in `config.parameterLayout()` order).
    package convenience init(config: MarkovReferenceConfig, parameters values: [Float]) throws(ModelError) {
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
    package func copy() throws(ModelError) -> MarkovReference { try copy(frozen: false) }
    package func frozenCopy() throws(ModelError) -> MarkovReference { try copy(frozen: true) }
    /// A model of the same configuration with these parameters, copied buffer to buffer.
    private func copy(frozen: Bool) throws(ModelError) -> MarkovReference {
        let copy = try MarkovReference(config: config, frozen: frozen)
        copy.parameters.base.update(from: parameters.base, count: layout.count)
        return copy
    }
    /// `config.json` of a checkpoint (`Checkpoint.markovReferenceConfigJSON`).
    package var configurationJSON: String { Checkpoint.markovReferenceConfigJSON(config) }
    /// `Checkpoint.saveMarkovReference` of the configuration and parameters.
    package func saveCheckpoint(to directory: String) throws(ModelError) {
        try Checkpoint.saveMarkovReference(config: config, parameters: UnsafeBufferPointer(parameters.buffer), to: directory)
    }

    /// The standard deviation the public code gives the positions (`wpe.weight.normal_(0,
    /// initializer_range)` with GPT-2's `initializer_range` 0.02).
    package static let positionStd = 0.02

    /// PyTorch's default initialisation, as the public code's modules receive it, drawing from
    /// `rng` in buffer order: the token embedding ~ N(0, 1) (`nn.Embedding`); the positions
    /// ~ N(0, 0.02²) (`positionStd`); every linear weight and bias ~ U(−1/√fan_in, 1/√fan_in)
    /// (`nn.Linear`: Kaiming-uniform with a = √5 gives the bound gain·√(3/fan_in) with
    /// gain = √(2/(1 + 5)), i.e. 1/√fan_in; fan_in = C for every linear layer); LayerNorm
    /// weights 1 and biases 0.
    package func initializePyTorchDefault(rng: inout RNG) {
        let bound = 1 / Double(config.nEmbd).squareRoot()
        for slot in layout.slots {
            let p = parameters.base + slot.offset
            if slot.name == "embedding.weight" || slot.name == "transformer.wpe.weight" {
                let std = slot.name == "embedding.weight" ? 1 : Self.positionStd
                for i in 0..<slot.count { p[i] = Float(rng.normal() * std) }
            } else if slot.name.contains("_lns_") {
                p.update(repeating: slot.name.hasSuffix(".weight") ? 1 : 0, count: slot.count)
            } else {
                for i in 0..<slot.count { p[i] = Float((2 * rng.uniform() - 1) * bound) }
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
    /// - mask: (B,T) non-negative weights, 0 where a position must not count (padding).
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
        let N = B * T, C = config.nEmbd, V = config.vocabSize, eps = Float(config.layerNormEps)
        tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: N) }
        targets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: N) }
        let w = parameters.base

        Encoder.forward(out: a.encoded, tokens: a.tokens, wte: w + slots.embed, wpe: w + slots.positions, B: B, T: T, C: C)
        var residual = a.encoded
        for (l, s) in slots.blocks.enumerated() {
            let h = a.blocks[l]
            // Attention on the block's input itself: sum₁ = x + attn(x), one head of width C.
            Linear.forward(out: h.qkv, inp: residual, weight: w + s.qkvW, bias: nil, N: N, T: T, C: C, OC: 3 * C)
            Attention.forward(out: h.sum1, att: h.att, qkv: h.qkv, B: B, T: T, C: C, NH: 1)
            RowOps.add(residual, into: h.sum1, count: N * C)
            LayerNorm.forward(
                out: h.ln1, mean: h.ln1Mean, rstd: h.ln1Rstd, inp: h.sum1, weight: w + s.ln1W, bias: w + s.ln1B,
                eps: eps, N: N, C: C)
            // MLP on the normalised stream: sum₂ = n + W₂·relu(W₁·n + b₁) + b₂, then ln₂.
            Linear.forward(out: h.fc, inp: h.ln1, weight: w + s.fc1W, bias: w + s.fc1B, N: N, T: T, C: C, OC: C)
            ReLU.forward(out: h.fcRelu, inp: h.fc, count: N * C)
            Linear.forward(
                out: h.sum2, inp: h.fcRelu, weight: w + s.fc2W, bias: w + s.fc2B, residual: h.ln1, N: N, T: T, C: C, OC: C)
            LayerNorm.forward(
                out: h.out, mean: h.ln2Mean, rstd: h.ln2Rstd, inp: h.sum2, weight: w + s.ln2W, bias: w + s.ln2B,
                eps: eps, N: N, C: C)
            residual = h.out
        }
        OutputHead.forward(
            scope, state: a.head, logits: a.logits, lse: a.lse, logp: a.logp, input: residual, weight: w + slots.headW,
            bias: w + slots.headB, targets: a.targets, mask: mask, B: B, T: T, C: C, V: V)
        return ForwardInputs.meanNLL(targetLogProbs: a.logp, mask: mask)
    }

    /// The output side of the last forward pass, behind the `OutputArenaModel` accessors.
    package var lastOutputs: any OutputArena { current() }

    /// Drops the activation arena; the next forward pass allocates a new one.
    package func releaseActivations() { arena.release() }

    package func reserveActivations(batch B: Int, seq T: Int) { arena.reserve(B: B, T: T, makeArena) }

    /// A new activation arena for passes of up to (B,T).
    private func makeArena(_ B: Int, _ T: Int) -> MarkovReferenceActivations {
        MarkovReferenceActivations(config: config, B: B, T: T, workers: Parallel.workers)
    }

    /// Whether the last forward pass ran on exactly these inputs (shape, tokens and targets): its
    /// activations then stand for a new pass on them, as long as the parameters have not changed.
    package func lastForwardRan(
        tokens: [Int32], targets: [Int32], mask: [Float], batch B: Int, seq T: Int, scope: ForwardScope
    ) -> Bool {
        arena.ran(tokens: tokens, targets: targets, mask: mask, B: B, T: T, scope: scope)
    }

    /// The residual stream after block `block` (its output, after `ln₂`) in the last forward pass,
    /// (B·T, C).
    package func hiddenState(afterBlock block: Int) -> UnsafeBufferPointer<Float> {
        let a = current()
        return .init(start: a.blocks[block].out, count: a.B * a.T * config.nEmbd)
    }

    // MARK: Backward

    /// Backpropagates `logitGradient` (B·T, V) through the last forward pass, accumulating into
    /// `gradients`; each of `residualGradients` joins the gradient on the residual stream after
    /// its block (the block's output, after `ln₂`).
    ///
    /// In a block, with g the gradient on its output: ∂sum₂ = ln₂ᵀ(g); the MLP's residual gives
    /// ∂n = ∂sum₂ + W₁ᵀ·(relu′ ⊙ W₂ᵀ·∂sum₂); ∂sum₁ = ln₁ᵀ(∂n); and the attention's residual gives
    /// the gradient on the block's input, ∂x = ∂sum₁ + [W_q; W_k; W_v]ᵀ·attnᵀ(∂sum₁).
    package func backward(logitGradient: UnsafePointer<Float>, residualGradients: [ResidualGradient] = []) {
        let a = current()
        let B = a.B, T = a.T, N = B * T, C = config.nEmbd, V = config.vocabSize
        precondition(gradients.count == layout.count, "backward on a frozen model (it has no gradient buffer)")
        let w = parameters.base, g = gradients.base

        // Head: logits = x_L·Wᵀ + b.
        let last = a.blocks.last?.out ?? a.encoded
        OutputHead.backward(
            state: a.head, dinput: a.dres, dweight: g + slots.headW, dbias: g + slots.headB, dlogits: logitGradient,
            input: last, weight: w + slots.headW, ones: a.ones, B: B, T: T, C: C, V: V)

        for l in stride(from: config.nLayer - 1, through: 0, by: -1) {
            let h = a.blocks[l], s = slots.blocks[l]
            for r in residualGradients where r.block == l { RowOps.add(r.gradient, into: a.dres, count: N * C) }
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].out
            // out = ln₂(sum₂): ∂sum₂ in dsum.
            a.dsum.update(repeating: 0, count: N * C)
            LayerNorm.backward(
                dinp: a.dsum, dweight: g + s.ln2W, dbias: g + s.ln2B, dout: a.dres,
                inp: h.sum2, weight: w + s.ln2W, mean: h.ln2Mean, rstd: h.ln2Rstd, N: N, C: C)
            // sum₂ = n + W₂·relu(W₁·n + b₁) + b₂: ∂n in dln.
            Linear.backward(
                dinp: a.dfc, dweight: g + s.fc2W, dbias: g + s.fc2B, dout: a.dsum,
                inp: h.fcRelu, weight: w + s.fc2W, ones: a.ones, N: N, T: T, C: C, OC: C)
            ReLU.backward(dinp: a.dfc, inp: h.fc, dout: a.dfc, count: N * C)
            Linear.backward(
                dinp: a.dln, dweight: g + s.fc1W, dbias: g + s.fc1B, dout: a.dfc,
                inp: h.ln1, weight: w + s.fc1W, ones: a.ones, N: N, T: T, C: C, OC: C)
            RowOps.add(a.dsum, into: a.dln, count: N * C)
            // n = ln₁(sum₁): ∂sum₁ in dres.
            a.dres.update(repeating: 0, count: N * C)
            LayerNorm.backward(
                dinp: a.dres, dweight: g + s.ln1W, dbias: g + s.ln1B, dout: a.dln,
                inp: h.sum1, weight: w + s.ln1W, mean: h.ln1Mean, rstd: h.ln1Rstd, N: N, C: C)
            // sum₁ = x + attn(q|k|v(x)): ∂x = ∂sum₁ + the attention's path, in dres.
            Attention.backward(
                dqkv: a.dqkv, scratch: a.attScratch, scratchSlots: a.attScratchSlots, dout: a.dres,
                att: h.att, qkv: h.qkv, B: B, T: T, C: C, NH: 1)
            Linear.backward(
                dinp: a.dln, dweight: g + s.qkvW, dbias: nil, dout: a.dqkv,
                inp: residualIn, weight: w + s.qkvW, ones: nil, N: N, T: T, C: C, OC: 3 * C)
            RowOps.add(a.dln, into: a.dres, count: N * C)
        }
        Encoder.backward(dwte: g + slots.embed, dwpe: g + slots.positions, dout: a.dres, tokens: a.tokens, B: B, T: T, C: C)
        if let input = inputEmbeddingGradient {
            Encoder.tokenEmbeddingBackward(dwte: input.base, dout: a.dres, tokens: a.tokens, N: N, C: C)
        }
    }

    // MARK: Plumbing

    func current() -> MarkovReferenceActivations { arena.current }
}
