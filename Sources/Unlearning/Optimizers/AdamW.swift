import Foundation
import Model
import NumericCore

/// AdamW with PyTorch's semantics and order of operations (`torch.optim.AdamW`, foreach=False):
///
///     θ ← θ·(1 − lr·λ)                    decoupled weight decay, on `decayRanges` only
///     m ← m + (1 − β₁)·(g − m)
///     v ← β₂·v + (1 − β₂)·g²
///     θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
package final class AdamW: Optimizer {
    package var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    package private(set) var stepCount = 0
    private let m: FloatBuffer, v: FloatBuffer
    private let decays: [Bool]   // per chunk of `chunks`
    private let chunks: [Range<Int>]

    package init(
        count: Int, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
        weightDecay: Float = 0, decayRanges: [Range<Int>] = []
    ) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        m = FloatBuffer(count: count)
        v = FloatBuffer(count: count)
        // Cut 0..<count into consecutive chunks that are entirely decayed or not.
        var chunks: [Range<Int>] = [], decays: [Bool] = [], at = 0
        for r in decayRanges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            precondition(r.lowerBound >= at && r.upperBound <= count, "decay ranges overlap or exceed the buffer")
            if r.lowerBound > at { chunks.append(at..<r.lowerBound); decays.append(false) }
            chunks.append(r); decays.append(true)
            at = r.upperBound
        }
        if at < count { chunks.append(at..<count); decays.append(false) }
        self.chunks = chunks
        self.decays = decays
    }

    /// The first moment m, the second moment v (as the update reads them) and the step count t:
    /// all a resumed run needs to continue with the same bits.
    package var moments: (m: FloatBuffer, v: FloatBuffer) { (m, v) }

    /// Continues from a saved state: `steps` updates made, moments already copied into `moments`.
    package func resume(afterSteps steps: Int) {
        precondition(steps >= 0)
        stepCount = steps
    }

    package func step(parameters: FloatBuffer, gradients: FloatBuffer, lr: Float) {
        precondition(parameters.count == m.count && gradients.count == m.count)
        stepCount += 1
        let t = Double(stepCount)
        // Scalars are formed in Float64 and rounded once, as PyTorch does with Python floats.
        let stepSize = Float(Double(lr) / (1 - pow(Double(beta1), t)))
        let bc2Sqrt = Float((1 - pow(Double(beta2), t)).squareRoot())
        let (b1, b2, eps) = (beta1, beta2, self.eps)
        let p = parameters.base, g = gradients.base, m = m.base, v = v.base
        for (range, decay) in zip(chunks, decays) {
            let keep = decay ? 1 - lr * weightDecay : 1
            Parallel.forRanges(range.count, grain: 16_384) { sub in
                var i = range.lowerBound + sub.lowerBound
                let end = range.lowerBound + sub.upperBound
                while i + 8 <= end {
                    let gi = load8(g, i)
                    let mi = load8(m, i) + (1 - b1) * (gi - load8(m, i))
                    let vi = b2 * load8(v, i) + (1 - b2) * gi * gi
                    let pi = load8(p, i) * keep
                    store8(mi, m, i)
                    store8(vi, v, i)
                    store8(pi - stepSize * (mi / (vi.squareRoot() / bc2Sqrt + eps)), p, i)
                    i += 8
                }
                while i < end {
                    m[i] += (1 - b1) * (g[i] - m[i])
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                    p[i] = p[i] * keep - stepSize * (m[i] / (v[i].squareRoot() / bc2Sqrt + eps))
                    i += 1
                }
            }
        }
    }
}
