/// Gradient descent on retain data (GD's retain term): the token-mean answer NLL,
/// `L = −(1/N_r)·Σ m·log p(y)`, token weights `−m/N_r`.
public struct RetainNLL: ObjectiveTerm {
    public let roles: Set<BatchRole> = [.retain]
    public init() {}
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenMeanNLL(ctx, role: .retain, scale: scale, into: &gradient)
    }
}

extension RetainNLL: RetainObjectiveTerm {
    public static let name = "gd"
    public static let summary = "Gradient difference's retain term: the token-mean answer NLL of a retain batch."

    public typealias Parameters = NoParameters

    public init(_ parameters: Parameters, shape: ObjectiveModelShape) {
        self.init()
    }
}
