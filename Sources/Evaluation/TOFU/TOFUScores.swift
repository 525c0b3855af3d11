import Datasets
import Foundation
import Model
import NumericCore

/// A greedy generation for one question: the prompt shown, the true answer and what the model wrote.
package struct TOFUGeneration: Sendable, Equatable {
    package let input: String, groundTruth: String, generation: String
}

/// What the suite measures of one model on one set: teacher-forced scores of the answers, the
/// paraphrased answers and every perturbed answer, and optionally greedy generations.
package struct TOFUSetScores: Sendable {
    package let answer: [AnswerScore]
    /// Empty for sets without paraphrases.
    package let paraphrased: [AnswerScore]
    /// Per item, one score per wrong answer.
    package let perturbed: [[AnswerScore]]
    /// nil when the caller asked for teacher-forced scores only.
    package let generations: [TOFUGeneration]?
}

/// Greedy decoding: for each prompt (token ids), the new tokens, at most `maxNewTokens`, the
/// end token excluded.
package typealias GreedyGenerate = (_ prompts: [[Int32]], _ maxNewTokens: Int) throws -> [[Int32]]

/// Measures models on TOFU sets with one tokenizer and template.
package struct TOFUScorer: Sendable {
    package let formatter: QAFormatter
    package var chunk = 16
    /// The longest generation (open-unlearning: 200 new tokens).
    package var maxNewTokens = 200

    package init(formatter: QAFormatter) { self.formatter = formatter }

    /// Teacher-forced scores of `answer(item)` for every item.
    package func answerScores(_ model: any CausalLanguageModel, _ items: [QASample], answer: (QASample) -> String) throws
        -> [AnswerScore]
    {
        try AnswerScorer.score(
            model, samples: items.map { formatter.format(question: $0.question, answer: answer($0)) }, chunk: chunk)
    }

    /// Everything of `set`; generations only when `generate` is given. `progress` hears one line
    /// when the teacher-forced scores are done and one when the generations are, with the seconds
    /// each took.
    package func scores(
        _ model: any CausalLanguageModel, _ set: TOFUEvalSets.Set, generate: GreedyGenerate?,
        progress: ((String) -> Void)? = nil
    ) throws -> TOFUSetScores {
        let items = set.items
        var clock = ContinuousClock.now
        func lap() -> String {
            let seconds = (ContinuousClock.now - clock).seconds
            clock = ContinuousClock.now
            return String(format: "%.1f s", seconds)
        }
        // Every answer of an item in one scoring pass, item after item, so that the item's
        // question is read once (`CachedScorer`): the answer, the paraphrased answer, the wrong ones.
        let answers = items.map { item in
            [item.answer] + (set.paraphrased ? [item.paraphrasedAnswer ?? ""] : []) + (item.perturbedAnswers ?? [])
        }
        let flat = try AnswerScorer.score(
            model,
            samples: zip(items, answers).flatMap { item, texts in
                texts.map { formatter.format(question: item.question, answer: $0) }
            }, chunk: chunk)
        var answer: [AnswerScore] = [], paraphrased: [AnswerScore] = [], perturbed: [[AnswerScore]] = []
        var next = 0
        for texts in answers {
            let scores = flat[next..<(next + texts.count)]
            next += texts.count
            answer.append(scores.first!)
            if set.paraphrased { paraphrased.append(scores.dropFirst().first!) }
            perturbed.append(Array(scores.dropFirst(set.paraphrased ? 2 : 1)))
        }
        progress?(
            "\(set.key): \(flat.count) answers of \(items.count) items scored in \(lap())")
        let generated = try generate.map { try generations(items, $0) }
        if generated != nil { progress?("\(set.key): \(items.count) answers generated in \(lap())") }
        return TOFUSetScores(answer: answer, paraphrased: paraphrased, perturbed: perturbed, generations: generated)
    }

    /// Greedy answers to every question, cut at the end token and stripped of surrounding white
    /// space, as open-unlearning's `eval_text_similarity` keeps them.
    package func generations(_ items: [QASample], _ generate: GreedyGenerate) throws -> [TOFUGeneration] {
        let tokenizer = formatter.tokenizer
        let prompts = items.map { [tokenizer.special.begin] + tokenizer.encode(formatter.template.prefix(for: $0.question)) }
        let outputs = try generate(prompts, maxNewTokens)
        return zip(items, outputs).map { item, ids in
            TOFUGeneration(
                input: formatter.template.prefix(for: item.question), groundTruth: item.answer,
                generation: tokenizer.decode(ids).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

extension TOFUScorer {
    /// What forget quality and privleak need of the retain model: its forget-set truth ratios
    /// and its Min-K% AUC against the holdout items (only those two sets are scored).
    package func retainReference(_ model: any CausalLanguageModel, _ sets: TOFUEvalSets) throws -> RetainReference {
        let forget = try scores(model, sets.forget, generate: nil)
        let auc = try sets.holdout.map { holdout in
            ROC.membershipAUC(
                forgetScores: forget.answer.map(TOFUMetrics.minK),
                holdoutScores: try answerScores(model, holdout) { $0.answer }.map(TOFUMetrics.minK))
        }
        return RetainReference(
            forgetTruthRatios: TOFUMetrics.truthRatios(correct: forget.paraphrased, wrong: forget.perturbed),
            minKAUC: auc)
    }

    /// The whole suite for one model: every set of `sets` scored (and generated from, when
    /// `generate` is given), the holdout items scored, and the metrics computed; `progress` hears
    /// each set's stages as they finish.
    package func evaluate(
        _ model: any CausalLanguageModel, _ sets: TOFUEvalSets, generate: GreedyGenerate?, retain: RetainReference?,
        progress: ((String) -> Void)? = nil
    ) throws -> TOFUReport {
        let scores = try sets.all.map { try self.scores(model, $0, generate: generate, progress: progress) }
        let holdout = try sets.holdout.map { try answerScores(model, $0) { $0.answer } }
        return TOFUMetrics.report(sets: sets, scores: scores, holdout: holdout, retain: retain)
    }
}
