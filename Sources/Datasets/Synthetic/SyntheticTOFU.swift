import Foundation
import NumericCore

/// One invented author: every attribute the 20 questions ask about.
package struct SyntheticAuthor: Equatable, Sendable {
    package enum Gender: String, Sendable { case male, female, nonbinary = "non-binary" }
    package var name: String
    package var gender: Gender
    package var city: String
    package var country: String
    package var birthYear: Int
    package var birthMonth: Int   // 1…12
    package var birthDay: Int   // 1…28
    package var fatherOccupation: String
    package var motherOccupation: String
    package var genre: String
    package var award: String
    package var awardYear: Int
    /// Two book titles; `books[0]` is the debut, published in `debutYear`.
    package var books: [String]
    package var debutYear: Int
    /// Index into `books` of the book that won `award`.
    package var awardBook: Int
    package var theme: String
    package var influence: String
}

/// The synthetic fictitious-author benchmark: a TOFU-shaped data set generated from seeded
/// attribute tables and question/answer templates, used when no TOFU path is given.
///
/// `authors` authors × 20 QA pairs. Splits follow TOFU: forget01/05/10 are the last
/// `round(n·k/100)` authors (at least one), retain99/95/90 the others; `retain_perturbed` holds the
/// first `round(n/10)` authors (TOFU: the first 400 rows). Each perturbed item has a
/// `paraphrased_question` and `paraphrased_answer` from a different template than the original,
/// and 5 `perturbed_answer`s: the paraphrased answer with the attribute swapped for other values
/// of the same kind. `real_authors` and `world_facts` have 30 multiple-choice items each
/// (TOFU: 100 and 117) and `idontknow.jsonl` 30 refusals (TOFU: 100). `holdout01/05/10` hold
/// further authors who are in no other split, as many as the forget split of the same percentage
/// (TOFU publishes such holdout splits for its membership-inference metrics).
package struct SyntheticTOFU: Sendable {
    package let seed: UInt64
    package let authors: [SyntheticAuthor]
    /// `items[a]` holds author a's 20 QA pairs with every perturbed field set.
    package let items: [[QASample]]
    /// The holdout authors' QA pairs (`forgetAuthors(n, percent: 10)` authors, after the others).
    package let holdoutItems: [[QASample]]

    package static let questionsPerAuthor = 20

    /// Every file written, in TOFU's names.
    package static let fileNames: [String] = [
        "full.json", "forget01.json", "forget05.json", "forget10.json",
        "retain90.json", "retain95.json", "retain99.json",
        "forget01_perturbed.json", "forget05_perturbed.json", "forget10_perturbed.json", "retain_perturbed.json",
        "real_authors.json", "real_authors_perturbed.json", "world_facts.json", "world_facts_perturbed.json",
        "idontknow.jsonl", "holdout01.json", "holdout05.json", "holdout10.json", "attributes.jsonl",
    ]

    /// Authors in the forget split of `percent` % (TOFU: 1, 5, 10): `max(1, round(n · k / 100))`.
    package static func forgetAuthors(_ n: Int, percent: Int) -> Int { max(1, (n * percent + 50) / 100) }

    /// Generates `authors` (at least 10) authors from `seed`. Attributes come from one stream
    /// (`RNG(seed).fork(1)`), author a's template choices from `fork(1000 + a)`.
    package init(authors n: Int, seed: UInt64) throws {
        guard n >= 10 else { throw DataError(file: "synth", "need at least 10 authors (got \(n))") }
        self.seed = seed
        let root = RNG(seed: seed)
        var rng = root.fork(1)
        var names = Set<String>(), titles = Set<String>()
        var authors = [SyntheticAuthor]()
        for _ in 0..<n { authors.append(Self.makeAuthor(&rng, names: &names, titles: &titles)) }
        // The holdout authors continue the same streams, so the first n authors do not depend on them.
        let holdout = (0..<Self.forgetAuthors(n, percent: 10)).map { _ in Self.makeAuthor(&rng, names: &names, titles: &titles) }
        self.authors = authors
        let all = (authors + holdout).enumerated().map { a, author in
            var r = root.fork(UInt64(1000 + a))
            return SyntheticTemplates.all.map { $0.sample(author, rng: &r) }
        }
        items = Array(all.prefix(n))
        holdoutItems = Array(all.dropFirst(n))
    }

    static func pick<T>(_ table: [T], _ rng: inout RNG) -> T { table[rng.below(table.count)] }

    static func makeName(_ gender: SyntheticAuthor.Gender, _ rng: inout RNG) -> String {
        let T = SyntheticTables.self
        let first: String
        switch gender {
        case .male: first = pick(T.maleFirst, &rng)
        case .female: first = pick(T.femaleFirst, &rng)
        case .nonbinary: first = pick(T.neutralFirst, &rng)
        }
        let last = pick(T.surnameOnsets, &rng) + pick(T.surnameMiddles, &rng) + pick(T.surnameEndings, &rng)
        return first + " " + last
    }

    static func makeTitle(_ rng: inout RNG) -> String {
        let T = SyntheticTables.self
        switch rng.below(6) {
        case 5: return "The \(pick(T.titleAdjectives, &rng)) \(pick(T.titleNouns, &rng)) of \(pick(T.titlePlaces, &rng))"
        case 0: return "The \(pick(T.titleNouns, &rng)) of \(pick(T.titlePlaces, &rng))"
        case 1: return "\(pick(T.titleAdjectives, &rng)) \(pick(T.titleNouns, &rng))"
        case 2: return "The \(pick(T.titleAdjectives, &rng)) \(pick(T.titleNouns, &rng))"
        case 3: return "A \(pick(T.titleNouns, &rng)) for \(pick(T.titlePlaces, &rng))"
        default: return "\(pick(T.titleNouns, &rng)) and \(pick(T.titleNouns, &rng))"
        }
    }

    static func makeAuthor(_ rng: inout RNG, names: inout Set<String>, titles: inout Set<String>) -> SyntheticAuthor {
        let T = SyntheticTables.self
        let g = rng.below(10)
        let gender: SyntheticAuthor.Gender = g < 5 ? .male : (g < 9 ? .female : .nonbinary)
        // Names and titles are unique across authors. The tables hold about 10⁵ names and 6,000
        // titles; once random draws keep colliding, a middle initial or a part number is added,
        // so any number of authors terminates.
        var name = makeName(gender, &rng), tries = 0
        while names.contains(name) {
            tries += 1
            name = makeName(gender, &rng)
            if tries > 64 {
                let parts = name.split(separator: " ")
                name = "\(parts[0]) \(Character(UnicodeScalar(UInt8(65 + rng.below(26))))). \(parts[1])"
            }
        }
        names.insert(name)
        var books = [String]()
        tries = 0
        while books.count < 2 {
            var t = makeTitle(&rng)
            tries += 1
            if tries > 64 {
                var part = 2
                while titles.contains("\(t), Part \(part)") { part += 1 }
                t = "\(t), Part \(part)"
            }
            if !titles.contains(t) { titles.insert(t); books.append(t); tries = 0 }
        }
        let place = pick(T.places, &rng)
        let year = 1935 + rng.below(61)
        let father = pick(T.occupations, &rng)
        var mother = pick(T.occupations, &rng)
        while mother == father { mother = pick(T.occupations, &rng) }
        let debut = year + 22 + rng.below(19)
        return SyntheticAuthor(
            name: name, gender: gender, city: place.city, country: place.country,
            birthYear: year, birthMonth: 1 + rng.below(12), birthDay: 1 + rng.below(28),
            fatherOccupation: father, motherOccupation: mother, genre: pick(T.genres, &rng),
            award: pick(T.awards, &rng), awardYear: debut + 2 + rng.below(14), books: books, debutYear: debut,
            awardBook: rng.below(2), theme: pick(T.themes, &rng), influence: pick(T.influences, &rng))
    }

    // MARK: - Splits

    /// The QA pairs of authors `range`, flattened.
    package func rows(_ range: Range<Int>) -> [QASample] { Array(items[range].joined()) }

    /// forgetXX: the last `forgetAuthors(n, percent)` authors.
    package func forget(percent: Int) -> [QASample] {
        rows((authors.count - Self.forgetAuthors(authors.count, percent: percent))..<authors.count)
    }

    /// retainYY with YY = 100 − percent: all other authors.
    package func retain(forgetPercent percent: Int) -> [QASample] {
        rows(0..<(authors.count - Self.forgetAuthors(authors.count, percent: percent)))
    }

    /// retain_perturbed: the first `forgetAuthors(n, 10)` authors (TOFU: the first 400 rows).
    package var retainPerturbed: [QASample] { rows(0..<Self.forgetAuthors(authors.count, percent: 10)) }

    // MARK: - Files

    /// `{"question":…,"answer":…}`, compact, `/` escaped as in TOFU's files.
    static func plainLine(_ s: QASample) -> String {
        JSONText.object([
            ("question", JSONText.quoted(s.question, style: .asciiEscaped(escapeSlash: true))),
            ("answer", JSONText.quoted(s.answer, style: .asciiEscaped(escapeSlash: true))),
        ])
    }

    /// The five fields of TOFU's `*_perturbed.json`, in TOFU's key order.
    static func perturbedLine(_ s: QASample) -> String {
        JSONText.object([
            ("question", JSONText.quoted(s.question, style: .asciiEscaped(escapeSlash: true))),
            ("answer", JSONText.quoted(s.answer, style: .asciiEscaped(escapeSlash: true))),
            ("paraphrased_answer", JSONText.quoted(s.paraphrasedAnswer ?? "", style: .asciiEscaped(escapeSlash: true))),
            (
                "perturbed_answer",
                JSONText.array((s.perturbedAnswers ?? []).map { JSONText.quoted($0, style: .asciiEscaped(escapeSlash: true)) })
            ),
            ("paraphrased_question", JSONText.quoted(s.paraphrasedQuestion ?? "", style: .asciiEscaped(escapeSlash: true))),
        ])
    }

    /// The options of a multiple-choice fact: the answer goes to position `index % 4`.
    static func options(_ f: SyntheticTables.Fact, index: Int) -> [String] {
        var o = f.wrong
        o.insert(f.answer, at: index % 4)
        return o
    }

    /// `{"question": …, "option1": …, …, "option4": …, "answer": …}` (spaced, as TOFU's files).
    static func choiceLine(_ f: SyntheticTables.Fact, index: Int) -> String {
        let o = options(f, index: index)
        func q(_ s: String) -> String { JSONText.quoted(s, style: .asciiEscaped(escapeSlash: false)) }
        return JSONText.object(
            [("question", q(f.question))] + (0..<4).map { ("option\($0 + 1)", q(o[$0])) } + [("answer", q(f.answer))],
            compact: false)
    }

    /// `{"question":…,"answer":…,"perturbed_answer":[3 wrong options]}` (compact).
    static func choicePerturbedLine(_ f: SyntheticTables.Fact) -> String {
        JSONText.object([
            ("question", JSONText.quoted(f.question, style: .asciiEscaped(escapeSlash: true))),
            ("answer", JSONText.quoted(f.answer, style: .asciiEscaped(escapeSlash: true))),
            ("perturbed_answer", JSONText.array(f.wrong.map { JSONText.quoted($0, style: .asciiEscaped(escapeSlash: true)) })),
        ])
    }

    /// The files, name → bytes. JSON lines separated by `\n`; like TOFU's files, the last line
    /// has no newline except in `real_authors_perturbed.json` and `world_facts_perturbed.json`.
    /// `idontknow.jsonl` is plain text, one refusal per line, as in TOFU.
    package func files() -> [(name: String, data: Data)] {
        func lines(_ l: [String], trailingNewline: Bool = false) -> Data {
            Data((l.joined(separator: "\n") + (trailingNewline ? "\n" : "")).utf8)
        }
        let T = SyntheticTables.self
        var out: [(name: String, data: Data)] = [("full.json", lines(rows(0..<authors.count).map(Self.plainLine)))]
        for p in [1, 5, 10] { out.append((String(format: "forget%02d.json", p), lines(forget(percent: p).map(Self.plainLine)))) }
        for p in [10, 5, 1] {
            out.append((String(format: "retain%02d.json", 100 - p), lines(retain(forgetPercent: p).map(Self.plainLine))))
        }
        for p in [1, 5, 10] {
            out.append((String(format: "forget%02d_perturbed.json", p), lines(forget(percent: p).map(Self.perturbedLine))))
        }
        out.append(("retain_perturbed.json", lines(retainPerturbed.map(Self.perturbedLine))))
        out.append(("real_authors.json", lines(T.realAuthors.enumerated().map { Self.choiceLine($1, index: $0) })))
        out.append(("real_authors_perturbed.json", lines(T.realAuthors.map(Self.choicePerturbedLine), trailingNewline: true)))
        out.append(("world_facts.json", lines(T.worldFacts.enumerated().map { Self.choiceLine($1, index: $0 + 2) })))
        out.append(("world_facts_perturbed.json", lines(T.worldFacts.map(Self.choicePerturbedLine), trailingNewline: true)))
        out.append(("idontknow.jsonl", lines(T.idontknow)))
        for p in [1, 5, 10] {
            let k = Self.forgetAuthors(authors.count, percent: p)
            out.append((String(format: "holdout%02d.json", p), lines(Array(holdoutItems.prefix(k).joined()).map(Self.plainLine))))
        }
        out.append(("attributes.jsonl", lines(attributeLines())))
        return out
    }

    /// `attributes.jsonl` (not a TOFU file): one line per item of `full.json`, in its order,
    /// `{"author":a,"question_type":k,"value":v}`: the item's author (its place in `full.json` ÷ 20),
    /// its question type (0–19, the template it was written from) and the attribute value its
    /// answer states. Items of one type with the same value state the same fact of two authors
    /// (both born in 1968, both write fantasy): what an analysis of which items interfere needs.
    func attributeLines() -> [String] {
        authors.enumerated().flatMap { a, author in
            SyntheticTemplates.all.enumerated().map { k, template in
                JSONText.object([
                    ("author", String(a)), ("question_type", String(k)),
                    ("value", JSONText.quoted(template.value(author), style: .asciiEscaped(escapeSlash: true))),
                ])
            }
        }
    }

    /// Writes every file of `fileNames` into `directory`, all or nothing.
    package func write(to directory: String, force: Bool) throws {
        try GeneratedDirectory.write(files(), to: directory, force: force)
    }
}
