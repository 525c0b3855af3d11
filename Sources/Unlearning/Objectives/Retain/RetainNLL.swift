/// Gradient descent on retain data (GD's retain term): the token-mean answer NLL,
/// `L = −(1/N_r)·Σ m·log p(y)`, token weights `−m/N_r`.
package struct RetainNLL: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.retain]
    package init() {}
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenMeanNLL(ctx, role: .retain, scale: scale, into: &gradient)
    }
}

extension RetainNLL: RetainObjectiveTerm {
    package static let name = "gd"
    package static let summary = "Gradient difference's retain term: the token-mean answer NLL of a retain batch."

    package typealias Parameters = NoParameters

    package init(_ parameters: Parameters, shape: ObjectiveModelShape) {
        self.init()
    }
}
