/// A closed list of names a config key accepts. The raw values are the spellings in YAML; this is
/// the one place the lists live. Decoding an unknown name fails with the list of accepted ones.
public protocol ConfigChoice: RawRepresentable, CaseIterable, Codable, Hashable, Sendable
where RawValue == String {
    /// What the name names, for error messages ("forget objective").
    static var kind: String { get }
}

extension ConfigChoice {
    /// The accepted spellings, in declaration order.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// Decodes a name, or fails with "unknown <kind> 'x' (expected one of: …)".
    static func decodeChoice(from decoder: any Decoder) throws -> Self {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "unknown \(kind) '\(text)' (expected one of: \(names.joined(separator: ", ")))"))
        }
        return value
    }
}

/// The hyper-parameter keys of `objective.forget` (every one optional; nil = the objective's own
/// default).
public enum ForgetParameter: String, CaseIterable, Sendable {
    case beta, alpha, gamma, beta1, beta2, layer, c
}

/// The forget-side objectives (REFERENCE.md §2).
public enum ForgetObjectiveName: String, ConfigChoice {
    case ga, wga, npo, simnpo, tnpo, wtnpo, satimp, po, idkdpo, rmu, undial
    public static let kind = "forget objective"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }

    /// The hyper-parameters this objective reads; setting any other one is an error.
    public var parameters: [ForgetParameter] {
        switch self {
        case .ga, .po: return []
        case .wga: return [.alpha]
        case .npo, .tnpo, .idkdpo, .undial: return [.beta]
        case .simnpo: return [.beta, .gamma]
        case .wtnpo: return [.beta, .alpha]
        case .satimp: return [.beta1, .beta2]
        case .rmu: return [.layer, .c]
        }
    }
}

/// The retain-side terms added as `retain_weight · term` (REFERENCE.md §2).
public enum RetainTermName: String, ConfigChoice {
    /// No retain term.
    case none
    /// Gradient difference: NLL on a retain batch.
    case gd
    /// KL(p_θo ‖ p_θ) on a retain batch.
    case kl
    /// Representation retention at `layer`.
    case rr
    public static let kind = "retain term"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }

    /// Whether the term reads `objective.retain.layer`.
    public var takesLayer: Bool { self == .rr }
}

/// The optimisers.
public enum OptimizerName: String, ConfigChoice {
    case adamw, sgd
    public static let kind = "optimizer"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// The learning-rate schedules: `constant`, or `linear` (linear warm-up over `warmup_steps`, then
/// linear decay to 0 at the last step).
public enum ScheduleName: String, ConfigChoice {
    case constant, linear
    public static let kind = "schedule"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// What the data directory holds: TOFU-shaped question–answer files, or Markov mixtures.
public enum DataKind: String, ConfigChoice {
    case qa, markov
    public static let kind = "data kind"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// The TOFU forget splits (same spellings as `Datasets.TOFUForgetSet`).
public enum ForgetSplitName: String, ConfigChoice {
    case forget01, forget05, forget10
    public static let kind = "forget split"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }

    /// Percent of the authors in the split.
    public var percent: Int {
        switch self {
        case .forget01: return 1
        case .forget05: return 5
        case .forget10: return 10
        }
    }

    /// The retain split that, with this one, makes up the full set (the default retain split).
    public var complement: RetainSplitName {
        switch self {
        case .forget01: return .retain99
        case .forget05: return .retain95
        case .forget10: return .retain90
        }
    }
}

/// The TOFU retain splits (same spellings as `Datasets.TOFUSplit`).
public enum RetainSplitName: String, ConfigChoice {
    case retain90, retain95, retain99
    public static let kind = "retain split"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }

    /// Percent of the authors in the split (the first ones; forget splits are the last ones).
    public var percent: Int {
        switch self {
        case .retain90: return 90
        case .retain95: return 95
        case .retain99: return 99
        }
    }
}

/// SimNPO's two Markov-mixture experiments (same spellings as `Datasets.MarkovExperiment`).
public enum MarkovExperimentName: String, ConfigChoice {
    case A, B
    public static let kind = "Markov experiment"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// How G-effects are measured: `exact` (full-set gradients, per instance and token) or `paper`
/// (micro-batches of 4 with smoothed gradients, as the G-effect paper's code; see
/// `Instrumentation.PaperProtocol`).
public enum GEffectModeName: String, ConfigChoice {
    case exact, paper
    public static let kind = "G-effect mode"
    public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}
