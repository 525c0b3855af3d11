import Datasets
import Evaluation
import Foundation
import Model

/// The TOFU metric suite with everything it needs loaded once: the evaluation sets, the tokenizer
/// and template, and the retain model's reference values (forget-set truth ratios, Min-K% AUC).
package final class TOFUEvaluationJob {
    package let sets: TOFUEvalSets
    package let scorer: TOFUScorer
    /// Whether the ROUGE metrics (and with them model utility) are computed: greedy generations of
    /// every question of the forget, retain, real-authors and world-facts sets.
    package let generate: Bool
    package let retain: RetainReference?

    /// - retainModel: a checkpoint of the model trained without the forget set (nil: no forget
    ///   quality, no privleak).
    package init(
        dataDir: String, tokenizer: any TextTokenizer, forgetSplit: TOFUForgetSet, holdout: String?,
        retainModel: String?, maxLength: Int, maxNewTokens: Int, generate: Bool
    ) throws {
        let sets = try TOFUEvalSets.load(try TOFUDirectory(path: dataDir), forget: forgetSplit, holdout: holdout)
        var scorer = TOFUScorer(formatter: QAFormatter(tokenizer: tokenizer, maxLength: maxLength))
        scorer.maxNewTokens = maxNewTokens
        self.sets = sets
        self.scorer = scorer
        self.generate = generate
        retain = try retainModel.map { path in
            let model = try Self.loadModel(path, vocabSize: tokenizer.vocabSize)
            return try scorer.retainReference(model, sets)
        }
    }

    /// The report of one model; `progress` hears one line per finished stage of each set.
    package func evaluate(_ model: any CausalLanguageModel, progress: ((String) -> Void)? = nil) throws -> TOFUReport {
        let end = scorer.formatter.tokenizer.special.end, limit = model.contextLength
        let greedy: GreedyGenerate = { prompts, maxNewTokens in
            try model.generateGreedy(prompts: prompts.map { Array($0.prefix(limit)) }, maxNewTokens: maxNewTokens, stopToken: end)
        }
        return try scorer.evaluate(model, sets, generate: generate ? greedy : nil, retain: retain, progress: progress)
    }

    /// A checkpoint's model, checked against the tokenizer's vocabulary.
    package static func loadModel(_ path: String, vocabSize: Int) throws -> any CausalLanguageModel {
        let model = try Checkpoint.loadModel(from: path)
        guard model.vocabSize == vocabSize else {
            throw EvaluationError(
                "the tokenizer has \(vocabSize) ids, the model in \(path) a vocabulary of \(model.vocabSize): use the tokenizer it was trained with"
            )
        }
        return model
    }
}

/// A bad input to an evaluation.
package struct EvaluationError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
