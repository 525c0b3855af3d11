import Foundation
import Model

/// A naive Float64 Llama, written for clarity, never for speed: what the Float32 engine's layers
/// and forward pass are compared with, and what its backward passes are differentiated through.
extension Ref {
    /// `y = x·w / √(mean(x²) + ε)` row by row of (N,C).
    package static func rmsNorm(_ x: [Double], _ w: [Double], eps: Double, N: Int, C: Int) -> [Double] {
        var out = x
        for n in 0..<N {
            let ms = (0..<C).reduce(0.0) { $0 + x[n * C + $1] * x[n * C + $1] } / Double(C)
            let r = 1 / (ms + eps).squareRoot()
            for c in 0..<C { out[n * C + c] = x[n * C + c] * r * w[c] }
        }
        return out
    }

    /// Rotary embeddings (`rotate_half` convention) on the first `heads` heads of width hs of
    /// each row of x (N rows of `ld` floats; other columns pass through); row n is at position
    /// n mod T and pair (i, i + hs/2) turns by `(n mod T)·base^(−2i/hs)`.
    package static func rope(_ x: [Double], heads: Int, hs: Int, ld: Int, N: Int, T: Int, base: Double) -> [Double] {
        rope(
            x, heads: heads, hs: hs, ld: ld, N: N, T: T,
            frequencies: (0..<(hs / 2)).map { pow(base, -2 * Double($0) / Double(hs)) })
    }

    /// `rope` with any frequencies ωᵢ (hs/2 of them): pair (i, i + hs/2) turns by `(n mod T)·ωᵢ`.
    package static func rope(_ x: [Double], heads: Int, hs: Int, ld: Int, N: Int, T: Int, frequencies: [Double]) -> [Double] {
        var out = x
        let half = hs / 2
        for n in 0..<N {
            for h in 0..<heads {
                for i in 0..<half {
                    let angle = Double(n % T) * frequencies[i]
                    let a = x[n * ld + h * hs + i], b = x[n * ld + h * hs + i + half]
                    out[n * ld + h * hs + i] = a * cos(angle) - b * sin(angle)
                    out[n * ld + h * hs + i + half] = b * cos(angle) + a * sin(angle)
                }
            }
        }
        return out
    }

    /// Causal grouped-query attention on fused rows q (NH·hs) | k (NKV·hs) | v (NKV·hs) of
    /// (B,T,·) → (B,T,C): query head h attends with key/value head h / (NH/NKV).
    package static func groupedQueryAttention(_ qkv: [Double], B: Int, T: Int, C: Int, NH: Int, NKV: Int) -> [Double] {
        let hs = C / NH, ld = C + 2 * NKV * hs
        var out = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    let kvh = h / (NH / NKV)
                    func q(_ t: Int, _ d: Int) -> Double { qkv[(b * T + t) * ld + h * hs + d] }
                    func k(_ t: Int, _ d: Int) -> Double { qkv[(b * T + t) * ld + C + kvh * hs + d] }
                    func v(_ t: Int, _ d: Int) -> Double { qkv[(b * T + t) * ld + C + NKV * hs + kvh * hs + d] }
                    var scores = (0...t).map { j in (0..<hs).reduce(0.0) { $0 + q(t, $1) * k(j, $1) } / Double(hs).squareRoot() }
                    let m = scores.max()!
                    scores = scores.map { exp($0 - m) }
                    let z = scores.reduce(0, +)
                    for d in 0..<hs {
                        out[(b * T + t) * C + h * hs + d] = (0...t).reduce(0.0) { $0 + scores[$1] / z * v($1, d) }
                    }
                }
            }
        }
        return out
    }

    /// `silu(a) ⊙ u` for rows a (F) | u (F) of (N,2F) → (N,F), `silu(a) = a/(1 + e^(−a))`.
    package static func swiGLU(_ x: [Double], N: Int, F: Int) -> [Double] {
        (0..<(N * F)).map { i in
            let a = x[i / F * 2 * F + i % F], u = x[i / F * 2 * F + F + i % F]
            return a / (1 + exp(-a)) * u
        }
    }

    /// Rows that are row n of each (matrix, width) part in turn: fused `q|k|v` or `gate|up` rows.
    static func interleaveRows(_ parts: [(values: [Double], width: Int)], N: Int) -> [Double] {
        var out: [Double] = []
        for n in 0..<N {
            for (values, width) in parts { out += values[(n * width)..<((n + 1) * width)] }
        }
        return out
    }

    /// The rotary frequencies of `cfg`, written out apart from the engine's: `base^(−2i/hs)`, then
    /// transformers' `linear` (÷ factor) or `llama3` scaling (`_compute_llama3_parameters`: keep
    /// wavelengths below L/high, divide those above L/low by the factor, blend in between).
    package static func ropeFrequencies(_ cfg: LlamaConfig) -> [Double] {
        let hs = cfg.headSize
        let plain = (0..<(hs / 2)).map { pow(cfg.ropeBase, -2 * Double($0) / Double(hs)) }
        switch cfg.ropeScaling {
        case nil:
            return plain
        case .linear(let factor)?:
            return plain.map { $0 / factor }
        case .llama3(let factor, let low, let high, let context)?:
            return plain.map { w in
                let wavelength = 2 * Double.pi / w, L = Double(context)
                if wavelength < L / high { return w }
                if wavelength > L / low { return w / factor }
                let s = (L / wavelength - low) / (high - low)
                return (1 - s) * w / factor + s * w
            }
        }
    }

    /// The whole Llama: logits (B·T, V) and every block's output, from Float64 parameters, with the
    /// biases, `head_dim` and rotary scaling the configuration has.
    /// `inputEmbedding`, when given, replaces the embedding in the input lookup only (the tied head
    /// keeps it): the way to differentiate the two sides of the tied matrix separately.
    package static func llama(
        _ cfg: LlamaConfig, _ p: [Double], tokens: [Int32], B: Int, T: Int,
        inputEmbedding: [Double]? = nil
    ) -> (logits: [Double], hidden: [[Double]]) {
        let layout = cfg.parameterLayout()
        func t(_ name: String) -> [Double] { let s = layout[name]!; return Array(p[s.range]) }
        let C = cfg.nEmbd, N = B * T, NH = cfg.nHead, NKV = cfg.nKVHead, hs = cfg.headSize
        let KV = cfg.kvDim, F = cfg.ffnHidden, V = cfg.vocabSize, eps = cfg.rmsNormEps, Q = NH * hs
        let frequencies = ropeFrequencies(cfg)
        func linear(_ x: [Double], _ name: String, C: Int, OC: Int) -> [Double] {
            let biasName = String(name.dropLast("weight".count)) + "bias"
            let bias = layout[biasName] == nil ? [Double](repeating: 0, count: OC) : t(biasName)
            return Ref.linear(x, t(name), bias, N: N, C: C, OC: OC)
        }
        let embedding = t("model.embed_tokens.weight"), lookup = inputEmbedding ?? embedding
        var x = (0..<(N * C)).map { lookup[Int(tokens[$0 / C]) * C + $0 % C] }
        var hidden: [[Double]] = []
        for l in 0..<cfg.nLayer {
            let pre = "model.layers.\(l)."
            let h1 = rmsNorm(x, t(pre + "input_layernorm.weight"), eps: eps, N: N, C: C)
            let q = rope(
                linear(h1, pre + "self_attn.q_proj.weight", C: C, OC: Q), heads: NH, hs: hs, ld: Q, N: N, T: T,
                frequencies: frequencies)
            let k = rope(
                linear(h1, pre + "self_attn.k_proj.weight", C: C, OC: KV), heads: NKV, hs: hs, ld: KV, N: N, T: T,
                frequencies: frequencies)
            let v = linear(h1, pre + "self_attn.v_proj.weight", C: C, OC: KV)
            let qkv = interleaveRows([(q, Q), (k, KV), (v, KV)], N: N)
            let y = groupedQueryAttention(qkv, B: B, T: T, C: Q, NH: NH, NKV: NKV)
            x = zip(x, linear(y, pre + "self_attn.o_proj.weight", C: Q, OC: C)).map(+)
            let h2 = rmsNorm(x, t(pre + "post_attention_layernorm.weight"), eps: eps, N: N, C: C)
            let gate = linear(h2, pre + "mlp.gate_proj.weight", C: C, OC: F),
                up = linear(h2, pre + "mlp.up_proj.weight", C: C, OC: F)
            let gateUp = interleaveRows([(gate, F), (up, F)], N: N)
            x = zip(x, linear(swiGLU(gateUp, N: N, F: F), pre + "mlp.down_proj.weight", C: F, OC: C)).map(+)
            hidden.append(x)
        }
        let y = rmsNorm(x, t("model.norm.weight"), eps: eps, N: N, C: C)
        let head = cfg.tiedEmbeddings ? embedding : t("lm_head.weight")
        return (Ref.linear(y, head, [Double](repeating: 0, count: V), N: N, C: C, OC: V), hidden)
    }
}
