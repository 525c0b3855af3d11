import NumericCore

/// Representation misdirection (RMU, [GE]): pushes the residual stream after block `layer`, at
/// the forget answer positions, towards a fixed random direction scaled by `c`:
///
///     L = (1/N)·Σ_{b,t} m·(1/C)·Σ_c (h[b,t,c] − c·u[c])²,   u ~ U[0,1)^C drawn once per run
///
/// Gradient on the hidden state: `(2m/(N·C))·(h − c·u)`.
package struct RMU: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    package let layer: Int
    package var c: Double
    /// The fixed direction u (length C), stored with the run.
    package let u: [Float]
    package var hiddenLayer: Int? { layer }

    package init(layer: Int, c: Double = Parameters().c, u: [Float]) {
        self.layer = layer
        self.c = c
        self.u = u
    }

    /// Draws u ~ U[0,1)^width from `rng`.
    package static func drawDirection(width: Int, rng: inout RNG) -> [Float] {
        (0..<width).map { _ in Float(rng.uniform()) }
    }

    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let C = ctx.width, N = ctx.tokenDenominator(.forget)
        precondition(u.count == C, "RMU direction has \(u.count) values for a hidden width of \(C)")
        let ones = Array(repeating: 1.0, count: ctx.rows(.forget).count)
        guard N > 0, let h = ctx.current.hidden[layer] else { return TermValue(value: 0, instanceWeights: ones) }
        let target = u.map { Double($0) * c }
        var grad = [Float](repeating: 0, count: ctx.batch.batch * ctx.seq * C), value = 0.0
        for n in ctx.positions(.forget) where ctx.mask[n] != 0 {
            let m = Double(ctx.mask[n])
            for k in 0..<C {
                let diff = Double(h[n * C + k]) - target[k]
                value += m * diff * diff / (N * Double(C))
                grad[n * C + k] = Float(scale * 2 * m * diff / (N * Double(C)))
            }
        }
        gradient.addHiddenGradient(grad, block: layer)
        return TermValue(value: value, instanceWeights: ones)
    }
}

extension RMU: ForgetObjectiveTerm {
    package static let name = "rmu"
    package static let summary =
        "Representation misdirection: pushes a block's residual stream on forget tokens towards c·u, u a fixed random direction."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    package struct Parameters: ObjectiveParameters {
        /// The block whose output is steered; nil: the middle block ⌊L/2⌋.
        package var layer: Int? = nil
        /// c, the steering coefficient.
        package var c = 2.0
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [
                .block("layer", \.layer, "block whose output is steered (0-based; null: the middle block ⌊L/2⌋)"),
                .number(
                    "c", \.c, .positive,
                    "steering coefficient c (u ~ U[0,1)^C is not normalised, unlike open-unlearning's steering_coeff)"),
            ]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(
            layer: parameters.layer ?? shape.middleBlock, c: parameters.c, u: RMU.drawDirection(width: shape.width, rng: &rng))
    }
}
