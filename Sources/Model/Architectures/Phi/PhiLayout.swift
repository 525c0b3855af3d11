extension PhiConfig {
    /// The Phi parameter tensors in buffer order, with transformers' names (`PhiForCausalLM`):
    ///
    ///     model.embed_tokens.weight (V,C)
    ///     model.layers.{l}.input_layernorm.weight (C), .bias (C)
    ///     model.layers.{l}.self_attn.q_proj.weight (C,C)      head h at rows h·hs..<(h+1)·hs
    ///     model.layers.{l}.self_attn.k_proj.weight (KV,C)     KV = nKVHead·hs
    ///     model.layers.{l}.self_attn.v_proj.weight (KV,C)
    ///     model.layers.{l}.self_attn.q_proj.bias (C), k_proj.bias (KV), v_proj.bias (KV)
    ///     model.layers.{l}.self_attn.dense.weight (C,C), .bias (C)
    ///     model.layers.{l}.mlp.fc1.weight (F,C), .bias (F)
    ///     model.layers.{l}.mlp.fc2.weight (C,F), .bias (C)
    ///     model.final_layernorm.weight (C), .bias (C)
    ///     lm_head.weight (V,C), lm_head.bias (V)
    ///
    /// Linear weights are `(out, in)` as in `torch.nn.Linear`. The three projections' weights lie
    /// back to back, and so do their biases, so together they are one (C + 2·KV, C) matrix and one
    /// bias of C + 2·KV whose product gives fused `q|k|v` rows in one sgemm. The order is gscope's;
    /// a safetensors file names its tensors, so transformers reads them in any order.
    ///
    /// Groups follow `GPTConfig.parameterLayout`: blocks by thirds, the final LayerNorm `deep`, the
    /// token embedding `embed`, the head and its bias `lm` (the head is never tied).
    package func parameterLayout() -> ParameterLayout {
        let c = nEmbd, kv = kvDim, f = ffnHidden
        var layout = ParameterLayout()
        layout.add("model.embed_tokens.weight", [vocabSize, c], block: nil, group: .embed)
        for l in 0..<nLayer {
            let g = LayerGroup.ofBlock(l, nLayer: nLayer)
            let p = "model.layers.\(l)."
            layout.add(p + "input_layernorm.weight", [c], block: l, group: g)
            layout.add(p + "input_layernorm.bias", [c], block: l, group: g)
            layout.add(p + "self_attn.q_proj.weight", [c, c], block: l, group: g)
            layout.add(p + "self_attn.k_proj.weight", [kv, c], block: l, group: g)
            layout.add(p + "self_attn.v_proj.weight", [kv, c], block: l, group: g)
            layout.add(p + "self_attn.q_proj.bias", [c], block: l, group: g)
            layout.add(p + "self_attn.k_proj.bias", [kv], block: l, group: g)
            layout.add(p + "self_attn.v_proj.bias", [kv], block: l, group: g)
            layout.add(p + "self_attn.dense.weight", [c, c], block: l, group: g)
            layout.add(p + "self_attn.dense.bias", [c], block: l, group: g)
            layout.add(p + "mlp.fc1.weight", [f, c], block: l, group: g)
            layout.add(p + "mlp.fc1.bias", [f], block: l, group: g)
            layout.add(p + "mlp.fc2.weight", [c, f], block: l, group: g)
            layout.add(p + "mlp.fc2.bias", [c], block: l, group: g)
        }
        layout.add("model.final_layernorm.weight", [c], block: nil, group: .deep)
        layout.add("model.final_layernorm.bias", [c], block: nil, group: .deep)
        layout.add("lm_head.weight", [vocabSize, c], block: nil, group: .lm)
        layout.add("lm_head.bias", [vocabSize], block: nil, group: .lm)
        return layout
    }
}

/// Offsets of every Phi tensor in the flat buffer, resolved once from the layout.
struct PhiSlots {
    struct Block {
        /// `qkvW` is `q_proj.weight`'s offset, the start of the fused (C + 2·KV, C) q|k|v matrix;
        /// `qkvB` is `q_proj.bias`'s, the start of the fused q|k|v bias.
        let lnW, lnB, qkvW, qkvB, denseW, denseB, fc1W, fc1B, fc2W, fc2B: Int
    }
    let embed, finalLnW, finalLnB, headW, headB: Int
    let blocks: [Block]

    init(layout: ParameterLayout, config: PhiConfig) {
        func at(_ name: String) -> Int {
            guard let s = layout[name] else { preconditionFailure("layout has no \(name)") }
            return s.offset
        }
        embed = at("model.embed_tokens.weight")
        finalLnW = at("model.final_layernorm.weight")
        finalLnB = at("model.final_layernorm.bias")
        headW = at("lm_head.weight")
        headB = at("lm_head.bias")
        let c = config.nEmbd, kv = config.kvDim
        blocks = (0..<config.nLayer).map { l in
            let p = "model.layers.\(l)."
            let qW = at(p + "self_attn.q_proj.weight"), qB = at(p + "self_attn.q_proj.bias")
            precondition(
                at(p + "self_attn.k_proj.weight") == qW + c * c && at(p + "self_attn.v_proj.weight") == qW + (c + kv) * c,
                "q_proj, k_proj, v_proj weights must be adjacent")
            precondition(
                at(p + "self_attn.k_proj.bias") == qB + c && at(p + "self_attn.v_proj.bias") == qB + c + kv,
                "q_proj, k_proj, v_proj biases must be adjacent")
            return Block(
                lnW: at(p + "input_layernorm.weight"), lnB: at(p + "input_layernorm.bias"), qkvW: qW, qkvB: qB,
                denseW: at(p + "self_attn.dense.weight"), denseB: at(p + "self_attn.dense.bias"),
                fc1W: at(p + "mlp.fc1.weight"), fc1B: at(p + "mlp.fc1.bias"),
                fc2W: at(p + "mlp.fc2.weight"), fc2B: at(p + "mlp.fc2.bias"))
        }
    }
}

extension PhiConfig {
    /// The heads and MLP unit groups of every block (``BlockUnits``): head h owns its rows of
    /// `q_proj` and its key/value head's rows of `k_proj` and `v_proj`, their biases' entries, and
    /// its columns of `dense`; the MLP's units are the rows of `fc1` (and its bias) and the
    /// columns of `fc2`.
    package func blockUnits(_ layout: ParameterLayout) -> [BlockUnits] {
        (0..<nLayer).map { l in
            func at(_ name: String) -> TensorSlot { layout["model.layers.\(l)." + name]! }
            func projections(_ kind: String) -> [BlockUnits.HeadRows] {
                [.init(at("self_attn.\(kind)_proj.weight")), .init(at("self_attn.\(kind)_proj.bias"))]
            }
            return BlockUnits(
                layout: layout, block: l, heads: nHead, kvHeads: nKVHead, headSize: headSize,
                queries: projections("q"), keysValues: projections("k") + projections("v"),
                output: at("self_attn.dense.weight"), mlpInputs: [at("mlp.fc1.weight"), at("mlp.fc1.bias")],
                mlpOutput: at("mlp.fc2.weight"))
        }
    }
}
