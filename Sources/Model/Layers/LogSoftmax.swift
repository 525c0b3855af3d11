import Foundation
import NumericCore

/// The output distribution over the vocabulary, row by row of the (N,V) logits.
package enum LogSoftmax {
    /// `lse[n] = log Σ_v exp(logits[n,v])` and `logp[n] = logits[n, y_n] − lse[n]`
    /// (0 where the target is −1, i.e. absent).
    package static func forward(
        lse: UnsafeMutablePointer<Float>, logp: UnsafeMutablePointer<Float>,
        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, N: Int, V: Int
    ) {
        Parallel.forRanges(N, grain: 8) { rows in
            for n in rows {
                let row = logits + n * V
                let m = Reduce.max(row, count: V)
                let l = m + Foundation.log(RowOps.expSum(row, count: V, shift: m))
                lse[n] = l
                let y = Int(targets[n])
                logp[n] = y >= 0 ? row[y] - l : 0
            }
        }
    }

    /// The gradient of `Σₙ cₙ·(−log p(yₙ))` with respect to the logits:
    /// `dlogits[n,:] = cₙ·(softmax(logits[n,:]) − onehot(yₙ))`. Rows with `cₙ = 0` are zero.
    package static func nllBackward(
        dlogits: UnsafeMutablePointer<Float>, coefficients c: UnsafePointer<Float>,
        logits: UnsafePointer<Float>, lse: UnsafePointer<Float>,
        targets: UnsafePointer<Int32>, N: Int, V: Int
    ) {
        Parallel.forRanges(N, grain: 8) { rows in
            for n in rows {
                let d = dlogits + n * V
                guard c[n] != 0 else { d.update(repeating: 0, count: V); continue }
                d.update(from: logits + n * V, count: V)
                _ = RowOps.expInPlace(d, count: V, shift: lse[n])
                let y = Int(targets[n])
                if y >= 0 { d[y] -= 1 }
                RowOps.scale(d, count: V, by: c[n])
            }
        }
    }

    /// Forward-mode derivative of `log p(yₙ) = logits[n,yₙ] − lse[n]` along a logit tangent ṫ:
    ///
    ///     (log p(yₙ))˙ = ṫ[n,yₙ] − Σ_v softmax(logits[n,:])_v·ṫ[n,v]
    ///
    /// out (N); 0 where the target is −1.
    package static func tangent(
        out: UnsafeMutablePointer<Float>, logitTangent: UnsafePointer<Float>,
        logits: UnsafePointer<Float>, lse: UnsafePointer<Float>,
        targets: UnsafePointer<Int32>, N: Int, V: Int
    ) {
        Parallel.forRanges(N, grain: 8) { rows in
            for n in rows {
                let y = Int(targets[n])
                guard y >= 0 else { out[n] = 0; continue }
                let row = logits + n * V, dt = logitTangent + n * V
                let shift = lse[n]
                var s0 = Float8(), s1 = Float8(), i = 0
                while i + 16 <= V {
                    s0 += VectorMath.exp(load8(row, i) - shift) * load8(dt, i)
                    s1 += VectorMath.exp(load8(row, i + 8) - shift) * load8(dt, i + 8)
                    i += 16
                }
                if i + 8 <= V { s0 += VectorMath.exp(load8(row, i) - shift) * load8(dt, i); i += 8 }
                var s = (s0 + s1).sum()
                if i < V {
                    var l = Float8(repeating: shift), d = Float8()
                    for j in i..<V { l[j - i] = row[j]; d[j - i] = dt[j] }
                    s += (VectorMath.exp(l - shift) * d).sum()
                }
                out[n] = dt[y] - s
            }
        }
    }
}
