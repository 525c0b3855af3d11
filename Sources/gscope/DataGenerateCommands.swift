import ArgumentParser
import Datasets
import Foundation
import NumericCore

/// `gscope data markov`: sample the mixture-of-Markov-chains data of SimNPO's theory experiments.
struct MarkovDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "markov",
        abstract: "Sample mixture-of-Markov-chains sequences (SimNPO's experiments A and B).",
        discussion: """
            Three chains over 10 states with home blocks retain {0,1,2}, forget1 {3,4,5}, forget2 \
            {6,7,8} and leakage 0.2. Experiment A: retain 10,000 × 20, forget1 5,000 × 20, forget2 \
            5,000 × 5, all trained on; B: forget2 5,000 × 20 and never trained on. Each group is \
            split 80/20 into train and test.

            Writes OUT/train.jsonl and OUT/test.jsonl (one {"chain": …, "tokens": […]} per line) \
            and OUT/chains.json (the true initial distributions and transition matrices, and the \
            parameters). The same seed gives the same bytes. OUT must not exist or be empty, unless \
            --force.

            Example:
              gscope data markov --experiment A --out data/generated/markov-A --seed 1
            """)

    @Option(help: "Experiment: A (short forget2, all trained) or B (forget2 length 20, not trained).")
    var experiment: MarkovExperiment
    @OptionGroup var output: OutputDirectoryOptions
    @Option(help: "Seed of the sampled sequences.") var seed: UInt64 = 0
    @Option(help: "Retain sequences (default 10000).") var retain: Int?
    @Option(help: "Forget1 sequences (default 5000).") var forget1: Int?
    @Option(help: "Forget2 sequences (default 5000).") var forget2: Int?
    @Option(help: "Length of retain and forget1 sequences (default 20).") var length: Int?
    @Option(help: "Length of forget2 sequences (default 5 in A, 20 in B).") var forget2Length: Int?
    @Option(help: "Fraction of each group held out for testing.") var testFraction: Double = 0.2
    @Flag(help: "Replace a non-empty output directory that gscope generated.") var force = false

    /// The output directory.
    private var out: String { output.out }

    func run() throws {
        var setup = MarkovSetup.standard(experiment)
        if let n = retain { setup.counts[.retain] = n }
        if let n = forget1 { setup.counts[.forget1] = n }
        if let n = forget2 { setup.counts[.forget2] = n }
        if let l = length { setup.lengths[.retain] = l; setup.lengths[.forget1] = l }
        if let l = forget2Length { setup.lengths[.forget2] = l }
        setup.testFraction = testFraction
        guard setup.counts.values.allSatisfy({ $0 >= 1 }) else { throw ValidationError("sequence counts must be positive") }
        guard setup.lengths.values.allSatisfy({ $0 >= 2 }) else { throw ValidationError("sequence lengths must be at least 2") }
        guard testFraction >= 0 && testFraction < 1 else { throw ValidationError("--test-fraction must be in [0, 1)") }
        try GeneratedDirectory.checkWritable(out, force: force)

        let start = Date()
        let data = MarkovDataset.generate(setup, rng: RNG(seed: seed))
        try data.write(to: out, seed: seed, force: force)
        print(
            String(
                format: "wrote %@ (%d train, %d test sequences, experiment %@) in %.2f s",
                out, data.train.count, data.test.count, experiment.rawValue, Date().timeIntervalSince(start)))
    }
}

/// `gscope data synth`: the embedded synthetic fictitious-author benchmark, in TOFU's layout.
struct SynthDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate the synthetic fictitious-author benchmark (a TOFU-shaped directory).",
        discussion: """
            Invented authors (names from first-name and surname-syllable tables; birthplaces, dates, \
            gender, parents' occupations, genre, awards, book titles, themes, influences from seeded \
            tables), 20 templated QA pairs each, written with TOFU's file names, fields and splits: \
            full.json, forget01/05/10.json (the last 1/5/10 % of authors), retain99/95/90.json, \
            forget01/05/10_perturbed.json and retain_perturbed.json (first 10 % of authors) with \
            paraphrased_question, paraphrased_answer and 5 perturbed_answer each, real_authors and \
            world_facts (30 multiple-choice items each) with their perturbed files, and \
            idontknow.jsonl (30 refusals, one per line), into OUT. The same seed gives the same bytes. \
            OUT must not exist or be empty, unless --force.

            Example:
              gscope data synth --out data/generated/synth --authors 200 --seed 1
            """)

    @OptionGroup var output: OutputDirectoryOptions
    @Option(help: "Number of authors (at least 10); 20 QA pairs each.") var authors: Int = 200
    @Option(help: "Seed of the generated authors and phrasings.") var seed: UInt64 = 0
    @Flag(help: "Replace a non-empty output directory that gscope generated.") var force = false

    /// The output directory.
    private var out: String { output.out }

    func run() throws {
        guard authors >= 10 else { throw ValidationError("--authors must be at least 10") }
        try GeneratedDirectory.checkWritable(out, force: force)
        let start = Date()
        let data = try SyntheticTOFU(authors: authors, seed: seed)
        try data.write(to: out, force: force)
        print(
            String(
                format: "wrote %@ (%d authors, %d QA pairs, %d files) in %.2f s", out, authors,
                authors * SyntheticTOFU.questionsPerAuthor, SyntheticTOFU.fileNames.count, Date().timeIntervalSince(start)))
    }
}
