import Datasets
import NumericCore
import Unlearning

/// The forget, refusal and retain samples of an experiment, tokenized and formatted, with what a
/// run file records about them.
package struct ExperimentData: Sendable {
    package let unlearning: UnlearningData
    /// The vocabulary the samples are written in (the model must have the same).
    package let vocabSize: Int
    /// One line saying where the data came from.
    package let summary: String
    /// The extra risk sets the configuration names (`run.risk_sets`), formatted like the rest.
    package var extraRiskSets: [(name: String, samples: [FormattedSample])] = []
    /// QA data: the tokenizer the samples were written with (nil for Markov sequences).
    package var tokenizer: (any TextTokenizer)?
    /// Markov data: the group (`forget1`, `forget2`) of every forget sample; nil for QA data.
    package var forgetGroups: [String]?

    /// Loads the data a configuration names.
    ///
    /// - QA (`kind: qa`): the forget split and its retain split from a TOFU-shaped directory,
    ///   formatted with the standard template (answer-only mask) and cut to `max_length` or the
    ///   model's `blockSize`, whichever is shorter (a forget item cut before its answer stays, with
    ///   no token in the loss, so that instance i is always item i of the split); with
    ///   `refusals`, one refusal answer per forget question, drawn from the directory's
    ///   `idontknow.jsonl` with `rng`.
    /// - Markov (`kind: markov`): the forget1 ∪ forget2 and retain training sequences of
    ///   experiment A or B, sampled with `markov_seed` exactly as `gscope train --markov` saw them.
    /// `riskSets` names more splits to load as risk sets (QA only).
    package static func load(
        _ config: ExperimentConfig.DataConfig, blockSize: Int, refusals: Bool, riskSets: [String] = [],
        rng: inout RNG
    ) throws -> ExperimentData {
        switch config.kind {
        case .qa:
            return try loadQA(
                config, maxLength: min(config.maxLength, blockSize), refusals: refusals, riskSets: riskSets, rng: &rng)
        case .markov:
            guard riskSets.isEmpty else {
                throw UnlearningError.invalid("run.risk_sets names TOFU splits; Markov runs follow forget and retain")
            }
            return loadMarkov(config)
        }
    }

    static func loadQA(
        _ config: ExperimentConfig.DataConfig, maxLength: Int, refusals: Bool, riskSets: [String],
        rng: inout RNG
    ) throws -> ExperimentData {
        let dir = try TOFUDirectory(path: config.dir)
        let forgetSplit = config.forgetSplit.split
        let retainSplit = config.retainSplit.split
        let forget = try dir.load(forgetSplit), retain = try dir.load(retainSplit)
        let tokenizer = try loadTokenizer(config.tokenizer, chatFormat: config.chatFormat)
        let formatter = QAFormatter(tokenizer: tokenizer, maxLength: maxLength)
        var refusalSamples: [FormattedSample] = []
        if refusals {
            let answers = try dir.refusals()
            guard !answers.isEmpty else {
                throw DataError(file: dir.filePath(TOFUDirectory.refusalsFileName), "no refusal answers")
            }
            refusalSamples = forget.map { formatter.format(question: $0.question, answer: answers[rng.below(answers.count)]) }
        }
        let forgetSamples = formatter.format(forget).samples
        try requireAnswerTokens(
            forgetSamples, split: forgetSplit.rawValue, file: dir.filePath(forgetSplit.fileName),
            maxLength: maxLength, configured: config.maxLength)
        let data = UnlearningData(
            forget: forgetSamples, refusal: refusalSamples,
            retain: formatter.format(retain).samples, padding: tokenizer.special.padding)
        var result = ExperimentData(
            unlearning: data, vocabSize: tokenizer.vocabSize,
            summary:
                "\(config.dir): \(forgetSplit.rawValue) (\(forget.count) items), \(retainSplit.rawValue) (\(retain.count) items)")
        result.tokenizer = tokenizer
        result.extraRiskSets = try riskSets.map { name in
            guard let split = TOFUSplit(rawValue: name), !split.isPerturbed else {
                throw DataError(
                    file: dir.path, "run.risk_sets: '\(name)' is not a TOFU split (e.g. real_authors, world_facts, retain90)")
            }
            return (name, formatter.format(try dir.load(split)).samples)
        }
        return result
    }

    /// Refuses a forget set that truncation left without a single answer token: every loss and
    /// G-effect on it would be 0, a run that "succeeds" and means nothing. The `DataError` (exit 2)
    /// names `data.max_length` and, when shorter, the model's block size that capped it.
    static func requireAnswerTokens(
        _ samples: [FormattedSample], split: String, file: String,
        maxLength: Int, configured: Int
    ) throws {
        guard !samples.isEmpty, samples.allSatisfy({ $0.answerTokenCount == 0 }) else { return }
        let limit =
            maxLength < configured
            ? "the model's block size \(maxLength) (data.max_length is \(configured))"
            : "data.max_length \(maxLength)"
        throw DataError(
            file: file,
            "\(limit) cuts every answer away: none of the \(samples.count) \(split) items keeps "
                + "an answer token, so every loss and G-effect would be 0; raise data.max_length")
    }

    static func loadMarkov(_ config: ExperimentConfig.DataConfig) -> ExperimentData {
        let experiment = config.markov
        let setup = MarkovSetup.standard(experiment)
        let dataset = MarkovDataset.generate(setup, rng: RNG(seed: UInt64(config.markovSeed)))
        let forget = dataset.train.filter { $0.chain == .forget1 || $0.chain == .forget2 }
        let retain = dataset.train.filter { $0.chain == .retain }
        let data = UnlearningData(
            forget: MarkovTraining.samples(forget), retain: MarkovTraining.samples(retain),
            padding: MarkovTraining.padding)
        var result = ExperimentData(
            unlearning: data, vocabSize: setup.states,
            summary:
                "Markov experiment \(experiment.rawValue) (seed \(config.markovSeed)): \(forget.count) forget, \(retain.count) retain sequences"
        )
        result.forgetGroups = forget.map(\.chain.rawValue)
        return result
    }
}
