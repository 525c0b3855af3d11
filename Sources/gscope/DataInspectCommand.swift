import ArgumentParser
import Datasets
import Foundation

/// `gscope data inspect DIR`: what a TOFU directory holds and what the model will see of it.
struct DataInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the splits of a TOFU directory, their token lengths and a formatted sample.",
        discussion: """
            Reads every TOFU split in DIR (full, forget01/05/10/20/30/50/90, retain99/95/90/80/70/50/10, the perturbed sets, \
            real_authors, world_facts and idontknow.jsonl), formats each item as \
            [begin] + prefix + answer + [end] and prints per split the number of items and the \
            statistics (min, mean, median, p95, max) of the total and answer token counts. Then it \
            shows the first item of full with its answer marked «…» and the loss mask per target \
            (1 on the answer and end tokens). Split files that are absent are listed as missing; a \
            directory without full.json, or a malformed file, is an error (exit status 2).

            --tokenizer is byte (the default: one token per UTF-8 byte, plus begin, end and \
            padding), a tokenizer JSON written by `gscope tokenizer train`, or a .gguf model file.

            Example:
              gscope data inspect path/to/tofu
              gscope data inspect path/to/tofu --tokenizer tok.json --json --max-length 256
            """)

    @Argument(help: "A directory holding the TOFU files (full.json, forget01.json, …).")
    var directory: String
    @OptionGroup var tokenizerOptions: TokenizerOptions
    @Option(
        help:
            "The text before each answer; {question} stands for the question and \\n for a line break (default: \"Question: {question}\\nAnswer: \")."
    )
    var prefix: String?
    @Option(help: "Cut every sample to this many input tokens (and count the cut ones); default: no limit.")
    var maxLength: Int?
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if let maxLength, maxLength < 1 { throw ValidationError("--max-length must be at least 1") }
    }

    /// `--tokenizer`, or byte.
    private var tokenizer: String { tokenizerOptions.tokenizer ?? "byte" }

    func run() throws {
        let start = Date()
        let tofu = try TOFUDirectory(path: directory)
        guard tofu.contains(.full) else {
            throw DataError(file: directory, "missing full.json: not a TOFU directory")
        }
        let tok = try loadTokenizer(tokenizer)
        let prefix = self.prefix.map { $0.replacingOccurrences(of: "\\n", with: "\n") } ?? QATemplate.standard.prefix
        let formatter = QAFormatter(tokenizer: tok, template: QATemplate(prefix: prefix), maxLength: maxLength)

        var splits: [InspectReport.Split] = []
        var firstFull: (QASample, FormattedSample)?
        for split in TOFUSplit.allCases {
            guard tofu.contains(split) else {
                splits.append(.init(name: split.rawValue, file: split.fileName, present: false))
                continue
            }
            let items = try tofu.load(split)
            let set = formatter.format(items)
            if split == .full, let item = items.first { firstFull = (item, set.samples[0]) }
            let summary = SampleLengthSummary(set.samples)
            splits.append(
                .init(
                    name: split.rawValue, file: split.fileName, present: true, items: items.count,
                    truncated: set.truncatedCount, tokens: summary.total, answerTokens: summary.answer,
                    perturbedAnswersPerItem: split.isPerturbed ? items.first?.perturbedAnswers?.count : nil))
        }
        let refusals =
            FileManager.default.fileExists(atPath: tofu.filePath(TOFUDirectory.refusalsFileName))
            ? try tofu.refusals().count : nil
        let seconds = Date().timeIntervalSince(start)

        guard let (item, sample) = firstFull else {
            throw DataError(file: tofu.filePath(TOFUSplit.full.fileName), "holds no items")
        }
        let first = InspectReport.Sample(
            question: item.question, answer: item.answer, text: marked(sample, tok),
            ids: sample.ids, answerStart: sample.answerRange.lowerBound, answerEnd: sample.answerRange.upperBound,
            mask: sample.mask.map { Int($0) }, truncated: sample.truncated)
        let report = InspectReport(
            directory: directory, tokenizer: tokenizer, vocabSize: tok.vocabSize,
            special: tok.special, prefix: prefix, maxLength: maxLength, splits: splits, refusals: refusals,
            pairs: TOFUForgetSet.allCases.map { .init(forget: $0.split.rawValue, retain: $0.retain.rawValue) },
            firstSample: first)

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printText(report, seconds: seconds)
        }
    }

    /// The sample's text with the answer in «…» and the end token as ⟨end⟩.
    private func marked(_ s: FormattedSample, _ tok: any TextTokenizer) -> String {
        let before = tok.decode(Array(s.ids[1..<s.answerRange.lowerBound]))
        var answerIDs = Array(s.ids[s.answerRange])
        let ended = answerIDs.last == tok.special.end
        if ended { answerIDs.removeLast() }
        return before + "«" + tok.decode(answerIDs) + "»" + (ended ? "⟨end⟩" : "⟨cut⟩")
    }

    private func printText(_ r: InspectReport, seconds: Double) {
        func pad(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(width - text.count, 0)) + text
        }
        func stats(_ s: LengthStatistics?) -> String {
            guard let s else { return "" }
            return String(format: "%5d %7.1f %7.1f %5d %5d", s.min, s.mean, s.median, s.p95, s.max)
        }
        let columns = [pad("min", 5), pad("mean", 7), pad("median", 7), pad("p95", 5), pad("max", 5)].joined(separator: " ")
        let name = { (s: String) in s.padding(toLength: 24, withPad: " ", startingAt: 0) }
        print(name("") + "       | " + pad("ids per sample (begin…end)", 33) + " | " + pad("answer + end tokens", 33))
        print(name("split") + pad("items", 6) + " | " + columns + " | " + columns)
        for s in r.splits {
            guard s.present, let items = s.items else { print(name(s.name) + "   (missing \(s.file))"); continue }
            var line = name(s.name) + pad("\(items)", 6) + " | " + stats(s.tokens) + " | " + stats(s.answerTokens)
            if let n = s.perturbedAnswersPerItem { line += "  \(n) perturbed answers each" }
            if let t = s.truncated, t > 0 { line += "  \(t) cut" }
            print(line)
        }
        print("refusals (idontknow.jsonl): " + (r.refusals.map(String.init) ?? "missing"))
        print("forget/retain pairs: " + r.pairs.map { "\($0.forget) ↔ \($0.retain)" }.joined(separator: ", "))
        print("")
        let f = r.firstSample
        print("first sample of full: \(f.ids.count) ids, answer and end token at \(f.answerStart)..<\(f.answerEnd) (marked «…»):")
        print(f.text)
        print("loss mask per target (\(f.mask.count) targets, \(f.mask.reduce(0, +)) in the loss):")
        print(f.mask.map(String.init).joined())
        print("")
        print(String(format: "read and formatted in %.2f s", seconds))
    }
}

/// What `gscope data inspect --json` prints.
struct InspectReport: Encodable {
    struct Split: Encodable {
        var name: String
        var file: String
        var present: Bool
        var items: Int?
        var truncated: Int?
        var tokens: LengthStatistics?
        var answerTokens: LengthStatistics?
        var perturbedAnswersPerItem: Int?
    }
    struct Pair: Encodable {
        var forget: String
        var retain: String
    }
    struct Sample: Encodable {
        var question: String
        var answer: String
        var text: String
        var ids: [Int32]
        var answerStart: Int
        var answerEnd: Int
        var mask: [Int]
        var truncated: Bool
    }
    var directory: String
    var tokenizer: String
    var vocabSize: Int
    var special: SpecialTokens
    var prefix: String
    var maxLength: Int?
    var splits: [Split]
    var refusals: Int?
    var pairs: [Pair]
    var firstSample: Sample
}
