import Datasets
import Evaluation
import Model
import Unlearning

/// Evaluation during an unlearning run (`eval.every`): TOFU's metric suite for QA data, SimNPO's
/// KL metrics for Markov data.
final class RunEvaluation {
    enum Suite {
        case tofu(TOFUEvaluationJob)
        case markov(MarkovEvaluator)
    }
    let suite: Suite

    /// What one evaluation gives: the summary values, in a fixed order, and for TOFU the whole
    /// report as `eval.json` text.
    struct Result {
        let values: [(String, Double)]
        let evalJSON: String?
    }

    /// nil when `eval.every` is 0.
    init?(config: ExperimentConfig, data: ExperimentData, blockSize: Int) throws {
        let e = config.eval
        guard e.every > 0 else { return nil }
        switch config.data.kind {
        case .qa:
            guard let forgetSplit = config.data.forgetSplit else {
                // `validate` refuses eval.every with data.forget_file; a config built in code may not be validated.
                throw UnlearningError.invalid("eval.every: TOFU's metric suite needs data.forget_split, not data.forget_file")
            }
            suite = .tofu(
                try TOFUEvaluationJob(
                    dataDir: config.data.dir, tokenizer: data.tokenizer!, forgetSplit: forgetSplit,
                    holdout: e.holdoutSplit, retainModel: e.retainModel, maxLength: min(config.data.maxLength, blockSize),
                    maxNewTokens: e.maxNewTokens, generate: e.generate))
        case .markov:
            suite = .markov(
                MarkovEvaluator(
                    setup: .standard(config.data.markov),
                    seed: UInt64(config.data.markovSeed),
                    perGroup: e.markovTestSize == 0 ? nil : e.markovTestSize))
        }
    }

    func evaluate(_ model: any CausalLanguageModel) throws -> Result {
        switch suite {
        case .tofu(let job):
            let report = try job.evaluate(model)
            return Result(values: report.metrics.map { ($0.name, $0.result.aggValue) }, evalJSON: report.evalJSON)
        case .markov(let evaluator):
            let kl = try evaluator.kl(model)
            return Result(values: MarkovGroup.allCases.map { ("kl_\($0.rawValue)", kl[$0]!) }, evalJSON: nil)
        }
    }

    /// Attributes of `/eval`: for Markov runs the KL of the Bayes-optimal original model and of
    /// the model retrained on retain alone, on the same test sequences.
    var attributes: [(String, Double)] {
        guard case .markov(let evaluator) = suite else { return [] }
        let (bayes, retrained) = evaluator.references()
        return MarkovGroup.allCases.flatMap { g in
            [("bayes_kl_\(g.rawValue)", bayes[g]!), ("retrained_kl_\(g.rawValue)", retrained[g]!)]
        } + [("test_sequences_per_group", Double(evaluator.test[.retain]!.count))]
    }
}
