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
public func clipGradientNorm(_ gradients: FloatBuffer, maxNorm: Double?) -> Double {
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

/// The global L2 norm of a buffer, `√(Σ gᵢ²)`, accumulated in Float64 (NumericCore `Reduce.dot`).
public func gradientNorm(_ gradients: FloatBuffer) -> Double {
    Reduce.dot(gradients.base, gradients.base, count: gradients.count).squareRoot()
}
