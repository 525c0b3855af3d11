import Foundation
import Model
import NumericCore

/// A naive Float64 version of SimNPO's reference Markov model, written for clarity, never for
/// speed: what the Float32 engine's forward pass is compared with and what its backward and
/// forward-mode passes are differentiated through.
extension Ref {
    /// The whole model: logits (B·T, V) and every block's output, from Float64 parameters.
    ///
    ///     x ← ln₂(n + W₂·relu(W₁·n + b₁) + b₂),   n = ln₁(x + attn(x·W_qᵀ, x·W_kᵀ, x·W_vᵀ))
    ///     logits = x·Wᵀ + b
    ///
    /// with one causal head of width C (scores divided by √C) and positions added to the token
    /// embedding. `inputEmbedding`, when given, replaces the embedding in the input lookup.
    package static func markovReference(
        _ cfg: MarkovReferenceConfig, _ p: [Double], tokens: [Int32], B: Int, T: Int,
        inputEmbedding: [Double]? = nil
    ) -> (logits: [Double], hidden: [[Double]]) {
        let layout = cfg.parameterLayout()
        func t(_ name: String) -> [Double] { let s = layout[name]!; return Array(p[s.range]) }
        let C = cfg.nEmbd, N = B * T, V = cfg.vocabSize, eps = cfg.layerNormEps
        let zeros = [Double](repeating: 0, count: C)
        let lookup = inputEmbedding ?? t("embedding.weight"), positions = t("transformer.wpe.weight")
        var x = (0..<(N * C)).map { lookup[Int(tokens[$0 / C]) * C + $0 % C] + positions[($0 / C % T) * C + $0 % C] }
        var hidden: [[Double]] = []
        for l in 0..<cfg.nLayer {
            let p = "transformer."
            let q = linear(x, t(p + "_queries.\(l).weight"), zeros, N: N, C: C, OC: C)
            let k = linear(x, t(p + "_keys.\(l).weight"), zeros, N: N, C: C, OC: C)
            let v = linear(x, t(p + "_values.\(l).weight"), zeros, N: N, C: C, OC: C)
            let y = attention(interleaveRows([(q, C), (k, C), (v, C)], N: N), B: B, T: T, C: C, NH: 1)
            let n = layerNorm(
                zip(x, y).map(+), t(p + "_lns_1.\(l).weight"), t(p + "_lns_1.\(l).bias"), eps: eps, N: N, C: C)
            let hiddenUnits = linear(n, t(p + "_mlps.\(l).0.weight"), t(p + "_mlps.\(l).0.bias"), N: N, C: C, OC: C)
            let mlp = linear(
                hiddenUnits.map { max($0, 0) }, t(p + "_mlps.\(l).2.weight"), t(p + "_mlps.\(l).2.bias"), N: N, C: C, OC: C)
            x = layerNorm(zip(n, mlp).map(+), t(p + "_lns_2.\(l).weight"), t(p + "_lns_2.\(l).bias"), eps: eps, N: N, C: C)
            hidden.append(x)
        }
        return (linear(x, t("output_layer.weight"), t("output_layer.bias"), N: N, C: C, OC: V), hidden)
    }
}

/// A reference Markov model with random non-trivial parameters: matrices of std 0.3 (the
/// embedding and positions of std 1 and 0.5), biases of std 0.1, LayerNorm gains 1 + N(0, 0.1²) —
/// attention far from uniform, logits far from flat, every gradient non-zero.
package func randomMarkovReference(_ config: MarkovReferenceConfig, seed: UInt64) throws -> MarkovReference {
    var rng = RNG(seed: seed)
    let model = try MarkovReference(config: config)
    for slot in model.layout.slots {
        let isGain = slot.name.contains("_lns_") && slot.name.hasSuffix(".weight")
        let std =
            slot.name == "embedding.weight" ? 1 : slot.name == "transformer.wpe.weight" ? 0.5 : slot.isMatrix ? 0.3 : 0.1
        let v = randomFloats(slot.count, std: std, mean: isGain ? 1 : 0, rng: &rng)
        for i in 0..<slot.count { model.parameters[slot.offset + i] = v[i] }
    }
    return model
}
