/// Representation retention (RR): keeps the residual stream after block `layer` on retain data
/// where the reference model has it,
///
///     L = (1/N_r)·Σ_{b,t} m·‖h(x;θ) − h(x;θ_o)‖²
///
/// Gradient on the hidden state: `(2m/N_r)·(h − h_o)`.
package struct RepresentationRetention: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.retain]
    package let needsReference = true
    package let layer: Int
    package var hiddenLayer: Int? { layer }

    package init(layer: Int) { self.layer = layer }

    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let C = ctx.width, N = ctx.tokenDenominator(.retain)
        guard N > 0, let h = ctx.current.hidden[layer], let ho = ctx.referenceResults.hidden[layer] else {
            return TermValue(value: 0)
        }
        var grad = [Float](repeating: 0, count: ctx.batch.batch * ctx.seq * C), value = 0.0
        for n in ctx.positions(.retain) where ctx.mask[n] != 0 {
            let m = Double(ctx.mask[n])
            for k in 0..<C {
                let diff = Double(h[n * C + k]) - Double(ho[n * C + k])
                value += m * diff * diff / N
                grad[n * C + k] = Float(scale * 2 * m * diff / N)
            }
        }
        gradient.addHiddenGradient(grad, block: layer)
        return TermValue(value: value)
    }
}

extension RepresentationRetention: RetainObjectiveTerm {
    package static let name = "rr"
    package static let summary = "Representation retention: keeps a block's residual stream on retain data where θ_o has it."

    /// The hyper-parameters a config sets (`objective.retain.*`).
    package struct Parameters: ObjectiveParameters {
        /// The block whose output is kept; nil: the middle block ⌊L/2⌋.
        package var layer: Int? = nil
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [.block("layer", \.layer, "block whose output is kept (0-based; null: the middle block ⌊L/2⌋)")]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape) {
        self.init(layer: parameters.layer ?? shape.middleBlock)
    }
}
