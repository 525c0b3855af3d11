import Foundation
import TestSupport
import Testing

/// A seeded mutation fuzzer over every reader gscope has: each format's valid seed files are
/// mutated (field-aware edits, bit flips, truncations, splices), the release binary reads each
/// case in a child process, and every case must end in exit 0 or a clean error — exit 1 or 2 with
/// a message on stderr naming the file — never a signal, a trap or a hang (10 s).
///
/// 300 cases per format by default (`GSCOPE_FUZZ_CASES=N` for more, `GSCOPE_FUZZ_SEED=S` for
/// other cases, `GSCOPE_FUZZ_JOBS=J` children at a time, default 2). Each test prints one summary
/// line; failing cases are listed with their mutation and command and kept, with their files, under
/// `$TMPDIR/gscope-fuzz-failures/<format>/case-N` (`case.txt` there reproduces it). Needs the
/// release binary (`make test` builds it first).
@Suite("Reader fuzzing", .serialized)
struct ReaderFuzzTests {
    func fuzz(_ makeFormat: () throws -> FuzzFormat) throws {
        guard FileManager.default.isExecutableFile(atPath: FuzzCampaign.gscope) else {
            Issue.record("\(FuzzCampaign.gscope) is missing: build it first (`make test` does)")
            return
        }
        let format = try makeFormat()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gscope-fuzz-\(format.name)-\(UUID().uuidString.prefix(8))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: work) }
        let start = Date(), cpu = ChildOutcome.childrenCPUSeconds
        let results = FuzzCampaign(format: format, workDirectory: work).run(cases: FuzzCampaign.casesPerFormat)
        print(
            FuzzCampaign.summary(
                format.name, results, seconds: Date().timeIntervalSince(start),
                cpuSeconds: ChildOutcome.childrenCPUSeconds - cpu))
        let failures = FuzzCampaign.failureLines(format.name, results)
        #expect(
            failures.isEmpty,
            Comment(
                rawValue: "\(failures.count) of \(results.count) \(format.name) cases failed:\n"
                    + failures.joined(separator: "\n")))
    }

    @Test func tofuJSONLines() throws { try fuzz(FuzzFormats.tofuJSONLines) }
    @Test func experimentYAML() throws { try fuzz(FuzzFormats.experimentYAML) }
    @Test func tokenizerJSON() throws { try fuzz(FuzzFormats.tokenizerJSON) }
    @Test func huggingFaceTokenizerJSON() throws { try fuzz(FuzzFormats.huggingFaceTokenizerJSON) }
    @Test func gptCheckpoint() throws { try fuzz(FuzzFormats.gptCheckpoint) }
    @Test func llamaCheckpoint() throws { try fuzz(FuzzFormats.llamaCheckpoint) }
    @Test func shardedCheckpoint() throws { try fuzz(FuzzFormats.shardedCheckpoint) }
    @Test func bf16Checkpoint() throws { try fuzz(FuzzFormats.bf16Checkpoint) }
    @Test func gguf() throws { try fuzz(FuzzFormats.gguf) }
    @Test func runFileInspect() throws { try fuzz(FuzzFormats.runInspect) }
    @Test func runFilePlot() throws { try fuzz(FuzzFormats.runPlot) }

    /// The mutator is deterministic: the same seed and case number give the same bytes.
    @Test func sameSeedSameCases() {
        var a = SplitMix(seed: 7, case: 123), b = SplitMix(seed: 7, case: 123), c = SplitMix(seed: 7, case: 124)
        var bytesA = Array(0..<200).map { UInt8($0) }, bytesB = bytesA
        let whatA = ByteMutations.mutate(&bytesA, donor: [1, 2, 3], rng: &a)
        let whatB = ByteMutations.mutate(&bytesB, donor: [1, 2, 3], rng: &b)
        #expect(whatA == whatB && bytesA == bytesB)
        #expect(a.next() == b.next() && a.next() != c.next())
    }
}
