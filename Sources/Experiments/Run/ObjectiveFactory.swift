import NumericCore
import Unlearning

extension ExperimentConfig.ObjectiveConfig {
    /// The objective this configuration names, for a model of `width` and `blocks` blocks
    /// (representation terms default to the middle block; RMU's direction u is drawn from `rng`).
    package func makeObjective(width: Int, blocks: Int, rng: inout RNG) -> UnlearningObjective {
        let shape = ObjectiveModelShape(width: width, blocks: blocks)
        return UnlearningObjective(
            forget: forget.makeTerm(shape: shape, rng: &rng), retain: retain.makeTerm(shape: shape),
            forgetWeight: forgetWeight, retainWeight: retainWeight,
            sparsity: l1.alpha > 0
                ? L1Sparsity(alpha: l1.alpha, schedule: l1.schedule == .linear ? .linear : .constant, noL1Epochs: l1.noL1Epochs)
                : nil)
    }
}
