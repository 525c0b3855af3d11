import NumericCore

/// Representation misdirection (RMU, [GE]): pushes the residual stream after block `layer`, at
/// the forget answer positions, towards a fixed random direction scaled by `c`:
///
///     L = (1/N)·Σ_{b,t} m·(1/C)·Σ_c (h[b,t,c] − c·u[c])²,   u ~ U[0,1)^C drawn once per run
///
/// Gradient on the hidden state: `(2m/(N·C))·(h − c·u)`.
public struct RMU: ObjectiveTerm {
    public let name = "rmu"
    public let roles: Set<BatchRole> = [.forget]
    public let layer: Int
    public var c: Double
    /// The fixed direction u (length C), stored with the run.
    public let u: [Float]
    public var hiddenLayer: Int? { layer }

    public init(layer: Int, c: Double = 2, u: [Float]) {
        self.layer = layer
        self.c = c
        self.u = u
    }

    /// Draws u ~ U[0,1)^width from `rng`.
    public static func drawDirection(width: Int, rng: inout RNG) -> [Float] {
        (0..<width).map { _ in Float(rng.uniform()) }
    }

    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
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

/// Representation retention (RR): keeps the residual stream after block `layer` on retain data
/// where the reference model has it,
///
///     L = (1/N_r)·Σ_{b,t} m·‖h(x;θ) − h(x;θ_o)‖²
///
/// Gradient on the hidden state: `(2m/N_r)·(h − h_o)`.
public struct RepresentationRetention: ObjectiveTerm {
    public let name = "rr"
    public let roles: Set<BatchRole> = [.retain]
    public let needsReference = true
    public let layer: Int
    public var hiddenLayer: Int? { layer }

    public init(layer: Int) { self.layer = layer }

    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
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
