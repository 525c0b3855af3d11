import Foundation
import NumericCore

/// The output distribution over the vocabulary, row by row of the (N,V) logits.
public enum LogSoftmax {
    /// `lse[n] = log Σ_v exp(logits[n,v])` and `logp[n] = logits[n, y_n] − lse[n]`
    /// (0 where the target is −1, i.e. absent).
    public static func forward(lse: UnsafeMutablePointer<Float>, logp: UnsafeMutablePointer<Float>,
                        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, N: Int, V: Int) {
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
    public static func nllBackward(dlogits: UnsafeMutablePointer<Float>, coefficients c: UnsafePointer<Float>,
                            logits: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                            targets: UnsafePointer<Int32>, N: Int, V: Int) {
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
}
