import Datasets
import Foundation
import Testing

@Suite("Synthetic fictitious-author benchmark")
struct SyntheticTests {
    static func read(_ dir: String, _ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
    }

    static func lines(_ dir: String, _ name: String) throws -> [String] {
        try String(decoding: read(dir, name), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).filter { !$0.isEmpty }
    }

    static func objects(_ dir: String, _ name: String) throws -> [[String: Any]] {
        try lines(dir, name).map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    static func samples(_ dir: String, _ name: String) throws -> [QASample] {
        try lines(dir, name).map { try JSONDecoder().decode(QASample.self, from: Data($0.utf8)) }
    }

    /// Generates 200 authors with `seed` into a fresh directory.
    static func generate(seed: UInt64) throws -> (String, SyntheticTOFU) {
        let dir = TestData.temporaryDirectory("synth") + "/out"
        let data = try SyntheticTOFU(authors: 200, seed: seed)
        try data.write(to: dir, force: false)
        return (dir, data)
    }

    @Test("same seed, same bytes; another seed, other authors")
    func determinism() throws {
        let (a, da) = try Self.generate(seed: 5)
        let (b, _) = try Self.generate(seed: 5)
        let (c, dc) = try Self.generate(seed: 6)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: a).sorted()
                == (SyntheticTOFU.fileNames + [GeneratedDirectory.markerFileName]).sorted())
        for name in SyntheticTOFU.fileNames {
            #expect(try Self.read(a, name) == Self.read(b, name), "\(name)")
        }
        #expect(try Self.read(a, "full.json") != Self.read(c, "full.json"))
        let namesA = Set(da.authors.map(\.name)), namesC = Set(dc.authors.map(\.name))
        #expect(namesA.count == 200 && namesA != namesC)
        #expect(namesA.intersection(namesC).count < 50)
        // A non-empty directory is refused unless forced.
        #expect(throws: DataError.self) { try da.write(to: c, force: false) }
        try da.write(to: c, force: true)
        #expect(try Self.read(c, "full.json") == Self.read(a, "full.json"))
        #expect(throws: DataError.self) { try SyntheticTOFU(authors: 5, seed: 1) }
    }

    @Test("file set, line counts and TOFU's split conventions")
    func countsAndSplits() throws {
        let (dir, _) = try Self.generate(seed: 1)
        let expected: [String: Int] = [
            "full.json": 4000, "forget01.json": 40, "forget05.json": 200, "forget10.json": 400,
            "retain99.json": 3960, "retain95.json": 3800, "retain90.json": 3600,
            "forget01_perturbed.json": 40, "forget05_perturbed.json": 200, "forget10_perturbed.json": 400,
            "retain_perturbed.json": 400, "real_authors.json": 30, "real_authors_perturbed.json": 30,
            "world_facts.json": 30, "world_facts_perturbed.json": 30, "idontknow.jsonl": 30,
            "holdout01.json": 40, "holdout05.json": 200, "holdout10.json": 400, "attributes.jsonl": 4000,
        ]
        #expect(Set(expected.keys) == Set(SyntheticTOFU.fileNames))
        for (name, n) in expected { #expect(try Self.lines(dir, name).count == n, "\(name)") }
        let full = try Self.samples(dir, "full.json")
        // attributes.jsonl: item g is author g / 20's question of type g % 20, whose answer states the value.
        let attributes = try Self.objects(dir, "attributes.jsonl")
        for (g, line) in attributes.enumerated() {
            #expect(line["author"] as? Int == g / 20 && line["question_type"] as? Int == g % 20, "attributes line \(g)")
            let value = try #require(line["value"] as? String)
            #expect(full[g].answer.contains(value), "item \(g): \(full[g].answer) does not state \(value)")
        }
        #expect(Set(attributes.map { $0["value"] as! String }).count > 1000)
        // Holdout authors are in no other split; the smaller holdout splits are prefixes of holdout10.
        let holdout = try Self.samples(dir, "holdout10.json")
        #expect(Set(holdout.map(\.question)).isDisjoint(with: Set(full.map(\.question))))
        #expect(try Self.samples(dir, "holdout05.json") == Array(holdout.prefix(200)))
        for (p, r) in [(1, 99), (5, 95), (10, 90)] {
            let forget = try Self.samples(dir, String(format: "forget%02d.json", p))
            let retain = try Self.samples(dir, "retain\(r).json")
            #expect(forget == Array(full.suffix(forget.count)))
            #expect(retain == Array(full.prefix(retain.count)))
            let perturbed = try Self.samples(dir, String(format: "forget%02d_perturbed.json", p))
            #expect(perturbed.map(\.question) == forget.map(\.question) && perturbed.map(\.answer) == forget.map(\.answer))
        }
        let retainPerturbed = try Self.samples(dir, "retain_perturbed.json")
        #expect(retainPerturbed.map(\.answer) == full.prefix(400).map(\.answer))
    }

    @Test("every line is a JSON object with TOFU's fields")
    func jsonFields() throws {
        let (dir, _) = try Self.generate(seed: 2)
        let qa = [
            "full.json", "forget01.json", "forget05.json", "forget10.json", "retain90.json", "retain95.json", "retain99.json",
            "holdout01.json", "holdout05.json", "holdout10.json",
        ]
        for name in qa {
            for o in try Self.objects(dir, name) {
                #expect(Set(o.keys) == ["question", "answer"] && o["question"] is String && o["answer"] is String, "\(name)")
            }
        }
        for name in ["forget01_perturbed.json", "forget05_perturbed.json", "forget10_perturbed.json", "retain_perturbed.json"] {
            for o in try Self.objects(dir, name) {
                #expect(Set(o.keys) == ["question", "answer", "paraphrased_answer", "perturbed_answer", "paraphrased_question"])
                #expect((o["perturbed_answer"] as? [String])?.count == 5)
            }
        }
        for base in ["real_authors", "world_facts"] {
            let choices = try Self.objects(dir, base + ".json"), perturbed = try Self.objects(dir, base + "_perturbed.json")
            #expect(choices.count == perturbed.count)
            for (c, p) in zip(choices, perturbed) {
                #expect(Set(c.keys) == ["question", "option1", "option2", "option3", "option4", "answer"])
                #expect(Set(p.keys) == ["question", "answer", "perturbed_answer"])
                let options = (1...4).map { c["option\($0)"] as! String }, answer = c["answer"] as! String
                #expect(options.filter { $0 == answer }.count == 1)
                #expect(p["answer"] as? String == answer && p["question"] as? String == c["question"] as? String)
                #expect(p["perturbed_answer"] as! [String] == options.filter { $0 != answer })
            }
        }
        let refusals = try Self.lines(dir, "idontknow.jsonl")
        #expect(Set(refusals).count == refusals.count)

        // Where the real TOFU files are present, every file's first line has the same keys (the
        // copy here has no holdout splits).
        if FileManager.default.fileExists(atPath: TestData.tofu + "/full.json") {
            for name in SyntheticTOFU.fileNames
            where name.hasSuffix(".json") && FileManager.default.fileExists(atPath: TestData.tofu + "/" + name) {
                let ours = try Self.objects(dir, name)[0], theirs = try Self.objects(TestData.tofu, name)[0]
                #expect(Set(ours.keys) == Set(theirs.keys), "\(name)")
            }
        }
    }

    @Test("perturbed answers differ from the answer; paraphrases differ from the originals")
    func perturbations() throws {
        let (dir, _) = try Self.generate(seed: 3)
        for name in ["forget10_perturbed.json", "retain_perturbed.json", "forget01_perturbed.json", "forget05_perturbed.json"] {
            for s in try Self.samples(dir, name) {
                let perturbed = s.perturbedAnswers ?? []
                #expect(perturbed.count == 5 && Set(perturbed).count == 5)
                #expect(!perturbed.contains(s.answer) && !perturbed.contains(s.paraphrasedAnswer ?? ""))
                #expect(s.paraphrasedAnswer != nil && s.paraphrasedAnswer != s.answer)
                #expect(s.paraphrasedQuestion != nil && s.paraphrasedQuestion != s.question)
            }
        }
    }

    @Test("forget and retain authors are disjoint")
    func disjointAuthors() throws {
        let (dir, data) = try Self.generate(seed: 4)
        #expect(Set(data.authors.map(\.name)).count == data.authors.count)
        for (p, r) in [(1, 99), (5, 95), (10, 90)] {
            let k = SyntheticTOFU.forgetAuthors(200, percent: p)
            let forgetNames = Set(data.authors.suffix(k).map(\.name)), retainNames = Set(data.authors.prefix(200 - k).map(\.name))
            #expect(forgetNames.isDisjoint(with: retainNames))
            let retainText = String(decoding: try Self.read(dir, "retain\(r).json"), as: UTF8.self)
            let forgetText = String(decoding: try Self.read(dir, String(format: "forget%02d.json", p)), as: UTF8.self)
            for name in forgetNames {
                #expect(!retainText.contains(name) && forgetText.contains(name), "\(name)")
            }
            // Every forget row is about a forget author: it names one of them or one of their books.
            let forgetKeys = forgetNames.union(data.authors.suffix(k).flatMap { $0.books.map { "'\($0)'" } })
            for s in try Self.samples(dir, String(format: "forget%02d.json", p)) {
                #expect(forgetKeys.contains { s.question.contains($0) || s.answer.contains($0) }, "\(s.question)")
            }
        }
    }

    /// 3,500 authors need 7,000 titles, more than the title tables hold: part numbers take over.
    @Test("names and book titles stay unique beyond the tables' size")
    func uniqueAtScale() throws {
        let data = try SyntheticTOFU(authors: 3500, seed: 9)
        #expect(Set(data.authors.map(\.name)).count == 3500)
        let titles = data.authors.flatMap(\.books)
        #expect(Set(titles).count == 7000)
        #expect(data.items.allSatisfy { $0.count == SyntheticTOFU.questionsPerAuthor })
    }
}
