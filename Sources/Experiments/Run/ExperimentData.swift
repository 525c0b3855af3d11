import Datasets
import Foundation
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
    /// With `data.forget_subset`: each forget sample's index in the whole forget split, and the
    /// split's size (nil: the forget set is the whole split).
    package var forgetSubset: (indices: [Int], splitSize: Int)?

    /// Loads the data a configuration names.
    ///
    /// - QA (`kind: qa`): the forget and retain sets, each a split of a TOFU-shaped directory
    ///   (`data.forget_split`, `data.retain_split`) or a JSON-lines file of the user's own
    ///   (`data.forget_file`, `data.retain_file`; see `UnlearningFile`). Question–answer items are
    ///   formatted with the standard template (answer-only mask) and cut to `max_length` or the
    ///   model's `blockSize`, whichever is shorter (a forget item cut before its answer stays, with
    ///   no token in the loss, so that instance i is always item i of the split); text rows are cut
    ///   into windows of that many tokens with the mask on every token (`TextWindowFormatter`:
    ///   instance i is then window i, the windows of each text in order). With `refusals`, one
    ///   refusal answer per forget question, drawn from the directory's `idontknow.jsonl` with
    ///   `rng` (a text forget set has no questions: refused).
    /// - Markov (`kind: markov`): the forget1 ∪ forget2 and retain training sequences of
    ///   experiment A or B, sampled with `markov_seed` exactly as `gscope train --markov` saw them;
    ///   with `data.forget_pool` N, only a pool of N forget sequences drawn with `rng`
    ///   (`markovForgetPool`).
    /// `riskSets` names more risk sets (QA only): TOFU splits of the directory, or JSON-lines files
    /// (an entry ending in `.json` or `.jsonl`, or holding a `/`), named after the file without
    /// its extension.
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
                throw UnlearningError.invalid(
                    "run.risk_sets names TOFU splits or question–answer/text files; Markov runs follow forget and retain")
            }
            return loadMarkov(config, rng: rng)
        }
    }

    /// A forget, retain or risk set before formatting: a TOFU split's items or a file's rows.
    struct SetSource {
        /// The split's name, or the file's path.
        let name: String
        /// The file the items were read from (for messages).
        let file: String
        /// Whether the set is a split of the TOFU directory.
        let isSplit: Bool
        let content: Content

        enum Content {
            case qa([QASample])
            case text([String])
        }

        /// The number of items or texts.
        var count: Int {
            switch content {
            case .qa(let items): return items.count
            case .text(let texts): return texts.count
            }
        }

        /// A split of the directory.
        init(split: TOFUSplit, in dir: TOFUDirectory) throws {
            name = split.rawValue
            file = dir.filePath(split.fileName)
            isSplit = true
            content = .qa(try dir.load(split))
        }

        /// A file of the user's own.
        init(file path: String) throws {
            let f = try UnlearningFile(path: path)
            name = path
            file = path
            isSplit = false
            content = f.kind == .qa ? .qa(f.questions) : .text(f.texts)
        }
    }

    /// The two formatters of a QA run: question–answer items and text windows, cut alike.
    struct SetFormatter {
        let qa: QAFormatter
        let text: TextWindowFormatter

        func format(_ set: SetSource) -> [FormattedSample] {
            switch set.content {
            case .qa(let items): return qa.format(items).samples
            case .text(let texts): return text.format(texts).samples
            }
        }
    }

    static func loadQA(
        _ config: ExperimentConfig.DataConfig, maxLength: Int, refusals: Bool, riskSets: [String],
        rng: inout RNG
    ) throws -> ExperimentData {
        // The directory is opened only when a split, a refusal or a split-named risk set needs it.
        var opened: TOFUDirectory?
        func directory() throws -> TOFUDirectory {
            if let opened { return opened }
            let dir = try TOFUDirectory(path: config.dir)
            opened = dir
            return dir
        }
        func source(file: String?, split: TOFUSplit?, key: String) throws -> SetSource {
            if let file { return try SetSource(file: file) }
            guard let split else {
                throw UnlearningError.invalid("data.\(key)_split and data.\(key)_file are both null: name one")
            }
            return try SetSource(split: split, in: try directory())
        }
        let forget = try source(file: config.forgetFile, split: config.forgetSplit?.split, key: "forget")
        let retain = try source(file: config.retainFile, split: config.retainSplit?.split, key: "retain")
        let tokenizer = try loadTokenizer(config.tokenizer, chatFormat: config.chatFormat)
        let formatter = SetFormatter(
            qa: QAFormatter(tokenizer: tokenizer, maxLength: maxLength),
            text: TextWindowFormatter(tokenizer: tokenizer, maxLength: maxLength))
        var refusalSamples: [FormattedSample] = []
        if refusals {
            guard case .qa(let questions) = forget.content else {
                throw DataError(
                    file: forget.file,
                    "the objective answers every forget question with a refusal (PO, IdkDPO), but this file holds "
                        + "text rows, which have no question: use question/answer rows or another objective")
            }
            let dir = try directory()
            let answers = try dir.refusals()
            guard !answers.isEmpty else {
                throw DataError(file: dir.filePath(TOFUDirectory.refusalsFileName), "no refusal answers")
            }
            refusalSamples = questions.map {
                formatter.qa.format(question: $0.question, answer: answers[rng.below(answers.count)])
            }
        }
        var forgetSamples = formatter.format(forget)
        try requireAnswerTokens(
            forgetSamples, split: forget.isSplit ? forget.name : "forget_file", file: forget.file,
            maxLength: maxLength, configured: config.maxLength)
        var subset: (indices: [Int], splitSize: Int)?
        if config.forgetSubset > 0 && config.forgetSubset < forgetSamples.count {
            var draw = RNG(seed: rng.next())
            let kept = Array(IndexOrder.shuffled(count: forgetSamples.count, rng: &draw).prefix(config.forgetSubset)).sorted()
            subset = (kept, forgetSamples.count)
            forgetSamples = kept.map { forgetSamples[$0] }
            if !refusalSamples.isEmpty { refusalSamples = kept.map { refusalSamples[$0] } }
        }
        let retainSamples = formatter.format(retain)
        let data = UnlearningData(
            forget: forgetSamples, refusal: refusalSamples, retain: retainSamples, padding: tokenizer.special.padding)
        var result = ExperimentData(
            unlearning: data, vocabSize: tokenizer.vocabSize,
            summary: summary(forget, forgetSamples, retain, retainSamples, dir: config.dir, maxLength: maxLength))
        result.tokenizer = tokenizer
        result.forgetSubset = subset
        var names: Set<String> = ["forget", "retain"]
        result.extraRiskSets = try riskSets.map { entry in
            let set: SetSource, name: String
            if let split = TOFUSplit(rawValue: entry), !split.isPerturbed {
                set = try SetSource(split: split, in: try directory())
                name = entry
            } else if isRiskSetFile(entry) {
                set = try SetSource(file: entry)
                name = URL(fileURLWithPath: entry).deletingPathExtension().lastPathComponent
            } else {
                throw DataError(
                    file: config.dir,
                    "run.risk_sets: '\(entry)' is not a TOFU split (e.g. real_authors, world_facts, retain90) "
                        + "nor a JSON-lines file (a path ending in .json or .jsonl)")
            }
            guard names.insert(name).inserted else {
                throw DataError(
                    file: set.file,
                    "run.risk_sets: a risk set named '\(name)' is already measured; give each set its own name")
            }
            return (name, formatter.format(set))
        }
        return result
    }

    /// Whether a `run.risk_sets` entry is a file rather than a TOFU split's name.
    static func isRiskSetFile(_ entry: String) -> Bool {
        entry.hasSuffix(".json") || entry.hasSuffix(".jsonl") || entry.contains("/")
    }

    /// The data line of a QA run: `DIR: forget10 (400 items), retain90 (3600 items)` for two
    /// splits, as before files could be named; otherwise each set said on its own.
    static func summary(
        _ forget: SetSource, _ forgetSamples: [FormattedSample], _ retain: SetSource, _ retainSamples: [FormattedSample],
        dir: String, maxLength: Int
    ) -> String {
        if forget.isSplit && retain.isSplit {
            return "\(dir): \(forget.name) (\(forget.count) items), \(retain.name) (\(retain.count) items)"
        }
        func describe(_ set: SetSource, _ samples: [FormattedSample], _ role: String) -> String {
            switch set.content {
            case _ where set.isSplit: return "\(role) \(dir): \(set.name) (\(set.count) items)"
            case .qa: return "\(role) \(set.file) (\(set.count) question–answer items)"
            case .text:
                let tokens = samples.reduce(0) { $0 + $1.length }
                return "\(role) \(set.file) (\(set.count) texts: \(samples.count) windows of at most \(maxLength) tokens, "
                    + "\(tokens) tokens in the loss)"
            }
        }
        return describe(forget, forgetSamples, "forget") + "; " + describe(retain, retainSamples, "retain")
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

    /// The Markov sets of `config`; `rng` (the run's data stream) draws the forget pool, through
    /// a fork of its own, so that other draws from `rng` do not move.
    static func loadMarkov(_ config: ExperimentConfig.DataConfig, rng: RNG) -> ExperimentData {
        let experiment = config.markov
        let setup = MarkovSetup.standard(experiment)
        let dataset = MarkovDataset.generate(setup, rng: RNG(seed: UInt64(config.markovSeed)))
        let everyForget = dataset.train.filter { $0.chain == .forget1 || $0.chain == .forget2 }
        let forget = markovForgetPool(everyForget, size: config.forgetPool, rng: rng)
        let retain = dataset.train.filter { $0.chain == .retain }
        let data = UnlearningData(
            forget: MarkovTraining.samples(forget), retain: MarkovTraining.samples(retain),
            padding: MarkovTraining.padding)
        let forgetText =
            forget.count == everyForget.count
            ? "\(forget.count) forget"
            : "a pool of \(forget.count) of the \(everyForget.count) forget ("
                + MarkovGroup.allCases.filter { $0 != .retain }.map { g in
                    "\(forget.filter { $0.chain == g }.count) \(g.rawValue)"
                }.joined(separator: ", ") + ")"
        var result = ExperimentData(
            unlearning: data, vocabSize: setup.states,
            summary:
                "Markov experiment \(experiment.rawValue) (seed \(config.markovSeed)): \(forgetText), \(retain.count) retain sequences"
        )
        result.forgetGroups = forget.map(\.chain.rawValue)
        return result
    }

    /// The label of the forget pool's stream, forked from the run's data stream.
    static let forgetPoolStream: UInt64 = 1

    /// SimNPO's fixed pool of forget sequences (`data.forget_pool`): the first `size` indices of a
    /// Fisher–Yates shuffle (`IndexOrder.shuffled`) of `forget` drawn from
    /// `rng.fork(forgetPoolStream)`, kept in the data set's order. Its public code unlearns for 50
    /// iterations of batch 4 from a shuffled loader over forget1 ∪ forget2, so it only ever sees
    /// the first 200 of one shuffle, about half from each chain. Size 0, or a size of at least
    /// the set's, keeps every sequence.
    static func markovForgetPool(_ forget: [MarkovSequence], size: Int, rng: RNG) -> [MarkovSequence] {
        guard size > 0, size < forget.count else { return forget }
        var poolRNG = rng.fork(forgetPoolStream)
        let chosen = IndexOrder.shuffled(count: forget.count, rng: &poolRNG).prefix(size).sorted()
        return chosen.map { forget[$0] }
    }
}
