import Datasets

// The closed name lists only configs use. Lists shared with the data (splits, Markov
// experiments) live beside their data in Datasets; objectives and retain terms in
// `Unlearning.ObjectiveRegistry`.

/// The optimisers.
package enum OptimizerName: String, NamedChoice {
    case adamw, sgd
    package static let kind = "optimizer"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// The learning-rate schedules: `constant`, or `linear` (linear warm-up over `warmup_steps`, then
/// linear decay to 0 at the last step).
package enum ScheduleName: String, NamedChoice {
    case constant, linear
    package static let kind = "schedule"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// What the data directory holds: TOFU-shaped question–answer files, or Markov mixtures.
package enum DataKind: String, NamedChoice {
    case qa, markov
    package static let kind = "data kind"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// How G-effects are measured: `exact` (full-set gradients, per instance and token) or `paper`
/// (micro-batches of 4 with smoothed gradients, as the G-effect paper's code; see
/// `Instrumentation.PaperProtocol`).
package enum GEffectModeName: String, NamedChoice {
    case exact, paper
    package static let kind = "G-effect mode"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// How an update mask ranks the weights (`optimizer.mask.method`): `none` updates every weight.
package enum MaskMethodName: String, NamedChoice {
    case none, wagle, magnitude, random, geffect
    package static let kind = "mask method"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// Whether a mask ranks all weights together or each tensor alone (`optimizer.mask.scope`).
package enum MaskScopeName: String, NamedChoice {
    case global, tensor
    package static let kind = "mask scope"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// The schedule of the ℓ1 penalty's weight over the epochs (`objective.l1.schedule`).
package enum L1ScheduleName: String, NamedChoice {
    case linear, constant
    package static let kind = "l1 schedule"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}
