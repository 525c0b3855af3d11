import NumericCore

/// Clips a gradient buffer by its global L2 norm, as PyTorch's `torch.nn.utils.clip_grad_norm_`
/// does (norm type 2, `error_if_nonfinite=False` aside):
///
///     norm = √(Σ gᵢ²)                      accumulated in Float64
///     c    = maxNorm / (norm + 1e-6)
///     g    ← g · c                         only when c < 1 (PyTorch multiplies by min(c, 1))
///
/// so after clipping the norm is `maxNorm · norm / (norm + 1e-6)`, within 1e-6 relative of
/// `maxNorm` for any norm above about 1. A gradient whose norm is not finite is left untouched
/// (PyTorch would zero or poison it); the returned norm tells the caller. Returns the norm before
/// clipping. With `maxNorm` nil the gradient is only measured.
@discardableResult
package func clipGradientNorm(_ gradients: FloatBuffer, maxNorm: Double?) -> Double {
    precondition(maxNorm.map { $0 > 0 } ?? true, "maxNorm must be positive")
    let norm = gradientNorm(gradients)
    guard let maxNorm, norm.isFinite else { return norm }
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        let c = Float(coefficient), g = gradients.base
        Parallel.forRanges(gradients.count, grain: 65_536) { r in
            RowOps.scale(g + r.lowerBound, count: r.count, by: c)
        }
    }
    return norm
}

/// The global L2 norm of a buffer, `√(Σ gᵢ²)`, accumulated in Float64 (NumericCore `Reduce.dot`):
/// partial sums over fixed chunks of 2¹⁸ values, spread over the workers, then added in order, so
/// the value does not depend on the number of workers.
package func gradientNorm(_ gradients: FloatBuffer) -> Double {
    let chunk = 1 << 18, n = gradients.count, g = gradients.base
    var partial = [Double](repeating: 0, count: (n + chunk - 1) / chunk)
    partial.withUnsafeMutableBufferPointer { sums in
        Parallel.forRanges(sums.count) { chunks in
            for c in chunks {
                let start = c * chunk
                sums[c] = Reduce.dot(g + start, g + start, count: Swift.min(chunk, n - start))
            }
        }
    }
    return partial.reduce(0, +).squareRoot()
}
