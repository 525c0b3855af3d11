import Datasets
import Foundation
import NumericCore

/// What forget quality and privleak compare a model with: the retain model's report on the same
/// sets (its forget-set truth ratios and its Min-K% AUC).
package struct RetainReference: Sendable {
    package let forgetTruthRatios: [Double]
    package let minKAUC: Double?

    package init(forgetTruthRatios: [Double], minKAUC: Double?) {
        self.forgetTruthRatios = forgetTruthRatios
        self.minKAUC = minKAUC
    }

    package init(_ report: TOFUReport) { self.init(forgetTruthRatios: report.forgetTruthRatios, minKAUC: report.minKAUC) }
}

/// TOFU's metric suite computed from a model's scores (REFERENCE §3), named and aggregated as
/// open-unlearning does (`src/evals/metrics/memorization.py`, `utility.py`, `privacy.py`, `mia/`).
package enum TOFUMetrics {
    /// The names of the nine values model utility is the harmonic mean of.
    package static let utilityParts = [
        "retain_Q_A_Prob", "retain_Q_A_ROUGE", "retain_Truth_Ratio",
        "ra_Q_A_Prob_normalised", "ra_Q_A_ROUGE", "ra_Truth_Ratio",
        "wf_Q_A_Prob_normalised", "wf_Q_A_ROUGE", "wf_Truth_Ratio",
    ]

    /// The report for `scores` (by set, in `TOFUEvalSets.all` order). Model utility needs the
    /// generations of retain, ra and wf; forget quality and privleak need `retain`; the
    /// membership-inference metrics need `holdout` (the scores of the holdout items and their answers).
    package static func report(
        sets: TOFUEvalSets, scores: [TOFUSetScores], holdout: [AnswerScore]?,
        retain: RetainReference?
    ) -> TOFUReport {
        var report = TOFUReport()
        for (set, s) in zip(sets.all, scores) {
            let k = set.key
            report.add("\(k)_Q_A_Prob", probability(s.answer))
            if set.paraphrased { report.add("\(k)_Q_A_PARA_Prob", probability(s.paraphrased)) }
            report.add("\(k)_Q_A_PERT_Prob", perturbedProbability(s.perturbed))
            let ratios = truthRatios(correct: set.paraphrased ? s.paraphrased : s.answer, wrong: s.perturbed)
            let isForget = set.key == "forget"
            report.add(
                isForget ? "forget_truth_ratio" : "\(k)_Truth_Ratio",
                MetricResult(
                    aggValue: isForget ? TruthRatio.closerToOneBetter(ratios) : TruthRatio.trueBetter(ratios),
                    valueByIndex: ratios.map { .object([("score", .number($0))]) }))
            if isForget { report.forgetTruthRatios = ratios }
            if !set.paraphrased { report.add("\(k)_Q_A_Prob_normalised", normalisedProbability(s.answer, s.perturbed)) }
            if let generations = s.generations { report.add("\(k)_Q_A_ROUGE", rouge(generations)) }
        }
        let parts = utilityParts.compactMap { report[$0]?.aggValue }
        if parts.count == utilityParts.count { report.add("model_utility", MetricResult(aggValue: HarmonicMean.of(parts))) }
        if let retain {
            let p = ForgetQuality.pValue(
                modelTruthRatios: report.forgetTruthRatios, retainModelTruthRatios: retain.forgetTruthRatios)
            report.add(
                "forget_quality",
                MetricResult(
                    aggValue: p,
                    valueByIndex: zip(report.forgetTruthRatios, retain.forgetTruthRatios).map {
                        .object([("truth_ratio", .number($0)), ("retain_truth_ratio", .number($1))])
                    }))
        }

        // Memorisation: the forget answers' label tokens without the last (end-of-sequence) one.
        let forget = scores[0].answer
        let hits = forget.map { Array($0.argmaxHits.dropLast()) }
        let em = hits.map { Memorisation.exactMemorisation(argmaxMatchesLabel: $0) }
        report.add(
            "exact_memorization",
            MetricResult(
                aggValue: mean(em.compactMap { $0 }),
                valueByIndex: em.map { .object([("score", $0.map(JSONText.Value.number) ?? .null)]) }))
        let es = hits.map { Memorisation.extractionStrength(argmaxMatchesLabel: $0) }
        report.add(
            "extraction_strength", MetricResult(aggValue: mean(es), valueByIndex: es.map { .object([("score", .number($0))]) }))

        if let holdout, let holdoutItems = sets.holdout {
            let forgetItems = sets.forget.items
            let attacks: [(String, (AnswerScore, QASample) -> Double)] = [
                ("mia_loss", { s, _ in MembershipScores.loss(tokenLogProbabilities: s.logProbs) }),
                ("mia_zlib", { s, item in MembershipScores.zlib(averageLoss: s.meanNLL, text: item.answer) }),
                ("mia_min_k", { s, _ in minK(s) }),
                (
                    "mia_min_k_plus_plus",
                    { s, _ in
                        MembershipScores.minKPlusPlus(
                            tokenLogProbabilities: Array(s.logProbs.dropLast()), moments: Array(s.moments.dropLast()))
                    }
                ),
            ]
            for (name, attack) in attacks {
                let f = zip(forget, forgetItems).map(attack), h = zip(holdout, holdoutItems).map(attack)
                let auc = ROC.membershipAUC(forgetScores: f, holdoutScores: h)
                report.add(name, MetricResult(aggValue: auc, valueByIndex: f.map { .object([("score", .number($0))]) }))
                if name == "mia_min_k" { report.minKAUC = auc }
            }
            if let model = report.minKAUC, let reference = retain?.minKAUC {
                report.add("privleak", MetricResult(aggValue: ROC.privleak(modelAUC: model, retainAUC: reference)))
            }
        }
        return report
    }

    /// Per item the truth ratio `p_wrong / p_correct` (`TruthRatio.ratio`).
    static func truthRatios(correct: [AnswerScore], wrong: [[AnswerScore]]) -> [Double] {
        zip(correct, wrong).map { c, w in
            TruthRatio.ratio(paraphrasedAverageLoss: c.meanNLL, perturbedAverageLosses: w.map(\.meanNLL))
        }
    }

    /// The Min-K% attack score of an answer: its label tokens without the end-of-sequence one.
    static func minK(_ s: AnswerScore) -> Double {
        MembershipScores.minK(tokenLogProbabilities: Array(s.logProbs.dropLast()))
    }

    /// Per item `prob = exp(−avg_loss)`; the mean over items.
    static func probability(_ scores: [AnswerScore]) -> MetricResult {
        MetricResult(
            aggValue: mean(scores.map(\.probability)),
            valueByIndex: scores.map {
                .object([("prob", .number($0.probability)), ("avg_loss", .number($0.meanNLL))])
            })
    }

    /// Per item the lists over its wrong answers; the mean over items of the mean over answers.
    static func perturbedProbability(_ scores: [[AnswerScore]]) -> MetricResult {
        MetricResult(
            aggValue: mean(scores.map { mean($0.map(\.probability)) }),
            valueByIndex: scores.map {
                .object([
                    ("prob", .array($0.map { .number($0.probability) })), ("avg_loss", .array($0.map { .number($0.meanNLL) })),
                ])
            })
    }

    /// Real authors and world facts: `p_true / (p_true + Σ p_wrong + 10⁻¹⁰)` with length-normalised
    /// probabilities (`probability_w_options`).
    static func normalisedProbability(_ correct: [AnswerScore], _ wrong: [[AnswerScore]]) -> MetricResult {
        let values = zip(correct, wrong).map { c, w in
            c.probability / (c.probability + w.map(\.probability).reduce(0, +) + 1e-10)
        }
        return MetricResult(aggValue: mean(values), valueByIndex: values.map { .object([("prob", .number($0))]) })
    }

    /// ROUGE of the greedy generations against the answers; the aggregate is the mean ROUGE-L recall.
    static func rouge(_ generations: [TOFUGeneration]) -> MetricResult {
        let scores = generations.map { ROUGE.score(groundTruth: $0.groundTruth, generation: $0.generation) }
        return MetricResult(
            aggValue: mean(scores.map(\.rougeL.recall)),
            valueByIndex: zip(scores, generations).map { s, g in
                .object([
                    ("rouge1_recall", .number(s.rouge1.recall)), ("rougeL_f1", .number(s.rougeL.fmeasure)),
                    ("rougeL_recall", .number(s.rougeL.recall)), ("input", .string(g.input)),
                    ("ground_truth", .string(g.groundTruth)), ("generation", .string(g.generation)),
                ])
            })
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
}
