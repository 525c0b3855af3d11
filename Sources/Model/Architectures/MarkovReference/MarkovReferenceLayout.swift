extension MarkovReferenceConfig {
    /// The parameter tensors in buffer order, under the names of the public code's `state_dict`
    /// (so that its `TransformerModel.load_state_dict` reads a gscope checkpoint's tensors as they
    /// are):
    ///
    ///     embedding.weight (V,C)                       token embedding
    ///     transformer.wpe.weight (T,C)                 learned positions
    ///     transformer._queries.{l}.weight (C,C)        q, k, v of block l: one head of width C,
    ///     transformer._keys.{l}.weight (C,C)             no bias; back to back, so one (3C,C)
    ///     transformer._values.{l}.weight (C,C)           matrix gives fused q|k|v rows
    ///     transformer._lns_1.{l}.weight, .bias (C)     LayerNorm after the attention's residual
    ///     transformer._mlps.{l}.0.weight (C,C), .bias (C)
    ///     transformer._mlps.{l}.2.weight (C,C), .bias (C)
    ///     transformer._lns_2.{l}.weight, .bias (C)     LayerNorm after the MLP's residual
    ///     output_layer.weight (V,C), output_layer.bias (V)
    ///
    /// Linear weights are `(out, in)` as in `torch.nn.Linear`. Groups follow
    /// `GPTConfig.parameterLayout`: the embedding and positions `embed`, blocks by thirds, the
    /// head `lm` (it is never tied; there is no final LayerNorm).
    package func parameterLayout() -> ParameterLayout {
        let c = nEmbd
        var layout = ParameterLayout()
        layout.add("embedding.weight", [vocabSize, c], block: nil, group: .embed)
        layout.add("transformer.wpe.weight", [blockSize, c], block: nil, group: .embed)
        for l in 0..<nLayer {
            let g = LayerGroup.ofBlock(l, nLayer: nLayer)
            let p = "transformer."
            layout.add(p + "_queries.\(l).weight", [c, c], block: l, group: g)
            layout.add(p + "_keys.\(l).weight", [c, c], block: l, group: g)
            layout.add(p + "_values.\(l).weight", [c, c], block: l, group: g)
            layout.add(p + "_lns_1.\(l).weight", [c], block: l, group: g)
            layout.add(p + "_lns_1.\(l).bias", [c], block: l, group: g)
            layout.add(p + "_mlps.\(l).0.weight", [c, c], block: l, group: g)
            layout.add(p + "_mlps.\(l).0.bias", [c], block: l, group: g)
            layout.add(p + "_mlps.\(l).2.weight", [c, c], block: l, group: g)
            layout.add(p + "_mlps.\(l).2.bias", [c], block: l, group: g)
            layout.add(p + "_lns_2.\(l).weight", [c], block: l, group: g)
            layout.add(p + "_lns_2.\(l).bias", [c], block: l, group: g)
        }
        layout.add("output_layer.weight", [vocabSize, c], block: nil, group: .lm)
        layout.add("output_layer.bias", [vocabSize], block: nil, group: .lm)
        return layout
    }
}

/// Offsets of every tensor of the reference Markov model in the flat buffer, resolved once from
/// the layout.
struct MarkovReferenceSlots {
    struct Block {
        /// `qkvW` is `_queries.{l}.weight`'s offset, the start of the fused (3C, C) q|k|v matrix.
        let qkvW, ln1W, ln1B, fc1W, fc1B, fc2W, fc2B, ln2W, ln2B: Int
    }
    let embed, positions, headW, headB: Int
    let blocks: [Block]

    init(layout: ParameterLayout, config: MarkovReferenceConfig) {
        func at(_ name: String) -> Int {
            guard let s = layout[name] else { preconditionFailure("layout has no \(name)") }
            return s.offset
        }
        embed = at("embedding.weight")
        positions = at("transformer.wpe.weight")
        headW = at("output_layer.weight")
        headB = at("output_layer.bias")
        let c = config.nEmbd
        blocks = (0..<config.nLayer).map { l in
            let p = "transformer."
            let q = at(p + "_queries.\(l).weight")
            precondition(
                at(p + "_keys.\(l).weight") == q + c * c && at(p + "_values.\(l).weight") == q + 2 * c * c,
                "queries, keys and values must be adjacent")
            return Block(
                qkvW: q, ln1W: at(p + "_lns_1.\(l).weight"), ln1B: at(p + "_lns_1.\(l).bias"),
                fc1W: at(p + "_mlps.\(l).0.weight"), fc1B: at(p + "_mlps.\(l).0.bias"),
                fc2W: at(p + "_mlps.\(l).2.weight"), fc2B: at(p + "_mlps.\(l).2.bias"),
                ln2W: at(p + "_lns_2.\(l).weight"), ln2B: at(p + "_lns_2.\(l).bias"))
        }
    }
}

extension MarkovReferenceConfig {
    /// The units of every block (``BlockUnits``): one head of width C owning `_queries`, `_keys`
    /// and `_values` (the block has no output projection); the MLP's C units are the rows of
    /// `_mlps.{l}.0` (and its bias) and the columns of `_mlps.{l}.2`.
    package func blockUnits(_ layout: ParameterLayout) -> [BlockUnits] {
        (0..<nLayer).map { l in
            func at(_ name: String) -> TensorSlot { layout["transformer." + name]! }
            return BlockUnits(
                layout: layout, block: l, heads: 1, kvHeads: 1, headSize: nEmbd,
                queries: [.init(at("_queries.\(l).weight"))],
                keysValues: [.init(at("_keys.\(l).weight")), .init(at("_values.\(l).weight"))], output: nil,
                mlpInputs: [at("_mlps.\(l).0.weight"), at("_mlps.\(l).0.bias")], mlpOutput: at("_mlps.\(l).2.weight"))
        }
    }
}
