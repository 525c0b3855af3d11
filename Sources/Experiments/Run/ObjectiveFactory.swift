import NumericCore
import Unlearning

extension ExperimentConfig.ObjectiveConfig {
    /// The objective this configuration names, with unset hyper-parameters at the objective's
    /// defaults (REFERENCE §2). Representation terms default to the middle block (`nLayer / 2`);
    /// RMU's direction u is drawn from `rng`.
    public func makeObjective(width: Int, blocks: Int, rng: inout RNG) -> UnlearningObjective {
        let f = forget, middle = blocks / 2
        let forgetTerm: any ObjectiveTerm
        switch f.name {
        case .ga: forgetTerm = GradientAscent()
        case .wga: forgetTerm = WeightedGradientAscent(alpha: f.alpha ?? WeightedGradientAscent().alpha)
        case .npo: forgetTerm = NPO(beta: f.beta ?? NPO().beta)
        case .simnpo: forgetTerm = SimNPO(beta: f.beta ?? SimNPO().beta, gamma: f.gamma ?? SimNPO().gamma)
        case .tnpo: forgetTerm = TNPO(beta: f.beta ?? TNPO().beta)
        case .wtnpo: forgetTerm = WTNPO(beta: f.beta ?? WTNPO().beta, alpha: f.alpha ?? WTNPO().alpha)
        case .satimp: forgetTerm = SatImp(beta1: f.beta1 ?? SatImp().beta1, beta2: f.beta2 ?? SatImp().beta2)
        case .po: forgetTerm = RefusalTuning()
        case .idkdpo: forgetTerm = IdkDPO(beta: f.beta ?? IdkDPO().beta)
        case .undial: forgetTerm = UNDIAL(beta: f.beta ?? UNDIAL().beta)
        case .rmu:
            forgetTerm = RMU(layer: f.layer ?? middle, c: f.c ?? 2, u: RMU.drawDirection(width: width, rng: &rng))
        }
        let retainTerm: (any ObjectiveTerm)?
        switch retain.name {
        case .none: retainTerm = nil
        case .gd: retainTerm = RetainNLL()
        case .kl: retainTerm = RetainKL()
        case .rr: retainTerm = RepresentationRetention(layer: retain.layer ?? middle)
        }
        return UnlearningObjective(forget: forgetTerm, retain: retainTerm, forgetWeight: forgetWeight, retainWeight: retainWeight)
    }
}
