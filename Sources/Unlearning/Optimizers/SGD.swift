import NumericCore

/// Plain stochastic gradient descent, `θ ← θ − lr·g`: the update under which the G-effect's
/// first-order reading `R(θ′) − R(θ) ≈ −lr·e` holds.
package final class SGD: Optimizer {
    package init() {}

    package func step(parameters: FloatBuffer, gradients: FloatBuffer, lr: Float) {
        precondition(parameters.count == gradients.count)
        let p = parameters.base, g = gradients.base
        Parallel.forRanges(parameters.count, grain: 16_384) { r in
            for i in r { p[i] -= lr * g[i] }
        }
    }
}
