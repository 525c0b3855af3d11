extension GPTConfig {
    /// The GPT-2 parameter tensors in buffer order, with Hugging-Face-style names:
    ///
    ///     wte.weight (V,C)  wpe.weight (T,C)
    ///     h.{l}.ln_1.{weight,bias} (C)
    ///     h.{l}.attn.c_attn.{weight (3C,C), bias (3C)}   rows: q | k | v, head h at h·hs..<(h+1)·hs
    ///     h.{l}.attn.c_proj.{weight (C,C), bias (C)}
    ///     h.{l}.ln_2.{weight,bias} (C)
    ///     h.{l}.mlp.c_fc.{weight (4C,C), bias (4C)}
    ///     h.{l}.mlp.c_proj.{weight (C,4C), bias (C)}
    ///     ln_f.{weight,bias} (C)
    ///
    /// Linear weights are `(out, in)` like `torch.nn.Linear` (Hugging Face's GPT-2 `Conv1D` stores
    /// the transpose). The output head is tied to `wte.weight`, which is therefore in group `tied`.
    package func parameterLayout() -> ParameterLayout {
        let c = nEmbd
        var layout = ParameterLayout()
        layout.add("wte.weight", [vocabSize, c], block: nil, group: .tied)
        layout.add("wpe.weight", [blockSize, c], block: nil, group: .embed)
        for l in 0..<nLayer {
            let g = LayerGroup.ofBlock(l, nLayer: nLayer)
            let p = "h.\(l)."
            layout.add(p + "ln_1.weight", [c], block: l, group: g)
            layout.add(p + "ln_1.bias", [c], block: l, group: g)
            layout.add(p + "attn.c_attn.weight", [3 * c, c], block: l, group: g)
            layout.add(p + "attn.c_attn.bias", [3 * c], block: l, group: g)
            layout.add(p + "attn.c_proj.weight", [c, c], block: l, group: g)
            layout.add(p + "attn.c_proj.bias", [c], block: l, group: g)
            layout.add(p + "ln_2.weight", [c], block: l, group: g)
            layout.add(p + "ln_2.bias", [c], block: l, group: g)
            layout.add(p + "mlp.c_fc.weight", [4 * c, c], block: l, group: g)
            layout.add(p + "mlp.c_fc.bias", [4 * c], block: l, group: g)
            layout.add(p + "mlp.c_proj.weight", [c, 4 * c], block: l, group: g)
            layout.add(p + "mlp.c_proj.bias", [c], block: l, group: g)
        }
        layout.add("ln_f.weight", [c], block: nil, group: .deep)
        layout.add("ln_f.bias", [c], block: nil, group: .deep)
        return layout
    }
}

extension GPTConfig {
    /// The heads and MLP unit groups of every block (``BlockUnits``): head h owns rows
    /// `h·hs`, `C + h·hs`, `2C + h·hs` (+ hs) of `c_attn` and its bias, columns `h·hs` (+ hs) of
    /// `attn.c_proj`; the MLP's 4C units are the rows of `c_fc` and the columns of `mlp.c_proj`.
    package func blockUnits(_ layout: ParameterLayout) -> [BlockUnits] {
        (0..<nLayer).map { l in
            func at(_ name: String) -> TensorSlot { layout["h.\(l)." + name]! }
            let qkv = [at("attn.c_attn.weight"), at("attn.c_attn.bias")]
            return BlockUnits(
                layout: layout, block: l, heads: nHead, kvHeads: nHead, headSize: headSize,
                queries: qkv.map { .init($0) },
                keysValues: qkv.flatMap { [.init($0, first: nEmbd), .init($0, first: 2 * nEmbd)] },
                output: at("attn.c_proj.weight"), mlpInputs: [at("mlp.c_fc.weight"), at("mlp.c_fc.bias")],
                mlpOutput: at("mlp.c_proj.weight"))
        }
    }
}
