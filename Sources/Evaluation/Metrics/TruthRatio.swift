import Foundation

/// TOFU's truth ratio as open-unlearning computes it (`src/evals/metrics/memorization.py`,
/// `truth_ratio`; the forget config pairs access_key "correct" with the paraphrased answer and
/// "wrong" with the perturbed answers).
///
/// Per item: R = p_wrong / (p_correct + 10⁻¹⁰) with p = exp(−avg_loss), where avg_loss is the mean
/// token NLL of an answer and the perturbed answers' avg_losses are averaged first (a geometric
/// mean of their normalised probabilities). R is "false over true": near 1 after forgetting,
/// near 0 for a model that knows the answer.
package enum TruthRatio {
    /// R for one item from the paraphrased answer's mean NLL and each perturbed answer's mean NLL.
    package static func ratio(paraphrasedAverageLoss: Double, perturbedAverageLosses: [Double]) -> Double {
        precondition(!perturbedAverageLosses.isEmpty, "at least one perturbed answer")
        return exp(-mean(perturbedAverageLosses)) / (exp(-paraphrasedAverageLoss) + 1e-10)
    }

    /// The forget-set aggregate (`closer_to_1_better`): mean over items of min(R, 1/(R + 10⁻¹⁰)).
    package static func closerToOneBetter(_ ratios: [Double]) -> Double {
        mean(ratios.map { min($0, 1 / ($0 + 1e-10)) })
    }

    /// The aggregate for retain, real-authors and world-facts sets (`true_better`):
    /// mean over items of max(0, 1 − R).
    package static func trueBetter(_ ratios: [Double]) -> Double {
        mean(ratios.map { max(0, 1 - $0) })
    }

    static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }
}
