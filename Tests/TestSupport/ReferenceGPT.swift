import Foundation
import Model

/// A naive Float64 GPT-2, written for clarity, never for speed: the arithmetic that the Float32
/// engine's forward pass is compared with and its backward pass is differentiated through.
package enum Ref {
    /// out (N,OC) = x (N,C)·Wᵀ + b, W (OC,C).
    package static func linear(_ x: [Double], _ w: [Double], _ b: [Double], N: Int, C: Int, OC: Int) -> [Double] {
        var out = [Double](repeating: 0, count: N * OC)
        for n in 0..<N {
            for o in 0..<OC {
                var s = b[o]
                for c in 0..<C { s += x[n * C + c] * w[o * C + c] }
                out[n * OC + o] = s
            }
        }
        return out
    }

    package static func layerNorm(_ x: [Double], _ w: [Double], _ b: [Double], N: Int, C: Int) -> [Double] {
        var out = x
        for n in 0..<N {
            let row = x[(n * C)..<((n + 1) * C)]
            let m = row.reduce(0, +) / Double(C)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)
            let r = 1 / (v + 1e-5).squareRoot()
            for c in 0..<C { out[n * C + c] = (x[n * C + c] - m) * r * w[c] + b[c] }
        }
        return out
    }

    package static func gelu(_ x: [Double]) -> [Double] {
        x.map { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
    }

    /// Causal multi-head attention on fused q|k|v rows (B,T,3C) → (B,T,C).
    package static func attention(_ qkv: [Double], B: Int, T: Int, C: Int, NH: Int) -> [Double] {
        let hs = C / NH
        var out = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    func at(_ t: Int, _ part: Int, _ d: Int) -> Double { qkv[(b * T + t) * 3 * C + part * C + h * hs + d] }
                    var scores = (0...t).map { j in
                        (0..<hs).reduce(0.0) { $0 + at(t, 0, $1) * at(j, 1, $1) } / Double(hs).squareRoot()
                    }
                    let m = scores.max()!
                    scores = scores.map { exp($0 - m) }
                    let z = scores.reduce(0, +)
                    for d in 0..<hs {
                        out[(b * T + t) * C + h * hs + d] = (0...t).reduce(0.0) { $0 + scores[$1] / z * at($1, 2, d) }
                    }
                }
            }
        }
        return out
    }

    /// Log-softmax rows of (N,V) logits.
    package static func logSoftmax(_ logits: [Double], N: Int, V: Int) -> [Double] {
        var out = logits
        for n in 0..<N {
            let row = logits[(n * V)..<((n + 1) * V)]
            let m = row.max()!
            let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
            for v in 0..<V { out[n * V + v] = logits[n * V + v] - lse }
        }
        return out
    }

    /// The whole model: logits (B·T, V) and every block's output, from Float64 parameters.
    /// `inputEmbedding`, when given, replaces `wte` in the input lookup only (the head keeps
    /// `wte`): the way to differentiate the two sides of the tied matrix separately.
    package static func gpt(
        _ cfg: GPTConfig, _ p: [Double], tokens: [Int32], B: Int, T: Int,
        inputEmbedding: [Double]? = nil
    ) -> (logits: [Double], hidden: [[Double]]) {
        let layout = cfg.parameterLayout()
        func t(_ name: String) -> [Double] { let s = layout[name]!; return Array(p[s.range]) }
        let C = cfg.nEmbd, N = B * T
        let wte = t("wte.weight"), wpe = t("wpe.weight")
        var x = [Double](repeating: 0, count: N * C)
        let lookup = inputEmbedding ?? wte
        for n in 0..<N { for c in 0..<C { x[n * C + c] = lookup[Int(tokens[n]) * C + c] + wpe[(n % T) * C + c] } }
        var hidden: [[Double]] = []
        for l in 0..<cfg.nLayer {
            let h = "h.\(l)."
            let a = linear(
                attention(
                    linear(
                        layerNorm(x, t(h + "ln_1.weight"), t(h + "ln_1.bias"), N: N, C: C),
                        t(h + "attn.c_attn.weight"), t(h + "attn.c_attn.bias"), N: N, C: C, OC: 3 * C),
                    B: B, T: T, C: C, NH: cfg.nHead),
                t(h + "attn.c_proj.weight"), t(h + "attn.c_proj.bias"), N: N, C: C, OC: C)
            x = zip(x, a).map(+)
            let f = linear(
                gelu(
                    linear(
                        layerNorm(x, t(h + "ln_2.weight"), t(h + "ln_2.bias"), N: N, C: C),
                        t(h + "mlp.c_fc.weight"), t(h + "mlp.c_fc.bias"), N: N, C: C, OC: 4 * C)),
                t(h + "mlp.c_proj.weight"), t(h + "mlp.c_proj.bias"), N: N, C: 4 * C, OC: C)
            x = zip(x, f).map(+)
            hidden.append(x)
        }
        let y = layerNorm(x, t("ln_f.weight"), t("ln_f.bias"), N: N, C: C)
        var logits = [Double](repeating: 0, count: N * cfg.vocabSize)
        for n in 0..<N {
            for v in 0..<cfg.vocabSize {
                logits[n * cfg.vocabSize + v] = (0..<C).reduce(0.0) { $0 + y[n * C + $1] * wte[v * C + $1] }
            }
        }
        return (logits, hidden)
    }

    /// Masked token-mean NLL `Σ m·(−log p(y)) / Σ m`.
    package static func loss(logits: [Double], targets: [Int32], mask: [Float], V: Int) -> Double {
        let lp = logSoftmax(logits, N: targets.count, V: V)
        var s = 0.0, m = 0.0
        for n in 0..<targets.count where mask[n] != 0 {
            s -= Double(mask[n]) * lp[n * V + Int(targets[n])]
            m += Double(mask[n])
        }
        return s / m
    }
}
