import Datasets
import Foundation
import Testing

@Suite("TOFU loader and QA formatting")
struct TOFUTests {
    let tofu = try! TOFUDirectory(path: TestData.tofu)

    @Test func splitCountsMatchTheRealFiles() throws {
        let expected: [TOFUSplit: Int] = [
            .full: 4000, .forget01: 40, .forget05: 200, .forget10: 400,
            .forget20: 800, .forget30: 1200, .forget50: 2000, .forget90: 3600,
            .retain99: 3960, .retain95: 3800, .retain90: 3600,
            .retain80: 3200, .retain70: 2800, .retain50: 2000, .retain10: 400,
            .forget01Perturbed: 40, .forget05Perturbed: 200, .forget10Perturbed: 400,
            .retainPerturbed: 400, .realAuthors: 100, .realAuthorsPerturbed: 100,
            .worldFacts: 117, .worldFactsPerturbed: 117,
        ]
        // TOFU publishes no perturbed answers for the larger forget splits.
        let unpublished: Set<TOFUSplit> = [.forget20Perturbed, .forget30Perturbed, .forget50Perturbed, .forget90Perturbed]
        #expect(Set(expected.keys).union(unpublished) == Set(TOFUSplit.allCases))
        for (split, count) in expected {
            #expect(try tofu.load(split).count == count, "\(split.fileName)")
        }
        for split in unpublished {
            #expect(!tofu.contains(split))
            let error = try #require(throws: DataError.self) { try tofu.load(split) }
            #expect(error.file == TestData.tofu, "\(error)")
            #expect(
                error.message.hasPrefix("missing \(split.rawValue).json (split \(split.rawValue); TOFU publishes"), "\(error)")
        }
    }

    @Test func forgetAndRetainPartitionFull() throws {
        let full = try tofu.load(.full)
        for set in TOFUForgetSet.allCases {
            let (forget, retain) = try tofu.loadPair(set)
            #expect(forget.count == full.count * set.percent / 100)
            #expect(forget.count + retain.count == full.count)
            #expect(Array(full.suffix(forget.count)) == forget, "forget is the last rows of full")
            #expect(Array(full.prefix(retain.count)) == retain, "retain is the first rows of full")
            guard TOFUForgetSet.smallSets.contains(set) else { continue }
            let perturbed = try tofu.load(set.perturbed)
            #expect(perturbed.map(\.question) == forget.map(\.question))
            #expect(perturbed.map(\.answer) == forget.map(\.answer))
        }
        let pairs = TOFUForgetSet.allCases.map { "\($0.rawValue)+\($0.retain.rawValue)" }
        #expect(
            pairs == [
                "forget01+retain99", "forget05+retain95", "forget10+retain90", "forget20+retain80",
                "forget30+retain70", "forget50+retain50", "forget90+retain10",
            ])
        #expect(TOFUForgetSet.allCases.map(\.percent) == [1, 5, 10, 20, 30, 50, 90])
        #expect(TOFURetainSet.allCases.map(\.percent) == [99, 95, 90, 80, 70, 50, 10])
        #expect(TOFUForgetSet.allCases.map(\.perturbed.fileName) == TOFUForgetSet.names.map { $0 + "_perturbed.json" })
    }

    /// The larger splits in a directory that holds only them (TOFU's Hugging Face copy may lack
    /// them): a forget20/retain80 pair is read, and a split that is not there is named.
    @Test func aLargerPairInASmallDirectory() throws {
        let dir = TestData.temporaryDirectory("tofu-forget20")
        let rows = (0..<5).map { #"{"question":"Q\#($0)?","answer":"A\#($0)."}"# }
        try (rows[0..<4].joined(separator: "\n") + "\n").write(toFile: dir + "/retain80.json", atomically: true, encoding: .utf8)
        try (rows[4] + "\n").write(toFile: dir + "/forget20.json", atomically: true, encoding: .utf8)
        let tofu = try TOFUDirectory(path: dir)
        let (forget, retain) = try tofu.loadPair(.forget20)
        #expect(forget == [QASample(question: "Q4?", answer: "A4.")])
        #expect(retain.map(\.question) == ["Q0?", "Q1?", "Q2?", "Q3?"])
        let missing = try #require(throws: DataError.self) { try tofu.loadPair(.forget30) }
        #expect(missing.description == "\(dir): missing forget30.json (split forget30) in the TOFU directory")
        let perturbed = try #require(throws: DataError.self) { try tofu.load(TOFUForgetSet.forget20.perturbed) }
        #expect(perturbed.message.contains("forget20_perturbed.json"), "\(perturbed)")
    }

    @Test func perturbedSetsCarryWhatTheFilesHold() throws {
        // Fictitious authors: 5 wrong answers, a paraphrased answer and question for every item.
        for split in [TOFUSplit.forget01Perturbed, .forget05Perturbed, .forget10Perturbed, .retainPerturbed] {
            for item in try tofu.load(split) {
                #expect(item.perturbedAnswers?.count == 5, "\(split.fileName)")
                #expect(!(item.paraphrasedAnswer ?? "").isEmpty)
                #expect(!(item.paraphrasedQuestion ?? "").isEmpty)
            }
        }
        // retain_perturbed holds the first 400 rows of full.
        let full = try tofu.load(.full)
        #expect(try tofu.load(.retainPerturbed).map(\.question) == full.prefix(400).map(\.question))
        // Real authors and world facts: the 3 wrong options of a 4-way multiple choice, no paraphrases.
        for (plain, perturbed) in [(TOFUSplit.realAuthors, TOFUSplit.realAuthorsPerturbed), (.worldFacts, .worldFactsPerturbed)] {
            let items = try tofu.load(perturbed)
            #expect(items.allSatisfy { $0.perturbedAnswers?.count == 3 && $0.paraphrasedAnswer == nil })
            #expect(items.allSatisfy { !($0.perturbedAnswers ?? []).contains($0.answer) })
            #expect(try tofu.load(plain).map(\.question) == items.map(\.question))
        }
    }

    @Test func refusalsArePlainLines() throws {
        let refusals = try tofu.refusals()
        #expect(refusals.count == 100)
        #expect(refusals.first == "I'm not certain about that.")
        #expect(refusals.allSatisfy { !$0.isEmpty && !$0.hasPrefix("\"") })
    }

    @Test func formattingFramesTheAnswerAndMasksIt() throws {
        let t = ByteTokenizer()
        let f = QAFormatter(tokenizer: t)
        let s = f.format(question: "Who wrote it?", answer: "Basil Mahfouz.")
        let prefix = t.encode("Question: Who wrote it?\nAnswer: ")
        #expect(s.ids == [t.special.begin] + prefix + t.encode("Basil Mahfouz.") + [t.special.end])
        #expect(s.answerRange == (1 + prefix.count)..<s.ids.count)
        #expect(Array(s.inputs) == Array(s.ids.dropLast()))
        #expect(Array(s.targets) == Array(s.ids.dropFirst()))
        let mask = s.mask
        #expect(mask.count == s.length)
        let targets = Array(s.targets)
        for i in 0..<mask.count {
            let isAnswerTarget = i + 1 >= s.answerRange.lowerBound
            #expect(mask[i] == (isAnswerTarget ? 1 : 0))
        }
        let masked = (0..<mask.count).filter { mask[$0] == 1 }.map { targets[$0] }
        #expect(masked == t.encode("Basil Mahfouz.") + [t.special.end])
        #expect(masked.last == t.special.end)
        #expect(t.decode(masked) == "Basil Mahfouz.")
        #expect(t.decode(s.ids) == "Question: Who wrote it?\nAnswer: Basil Mahfouz.")
        #expect(s.answerTokenCount == 15)
        #expect(!s.truncated)
    }

    @Test func templateIsConfigurable() {
        let t = ByteTokenizer()
        let f = QAFormatter(tokenizer: t, template: QATemplate(prefix: "[INST] {question} [/INST]"))
        let s = f.format(question: "Q?", answer: "A.")
        #expect(t.decode(s.ids) == "[INST] Q? [/INST]A.")
        #expect(Array(s.ids[s.answerRange]) == t.encode("A.") + [t.special.end])
    }

    @Test func truncationCutsTheEndAndIsCounted() {
        let t = ByteTokenizer()
        let samples = [QASample(question: "Q?", answer: "A long answer."), QASample(question: "Q?", answer: "A.")]
        // Untruncated lengths: 1 + 21 + 14 + 1 = 37 ids, and 1 + 21 + 2 + 1 = 25 ids.
        let set = QAFormatter(tokenizer: t, maxLength: 30).format(samples)
        #expect(set.truncatedCount == 1)
        let cut = set.samples[0]
        #expect(cut.truncated && cut.ids.count == 31 && cut.length == 30)
        #expect(cut.ids.last != t.special.end)
        #expect(cut.answerRange == 22..<31)
        #expect(t.decode(Array(cut.ids[cut.answerRange])) == "A long an")
        #expect(cut.mask.reduce(0, +) == 9)
        #expect(!set.samples[1].truncated && set.samples[1].ids.count == 25)
        // Cut inside the prefix: no answer tokens left, nothing masked.
        let none = QAFormatter(tokenizer: t, maxLength: 5).format(samples[0])
        #expect(none.answerRange.isEmpty && none.mask.allSatisfy { $0 == 0 } && none.length == 5)
        #expect(QAFormatter(tokenizer: t).format(samples).truncatedCount == 0)
    }

    @Test func fullFormatsWithinTheByteVocabulary() throws {
        let t = ByteTokenizer()
        let full = try tofu.load(.full)
        let set = QAFormatter(tokenizer: t).format(full)
        #expect(set.samples.count == 4000 && set.truncatedCount == 0)
        for (item, s) in zip(full, set.samples) {
            #expect(s.ids.allSatisfy { $0 >= 0 && $0 < Int32(t.vocabSize) })
            #expect(s.answerTokenCount == item.answer.utf8.count + 1)
        }
        let stats = SampleLengthSummary(set.samples)
        #expect(stats.total.min == 70 && stats.total.max == 640)
        #expect(stats.total.min <= Int(stats.total.median) && stats.total.p95 <= stats.total.max)
    }
}
