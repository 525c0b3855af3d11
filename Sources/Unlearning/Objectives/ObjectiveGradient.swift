import Foundation
import NumericCore

/// The gradient of an objective on the model's outputs, built up term by term: on the logits
/// (B·T, V), and on the residual stream after chosen blocks (B·T, C). Starts at zero.
package struct ObjectiveGradient {
    /// (B·T, V), owned by the model (its logit-gradient scratch).
    package let logits: UnsafeMutablePointer<Float>
    /// Gradients on the residual stream after a block, by block.
    package private(set) var hidden: [Int: FloatBuffer] = [:]
    let vocabSize: Int, width: Int, positions: Int

    /// Zeroes `logits` ((positions × vocabSize) floats) and starts with no hidden gradient.
    package init(logits: UnsafeMutablePointer<Float>, positions: Int, vocabSize: Int, width: Int) {
        logits.update(repeating: 0, count: positions * vocabSize)
        self.logits = logits
        self.positions = positions
        self.vocabSize = vocabSize
        self.width = width
    }

    /// Adds `Σₙ cₙ·∂log p(yₙ)/∂logits = cₙ·(onehot(yₙ) − softmax(logitsₙ))` for the positions of
    /// `range` (`coefficients[i]` belongs to position `range.lowerBound + i`; zeros are skipped).
    package mutating func addLogProbGradient(
        _ coefficients: [Double], positions range: Range<Int>,
        results: ForwardResults, targets: [Int32]
    ) {
        precondition(coefficients.count == range.count)
        let V = vocabSize, d = logits
        Parallel.forRanges(range.count, grain: 4) { chunk in
            for i in chunk where coefficients[i] != 0 {
                let n = range.lowerBound + i
                let c = Float(coefficients[i])
                let out = d + n * V
                RowOps.addScaledExp(
                    results.logits.baseAddress! + n * V, into: out, count: V,
                    shift: results.logSumExp[n], scale: -c)
                out[Int(targets[n])] += c
            }
        }
    }

    /// For each position n of `range` with `scales[i] ≠ 0`, with `q = softmax(referenceLogitsₙ −
    /// penalty·onehot(yₙ))`: adds `sₙ·(softmax(logitsₙ) − q)`, the gradient of `sₙ·CE(q, p)`, and
    /// returns per position `(Σ_v q log q, Σ_v q log p)` (zeros where the scale is 0), from which
    /// KL(q‖p) and CE(q, p) follow.
    package mutating func addDistributionMatch(
        _ scales: [Double], positions range: Range<Int>,
        current: ForwardResults, reference: ForwardResults,
        targets: [Int32], penalty: Float = 0
    ) -> [(qlogq: Double, qlogp: Double)] {
        precondition(scales.count == range.count)
        let V = vocabSize, d = logits
        var sums = [(qlogq: Double, qlogp: Double)](repeating: (0, 0), count: range.count)
        sums.withUnsafeMutableBufferPointer { out in
            Parallel.forRanges(range.count, grain: 4) { chunk in
                var shifted = [Float](repeating: 0, count: V)
                for i in chunk where scales[i] != 0 {
                    let n = range.lowerBound + i
                    let s = Float(scales[i])
                    let p = current.logits.baseAddress! + n * V, g = d + n * V
                    let lseP = current.logSumExp[n]
                    shifted.withUnsafeMutableBufferPointer { r in
                        r.baseAddress!.update(from: reference.logits.baseAddress! + n * V, count: V)
                        if penalty != 0 { r[Int(targets[n])] -= penalty }
                        let m = Reduce.max(r.baseAddress!, count: V)
                        let lseQ = m + Foundation.log(RowOps.expSum(r.baseAddress!, count: V, shift: m))
                        out[i] = Self.matchRow(
                            g, logits: p, lse: lseP, reference: r.baseAddress!, referenceLSE: lseQ,
                            scale: s, count: V)
                    }
                }
            }
        }
        return sums
    }

    /// One row of `addDistributionMatch`: `g += s·(exp(p − lse) − exp(r − lseR))`, and the row's
    /// `(Σ q log q, Σ q log p)` (Float64 over 8-lane Float32 partial products).
    private static func matchRow(
        _ g: UnsafeMutablePointer<Float>, logits p: UnsafePointer<Float>, lse: Float,
        reference r: UnsafePointer<Float>, referenceLSE: Float, scale s: Float,
        count V: Int
    ) -> (qlogq: Double, qlogp: Double) {
        var qlogq = 0.0, qlogp = 0.0, v = 0
        while v + 8 <= V {
            let lq = load8(r, v) - referenceLSE, lp = load8(p, v) - lse
            let q = VectorMath.exp(lq)
            qlogq += Double((q * lq).sum())
            qlogp += Double((q * lp).sum())
            store8(load8(g, v) + s * (VectorMath.exp(lp) - q), g, v)
            v += 8
        }
        while v < V {
            let lq = r[v] - referenceLSE, lp = p[v] - lse, q = Foundation.exp(lq)
            qlogq += Double(q) * Double(lq)
            qlogp += Double(q) * Double(lp)
            g[v] += s * (Foundation.exp(lp) - q)
            v += 1
        }
        return (qlogq, qlogp)
    }

    /// Adds `values` ((positions × width), the gradient on the residual stream after `block`).
    package mutating func addHiddenGradient(_ values: [Float], block: Int) {
        precondition(values.count == positions * width)
        let buffer: FloatBuffer
        if let b = hidden[block] { buffer = b } else { buffer = FloatBuffer(count: positions * width); hidden[block] = buffer }
        values.withUnsafeBufferPointer { RowOps.add($0.baseAddress!, into: buffer.base, count: values.count) }
    }
}
