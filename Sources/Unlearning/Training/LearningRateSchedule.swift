/// How the learning rate changes over a run.
///
/// Steps are 1-based: step `s` of `totalSteps` is the `s`-th optimiser update. The convention is
/// exactly Hugging Face's `get_linear_schedule_with_warmup` (with `optimizer.step()` followed by
/// `scheduler.step()`, as its trainers do): the update of step `s` uses the multiplier at scheduler
/// index `i = s − 1`,
///
///     i <  W:   base · i / max(1, W)                                 (so step 1 has rate 0 when W > 0)
///     i ≥ W:    base · max(0, (totalSteps − i) / max(1, totalSteps − W))
///
/// For example base 1, W = 2, totalSteps = 6 gives 0, 0.5, 1, 0.75, 0.5, 0.25: the rate would
/// reach 0 one step after the last. With W = 0 the first step has the full rate. The multiplier is
/// formed in Float64 and multiplied by `base` once, then rounded to Float.
package enum LearningRateSchedule: Equatable, Sendable {
    /// The base rate at every step.
    case constant
    /// Linear warm-up from 0 over `warmupSteps`, then linear decay to 0 at the last step.
    case linearWarmupDecay(warmupSteps: Int)

    /// The learning rate of 1-based step `step` of `totalSteps`, for base rate `base`.
    package func rate(step: Int, totalSteps: Int, base: Float) -> Float {
        switch self {
        case .constant:
            return base
        case .linearWarmupDecay(let warmup):
            let i = Double(step - 1), W = Double(max(warmup, 0)), total = Double(totalSteps)
            let multiplier: Double
            if i < W {
                multiplier = i / max(1, W)
            } else {
                multiplier = max(0, (total - i) / max(1, total - W))
            }
            return Float(Double(base) * multiplier)
        }
    }
}
