import Foundation

/// The TOFU splits gscope reads, named as the files are (`full.json`, `forget01_perturbed.json`, …).
///
/// Every split is a JSON-lines file of `QASample`s. The `*Perturbed` splits of the fictitious
/// authors (forget01/05/10 and retain) also carry `paraphrased_answer`, `paraphrased_question` and
/// five wrong `perturbed_answer`s; `realAuthorsPerturbed` and `worldFactsPerturbed` carry the
/// three wrong answers of the multiple-choice question and no paraphrases.
///
/// TOFU's Hugging Face card lists forget01/05/10 with retain99/95/90; the repository also holds
/// the larger forget20/30/50/90 with retain80/70/50/10 (the same `full`, cut further back). It
/// publishes no perturbed file for the larger forget splits: `forget20_perturbed` and the others
/// are named here so that evaluating them asks for the file by name (a missing file is a
/// `DataError` naming it) and a directory that adds them is read like the small ones.
package enum TOFUSplit: String, CaseIterable, Codable, Sendable {
    case full
    case forget01, forget05, forget10, forget20, forget30, forget50, forget90
    case retain90, retain95, retain99, retain80, retain70, retain50, retain10
    case forget01Perturbed = "forget01_perturbed"
    case forget05Perturbed = "forget05_perturbed"
    case forget10Perturbed = "forget10_perturbed"
    case forget20Perturbed = "forget20_perturbed"
    case forget30Perturbed = "forget30_perturbed"
    case forget50Perturbed = "forget50_perturbed"
    case forget90Perturbed = "forget90_perturbed"
    case retainPerturbed = "retain_perturbed"
    case realAuthors = "real_authors"
    case realAuthorsPerturbed = "real_authors_perturbed"
    case worldFacts = "world_facts"
    case worldFactsPerturbed = "world_facts_perturbed"

    /// The file name inside a TOFU directory.
    package var fileName: String { rawValue + ".json" }

    /// Whether the split's items carry paraphrased and perturbed answers (and, for the fictitious
    /// authors, a paraphrased question).
    package var isPerturbed: Bool { rawValue.hasSuffix("_perturbed") }

    /// Whether the split's perturbed items also carry `paraphrased_answer` and `paraphrased_question`
    /// (the fictitious-author perturbed sets do; real authors and world facts do not).
    package var hasParaphrases: Bool {
        switch self {
        case .forget01Perturbed, .forget05Perturbed, .forget10Perturbed, .forget20Perturbed, .forget30Perturbed,
            .forget50Perturbed, .forget90Perturbed, .retainPerturbed:
            return true
        default: return false
        }
    }
}

/// TOFU's forget sets and the retain set that completes each to `full`: forget01 ↔ retain99,
/// forget05 ↔ retain95, forget10 ↔ retain90, forget20 ↔ retain80, forget30 ↔ retain70,
/// forget50 ↔ retain50, forget90 ↔ retain10. The forget set is the last rows of `full`, the
/// retain set the first.
package enum TOFUForgetSet: String, NamedChoice {
    case forget01, forget05, forget10, forget20, forget30, forget50, forget90
    package static let kind = "forget split"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }

    /// The forget split itself.
    package var split: TOFUSplit { TOFUSplit(rawValue: rawValue)! }

    /// The retain set that, with this forget set, makes up `full`.
    package var complement: TOFURetainSet { TOFURetainSet(rawValue: "retain\(100 - percent)")! }

    /// The retain split that, with this forget split, makes up `full`.
    package var retain: TOFUSplit { complement.split }

    /// The forget split with paraphrased and perturbed answers (the same questions, same order;
    /// TOFU publishes it for forget01/05/10 only).
    package var perturbed: TOFUSplit { TOFUSplit(rawValue: rawValue + "_perturbed")! }

    /// The forget sets whose perturbed files TOFU publishes (the metric suite needs them).
    package static let smallSets: [TOFUForgetSet] = [.forget01, .forget05, .forget10]

    /// The percentage of `full` that is forgotten (1, 5, 10, 20, 30, 50, 90).
    package var percent: Int { Int(rawValue.dropFirst("forget".count))! }
}

/// A directory holding the TOFU files (as downloaded from Hugging Face `locuslab/TOFU`). Splits are
/// read on demand; a missing file is a `DataError` naming the directory and the file.
package struct TOFUDirectory: Sendable {
    /// The directory path as given.
    package let path: String

    /// The file of refusal answers ("I'm not sure.", …), one per plain line.
    package static let refusalsFileName = "idontknow.jsonl"

    /// Checks that `path` is a directory (the files are read by `load`).
    package init(path: String) throws(DataError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, "no such directory (expected the TOFU files, e.g. full.json)")
        }
        guard isDirectory.boolValue else {
            throw DataError(file: path, "is a file, expected a directory holding the TOFU files (full.json, forget01.json, …)")
        }
        self.path = path
    }

    /// The path of a file inside the directory.
    package func filePath(_ name: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent(name).path
    }

    /// Whether the split's file is present.
    package func contains(_ split: TOFUSplit) -> Bool {
        FileManager.default.fileExists(atPath: filePath(split.fileName))
    }

    /// Reads one split. Perturbed splits must carry their extra fields (a missing
    /// `perturbed_answer` is an error naming the line); plain splits need `question` and `answer`.
    package func load(_ split: TOFUSplit) throws(DataError) -> [QASample] {
        let published =
            !split.hasParaphrases || split == .retainPerturbed || TOFUForgetSet.smallSets.map(\.perturbed).contains(split)
        let note = published ? "" : "; TOFU publishes perturbed answers for forget01, forget05 and forget10 only"
        let file = try existingFile(split.fileName, what: "split \(split.rawValue)\(note)")
        if split.hasParaphrases {
            return try JSONLines.read(ParaphrasedRecord.self, path: file).map(\.sample)
        } else if split.isPerturbed {
            return try JSONLines.read(WrongAnswersRecord.self, path: file).map(\.sample)
        } else {
            return try JSONLines.read(QASample.self, path: file)
        }
    }

    /// A forget split and its retain split (forget01 ↔ retain99, forget05 ↔ retain95,
    /// forget10 ↔ retain90).
    package func loadPair(_ forgetSet: TOFUForgetSet) throws(DataError) -> (forget: [QASample], retain: [QASample]) {
        (try load(forgetSet.split), try load(forgetSet.retain))
    }

    /// The refusal answers of `idontknow.jsonl` (plain text, one per line — not JSON).
    package func refusals() throws(DataError) -> [String] {
        try JSONLines.readTextLines(path: existingFile(Self.refusalsFileName, what: "the refusal answers"))
    }

    private func existingFile(_ name: String, what: String) throws(DataError) -> String {
        let file = filePath(name)
        guard FileManager.default.fileExists(atPath: file) else {
            throw DataError(file: path, "missing \(name) (\(what)) in the TOFU directory")
        }
        return file
    }
}

/// A perturbed item of the fictitious authors: every field required.
private struct ParaphrasedRecord: Decodable {
    let question: String
    let answer: String
    let paraphrased_answer: String
    let perturbed_answer: [String]
    let paraphrased_question: String

    var sample: QASample {
        QASample(
            question: question, answer: answer, paraphrasedAnswer: paraphrased_answer,
            perturbedAnswers: perturbed_answer, paraphrasedQuestion: paraphrased_question)
    }
}

/// A perturbed item of the real authors or world facts: the wrong answers, no paraphrases.
private struct WrongAnswersRecord: Decodable {
    let question: String
    let answer: String
    let perturbed_answer: [String]

    var sample: QASample { QASample(question: question, answer: answer, perturbedAnswers: perturbed_answer) }
}

/// TOFU's retain sets: the first 99, 95, 90, 80, 70, 50 or 10 % of `full`'s authors.
package enum TOFURetainSet: String, NamedChoice {
    case retain99, retain95, retain90, retain80, retain70, retain50, retain10
    package static let kind = "retain split"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }

    /// The retain split itself.
    package var split: TOFUSplit { TOFUSplit(rawValue: rawValue)! }

    /// The percentage of `full`'s authors in the set (99, 95, 90, 80, 70, 50, 10).
    package var percent: Int { Int(rawValue.dropFirst("retain".count))! }
}
