import Datasets
import Foundation
import Testing

/// The synthetic benchmark is a drop-in for TOFU: the TOFU loader reads every split of a
/// generated directory, with TOFU's counts and pairings.
@Suite("Synthetic benchmark read as TOFU")
struct SyntheticAsTOFUTests {
    @Test func theLoaderReadsEverySplit() throws {
        let dir = TestData.temporaryDirectory("synth-tofu") + "/bench"
        try SyntheticTOFU(authors: 200, seed: 3).write(to: dir, force: false)
        let tofu = try TOFUDirectory(path: dir)
        // The generator writes the splits of TOFU's card (forget01/05/10), not the larger ones.
        for split in TOFUSplit.allCases {
            let written = SyntheticTOFU.fileNames.contains(split.fileName)
            #expect(tofu.contains(split) == written, "\(split.fileName)")
            #expect(written || split.rawValue.hasPrefix("forget") || split.rawValue.hasPrefix("retain"), "\(split)")
        }
        #expect(try tofu.load(.full).count == 4000)
        let expected: [(TOFUForgetSet, Int)] = [(.forget01, 40), (.forget05, 200), (.forget10, 400)]
        for (set, n) in expected {
            let (forget, retain) = try tofu.loadPair(set)
            #expect(forget.count == n)
            #expect(retain.count == 4000 - n)
            let perturbed = try tofu.load(set.perturbed)
            #expect(perturbed.count == n)
            #expect(perturbed.allSatisfy { $0.perturbedAnswers?.count == 5 && $0.paraphrasedAnswer != nil })
        }
        #expect(try !tofu.refusals().isEmpty)

        // Formatted with the byte tokenizer, every sample has a non-empty answer span.
        let formatted = QAFormatter(tokenizer: ByteTokenizer(), template: .standard, maxLength: nil)
            .format(try tofu.load(.forget10))
        #expect(formatted.samples.allSatisfy { $0.answerTokenCount > 1 })
    }
}
