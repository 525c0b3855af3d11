import Datasets
import Foundation
import Model
import NumericCore

/// A naive Float64 Phi, written for clarity, never for speed: what the Float32 engine's partial
/// rotary embeddings and forward pass are compared with, and what its backward and forward-mode
/// passes are differentiated through.
extension Ref {
    /// LayerNorm with its ε: `y = (x − μ)/√(σ² + ε)·w + b` row by row of (N,C).
    package static func layerNorm(_ x: [Double], _ w: [Double], _ b: [Double], eps: Double, N: Int, C: Int) -> [Double] {
        var out = x
        for n in 0..<N {
            let row = x[(n * C)..<((n + 1) * C)]
            let m = row.reduce(0, +) / Double(C)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)
            let r = 1 / (v + eps).squareRoot()
            for c in 0..<C { out[n * C + c] = (x[n * C + c] - m) * r * w[c] + b[c] }
        }
        return out
    }

    /// Partial rotary embeddings on the first `heads` heads of width hs of each row of x (N rows
    /// of `ld` floats; other columns pass through): in each head, pair (i, i + rd/2) for i < rd/2
    /// turns by `(n mod T)·base^(−2i/rd)`, dimensions rd..<hs stay.
    package static func partialRope(
        _ x: [Double], heads: Int, hs: Int, rd: Int, ld: Int, N: Int, T: Int, base: Double
    ) -> [Double] {
        var out = x
        let half = rd / 2
        for n in 0..<N {
            for h in 0..<heads {
                for i in 0..<half {
                    let angle = Double(n % T) * pow(base, -2 * Double(i) / Double(rd))
                    let a = x[n * ld + h * hs + i], b = x[n * ld + h * hs + i + half]
                    out[n * ld + h * hs + i] = a * cos(angle) - b * sin(angle)
                    out[n * ld + h * hs + i + half] = b * cos(angle) + a * sin(angle)
                }
            }
        }
        return out
    }

    /// The whole Phi: logits (B·T, V) and every block's output, from Float64 parameters.
    ///
    ///     x ← x + dense(attn(prope(q), prope(k), v)) + fc2(gelu(fc1(n))),  q|k|v = qkv(n), n = ln(x)
    ///     logits = ln_f(x)·Wᵀ + b
    ///
    /// `inputEmbedding`, when given, replaces the embedding in the input lookup (the Phi's head is
    /// its own tensor, so this is the whole embedding's role).
    package static func phi(
        _ cfg: PhiConfig, _ p: [Double], tokens: [Int32], B: Int, T: Int,
        inputEmbedding: [Double]? = nil
    ) -> (logits: [Double], hidden: [[Double]]) {
        let layout = cfg.parameterLayout()
        func t(_ name: String) -> [Double] { let s = layout[name]!; return Array(p[s.range]) }
        let C = cfg.nEmbd, N = B * T, NH = cfg.nHead, NKV = cfg.nKVHead, hs = cfg.headSize, rd = cfg.rotaryDim
        let KV = cfg.kvDim, F = cfg.ffnHidden, V = cfg.vocabSize, eps = cfg.layerNormEps
        func linear(_ x: [Double], _ name: String, C: Int, OC: Int) -> [Double] {
            Ref.linear(x, t(name + ".weight"), t(name + ".bias"), N: N, C: C, OC: OC)
        }
        let lookup = inputEmbedding ?? t("model.embed_tokens.weight")
        var x = (0..<(N * C)).map { lookup[Int(tokens[$0 / C]) * C + $0 % C] }
        var hidden: [[Double]] = []
        for l in 0..<cfg.nLayer {
            let pre = "model.layers.\(l)."
            let n = layerNorm(x, t(pre + "input_layernorm.weight"), t(pre + "input_layernorm.bias"), eps: eps, N: N, C: C)
            let q = partialRope(
                linear(n, pre + "self_attn.q_proj", C: C, OC: C), heads: NH, hs: hs, rd: rd, ld: C, N: N, T: T,
                base: cfg.ropeBase)
            let k = partialRope(
                linear(n, pre + "self_attn.k_proj", C: C, OC: KV), heads: NKV, hs: hs, rd: rd, ld: KV, N: N, T: T,
                base: cfg.ropeBase)
            let v = linear(n, pre + "self_attn.v_proj", C: C, OC: KV)
            let y = groupedQueryAttention(interleaveRows([(q, C), (k, KV), (v, KV)], N: N), B: B, T: T, C: C, NH: NH, NKV: NKV)
            let attention = linear(y, pre + "self_attn.dense", C: C, OC: C)
            let mlp = linear(gelu(linear(n, pre + "mlp.fc1", C: C, OC: F)), pre + "mlp.fc2", C: F, OC: C)
            x = (0..<(N * C)).map { x[$0] + attention[$0] + mlp[$0] }
            hidden.append(x)
        }
        let y = layerNorm(x, t("model.final_layernorm.weight"), t("model.final_layernorm.bias"), eps: eps, N: N, C: C)
        return (Ref.linear(y, t("lm_head.weight"), t("lm_head.bias"), N: N, C: C, OC: V), hidden)
    }
}

/// A Phi with random non-trivial parameters: matrices of std 0.2, biases of std 0.1, LayerNorm
/// gains 1 + N(0, 0.1²) — attention far from uniform, logits far from flat, every gradient
/// non-zero.
package func randomPhi(_ config: PhiConfig, seed: UInt64) throws -> Phi {
    var rng = RNG(seed: seed)
    let model = try Phi(config: config)
    for slot in model.layout.slots {
        let isGain = slot.name.hasSuffix("layernorm.weight")
        let v = randomFloats(slot.count, std: slot.isMatrix ? 0.2 : 0.1, mean: isGain ? 1 : 0, rng: &rng)
        for i in 0..<slot.count { model.parameters[slot.offset + i] = v[i] }
    }
    return model
}

/// A tiny Phi over the byte vocabulary with Hugging Face's initialisation, saved as a checkpoint
/// for runs (`PhiRunTests`): 2 blocks of 32, 4 heads on 2 key/value heads, half of each head
/// rotating, MLP 64, context 320.
package func tinyPhiCheckpoint(_ label: String, seed: UInt64) -> (checkpoint: String, model: Phi) {
    let config = PhiConfig(
        nLayer: 2, nHead: 4, nKVHead: 2, nEmbd: 32, ffnHidden: 64, vocabSize: ByteTokenizer().vocabSize, blockSize: 320)
    let model = try! Phi(config: config)
    var rng = RNG(seed: seed)
    model.initializePhi(rng: &rng)
    let checkpoint = temporaryDirectory(label)
    try! model.saveCheckpoint(to: checkpoint)
    return (checkpoint, model)
}
