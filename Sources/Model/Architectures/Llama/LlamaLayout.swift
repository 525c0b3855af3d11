extension LlamaConfig {
    /// The Llama parameter tensors in buffer order, with Hugging Face's names:
    ///
    ///     model.embed_tokens.weight (V,C)
    ///     model.layers.{l}.input_layernorm.weight (C)
    ///     model.layers.{l}.self_attn.q_proj.weight (Q,C)      head h at rows h·hs..<(h+1)·hs, Q = nHead·hs
    ///     model.layers.{l}.self_attn.k_proj.weight (KV,C)     KV = nKVHead·hs
    ///     model.layers.{l}.self_attn.v_proj.weight (KV,C)
    ///     model.layers.{l}.self_attn.{q,k,v}_proj.bias (Q), (KV), (KV)    only with `qkvBias`
    ///     model.layers.{l}.self_attn.o_proj.weight (C,Q)
    ///     model.layers.{l}.self_attn.o_proj.bias (C)                       only with `outputBias`
    ///     model.layers.{l}.post_attention_layernorm.weight (C)
    ///     model.layers.{l}.mlp.gate_proj.weight (F,C)
    ///     model.layers.{l}.mlp.up_proj.weight (F,C)
    ///     model.layers.{l}.mlp.{gate,up}_proj.bias (F), (F)                only with `mlpBias`
    ///     model.layers.{l}.mlp.down_proj.weight (C,F)
    ///     model.layers.{l}.mlp.down_proj.bias (C)                          only with `mlpBias`
    ///     model.norm.weight (C)
    ///     lm_head.weight (V,C)                                 only when the head is not tied
    ///
    /// Linear weights are `(out, in)` as in `torch.nn.Linear`. `q_proj`, `k_proj`, `v_proj` lie
    /// back to back, so together they are one (Q + 2·KV, C) matrix whose product gives fused
    /// `q|k|v` rows in one sgemm (their biases likewise one fused bias); `gate_proj`, `up_proj`
    /// likewise give `gate|up`. Without biases and `head_dim` (Q = C) the layout is SmolLM2's.
    ///
    /// Groups follow `GPTConfig.parameterLayout`: blocks by thirds, the final norm `deep`; the
    /// token embedding is `tied` when it is also the head, else `embed` and `lm_head` is `lm`.
    package func parameterLayout() -> ParameterLayout {
        let c = nEmbd, q = qDim, kv = kvDim, f = ffnHidden
        var layout = ParameterLayout()
        layout.add("model.embed_tokens.weight", [vocabSize, c], block: nil, group: tiedEmbeddings ? .tied : .embed)
        for l in 0..<nLayer {
            let g = LayerGroup.ofBlock(l, nLayer: nLayer)
            let p = "model.layers.\(l)."
            layout.add(p + "input_layernorm.weight", [c], block: l, group: g)
            layout.add(p + "self_attn.q_proj.weight", [q, c], block: l, group: g)
            layout.add(p + "self_attn.k_proj.weight", [kv, c], block: l, group: g)
            layout.add(p + "self_attn.v_proj.weight", [kv, c], block: l, group: g)
            if qkvBias {
                layout.add(p + "self_attn.q_proj.bias", [q], block: l, group: g)
                layout.add(p + "self_attn.k_proj.bias", [kv], block: l, group: g)
                layout.add(p + "self_attn.v_proj.bias", [kv], block: l, group: g)
            }
            layout.add(p + "self_attn.o_proj.weight", [c, q], block: l, group: g)
            if outputBias { layout.add(p + "self_attn.o_proj.bias", [c], block: l, group: g) }
            layout.add(p + "post_attention_layernorm.weight", [c], block: l, group: g)
            layout.add(p + "mlp.gate_proj.weight", [f, c], block: l, group: g)
            layout.add(p + "mlp.up_proj.weight", [f, c], block: l, group: g)
            if mlpBias {
                layout.add(p + "mlp.gate_proj.bias", [f], block: l, group: g)
                layout.add(p + "mlp.up_proj.bias", [f], block: l, group: g)
            }
            layout.add(p + "mlp.down_proj.weight", [c, f], block: l, group: g)
            if mlpBias { layout.add(p + "mlp.down_proj.bias", [c], block: l, group: g) }
        }
        layout.add("model.norm.weight", [c], block: nil, group: .deep)
        if !tiedEmbeddings { layout.add("lm_head.weight", [vocabSize, c], block: nil, group: .lm) }
        return layout
    }
}

/// Offsets of every Llama tensor in the flat buffer, resolved once from the layout.
struct LlamaSlots {
    struct Block {
        /// `qkv` is `q_proj`'s offset, the start of the fused (C + 2·KV, C) q|k|v matrix;
        /// `gateUp` is `gate_proj`'s, the start of the fused (2F, C) gate|up matrix.
        let attnNorm, qkv, o, mlpNorm, gateUp, down: Int
        /// The biases, nil when absent: `qkvBias` starts the fused (Q + 2·KV) q|k|v bias,
        /// `gateUpBias` the fused (2F) gate|up bias.
        let qkvBias, oBias, gateUpBias, downBias: Int?
    }
    /// `head` is `lm_head.weight`, or `embed` itself when tied.
    let embed, norm, head: Int
    let blocks: [Block]

    init(layout: ParameterLayout, config: LlamaConfig) {
        func at(_ name: String) -> Int {
            guard let s = layout[name] else { preconditionFailure("layout has no \(name)") }
            return s.offset
        }
        embed = at("model.embed_tokens.weight")
        norm = at("model.norm.weight")
        head = config.tiedEmbeddings ? embed : at("lm_head.weight")
        let c = config.nEmbd, qd = config.qDim, kv = config.kvDim, f = config.ffnHidden
        func bias(_ name: String) -> Int? { layout[name]?.offset }
        blocks = (0..<config.nLayer).map { l in
            let p = "model.layers.\(l)."
            let q = at(p + "self_attn.q_proj.weight"), gate = at(p + "mlp.gate_proj.weight")
            precondition(
                at(p + "self_attn.k_proj.weight") == q + qd * c && at(p + "self_attn.v_proj.weight") == q + (qd + kv) * c,
                "q_proj, k_proj, v_proj must be adjacent")
            precondition(at(p + "mlp.up_proj.weight") == gate + f * c, "gate_proj and up_proj must be adjacent")
            let qBias = bias(p + "self_attn.q_proj.bias"), gateBias = bias(p + "mlp.gate_proj.bias")
            if let qBias {
                precondition(
                    bias(p + "self_attn.k_proj.bias") == qBias + qd && bias(p + "self_attn.v_proj.bias") == qBias + qd + kv,
                    "the q, k, v biases must be adjacent")
            }
            if let gateBias {
                precondition(bias(p + "mlp.up_proj.bias") == gateBias + f, "the gate and up biases must be adjacent")
            }
            return Block(
                attnNorm: at(p + "input_layernorm.weight"), qkv: q, o: at(p + "self_attn.o_proj.weight"),
                mlpNorm: at(p + "post_attention_layernorm.weight"), gateUp: gate,
                down: at(p + "mlp.down_proj.weight"), qkvBias: qBias, oBias: bias(p + "self_attn.o_proj.bias"),
                gateUpBias: gateBias, downBias: bias(p + "mlp.down_proj.bias"))
        }
    }
}

extension LlamaConfig {
    /// The heads and MLP unit groups of every block (``BlockUnits``): head h owns its rows of
    /// `q_proj` and its key/value head's rows of `k_proj` and `v_proj` (shared by nHead/nKVHead
    /// heads), their biases' entries, and its columns of `o_proj`; the MLP's units are the rows
    /// of `gate_proj` and `up_proj` and the columns of `down_proj`.
    package func blockUnits(_ layout: ParameterLayout) -> [BlockUnits] {
        (0..<nLayer).map { l in
            let p = "model.layers.\(l)."
            func at(_ name: String) -> TensorSlot? { layout[p + name] }
            func projections(_ kind: String) -> [BlockUnits.HeadRows] {
                ["weight", "bias"].compactMap { at("self_attn.\(kind)_proj.\($0)").map { .init($0) } }
            }
            return BlockUnits(
                layout: layout, block: l, heads: nHead, kvHeads: nKVHead, headSize: headSize,
                queries: projections("q"), keysValues: projections("k") + projections("v"),
                output: at("self_attn.o_proj.weight"),
                mlpInputs: ["gate_proj.weight", "up_proj.weight", "gate_proj.bias", "up_proj.bias"].compactMap {
                    at("mlp." + $0)
                },
                mlpOutput: at("mlp.down_proj.weight")!)
        }
    }
}
