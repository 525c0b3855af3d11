import Datasets
import NumericCore
import Testing

@Suite("Batching")
struct BatchingTests {
    let t = ByteTokenizer()

    @Test func batchesArePaddedToTheLongestSample() {
        let f = QAFormatter(tokenizer: t, template: QATemplate(prefix: "{question}="))
        let samples = [
            f.format(question: "ab", answer: "c"),   // begin a b = c end: length 5
            f.format(question: "a", answer: "xyz"),
        ]   // begin a = x y z end: length 6
        let b = TokenBatch(samples: samples, indices: [0, 1], padding: t.special.padding)
        #expect(b.batch == 2 && b.seq == 6 && b.indices == [0, 1])
        #expect(b.tokens.count == 12 && b.targets.count == 12 && b.mask.count == 12)
        let B = t.special.begin, E = t.special.end, P = t.special.padding
        func c(_ s: String) -> Int32 { Int32(s.utf8.first!) }
        #expect(Array(b.tokens[0..<6]) == [B, c("a"), c("b"), c("="), c("c"), P])
        #expect(Array(b.targets[0..<6]) == [c("a"), c("b"), c("="), c("c"), E, -1])
        #expect(Array(b.mask[0..<6]) == [0, 0, 0, 1, 1, 0])
        #expect(Array(b.tokens[6..<12]) == [B, c("a"), c("="), c("x"), c("y"), c("z")])
        #expect(Array(b.targets[6..<12]) == [c("a"), c("="), c("x"), c("y"), c("z"), E])
        #expect(Array(b.mask[6..<12]) == [0, 0, 1, 1, 1, 1])
        #expect(b.maskedCount == 6)
        // Every −1 target has mask 0; every token is inside the vocabulary.
        for n in 0..<12 where b.targets[n] == -1 { #expect(b.mask[n] == 0) }
        #expect(b.tokens.allSatisfy { $0 >= 0 && $0 < Int32(t.vocabSize) })

        let fixed = TokenBatch(samples: samples, indices: [1, 0], padding: P, fixedLength: 8)
        #expect(fixed.seq == 8 && fixed.indices == [1, 0])
        #expect(Array(fixed.tokens[8..<16]) == [B, c("a"), c("b"), c("="), c("c"), P, P, P])
        #expect(Array(fixed.targets[13..<16]) == [-1, -1, -1])
        #expect(Array(fixed.mask[6..<8]) == [0, 0])
    }

    @Test func shuffleIsADeterministicPermutation() {
        var a = RNG(seed: 42), b = RNG(seed: 42), c = RNG(seed: 43)
        let x = IndexOrder.shuffled(count: 1000, rng: &a)
        let y = IndexOrder.shuffled(count: 1000, rng: &b)
        let z = IndexOrder.shuffled(count: 1000, rng: &c)
        #expect(x == y)
        #expect(x != z)
        #expect(x.sorted() == Array(0..<1000))
        #expect(x != Array(0..<1000))
        // The walk is ours: the first swap is position 999 with below(1000) of a fresh generator.
        var r = RNG(seed: 42)
        var expected = Array(0..<5)
        for i in stride(from: 4, to: 0, by: -1) { expected.swapAt(i, r.below(i + 1)) }
        var s = RNG(seed: 42)
        #expect(IndexOrder.shuffled(count: 5, rng: &s) == expected)
        var e = RNG(seed: 1)
        #expect(IndexOrder.shuffled(count: 0, rng: &e).isEmpty && IndexOrder.shuffled(count: 1, rng: &e) == [0])
    }

    @Test func scheduleCoversEveryEpochOnce() {
        let schedule = BatchSchedule(count: 10, batchSize: 4, seed: 7)
        #expect(schedule.batchesPerEpoch == 3)
        let e0 = schedule.batches(epoch: 0), e1 = schedule.batches(epoch: 1)
        #expect(e0.map(\.count) == [4, 4, 2])
        #expect(e0.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(e1.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(e0 != e1)
        #expect(BatchSchedule(count: 10, batchSize: 4, seed: 7).batches(epoch: 1) == e1)
        let all = schedule.batches(epochs: 2)
        #expect(all.map(\.epoch) == [0, 0, 0, 1, 1, 1] && all.map(\.indices) == e0 + e1)
        let dropped = BatchSchedule(count: 10, batchSize: 4, seed: 7, shuffle: false, dropLast: true)
        #expect(dropped.batches(epoch: 3) == [[0, 1, 2, 3], [4, 5, 6, 7]])
    }

    @Test func pairingIsReproducibleFromTheSeed() {
        let p = ForgetRetainPairing(forgetCount: 40, retainCount: 3960, seed: 5)
        #expect(p == ForgetRetainPairing(forgetCount: 40, retainCount: 3960, seed: 5))
        #expect(p != ForgetRetainPairing(forgetCount: 40, retainCount: 3960, seed: 6))
        #expect(p.retainIndex.count == 40)
        #expect(Set(p.retainIndex).count == 40, "distinct while there are enough retain items")
        #expect(p.retainIndex.allSatisfy { (0..<3960).contains($0) })
        #expect(p.retain(for: [3, 0]) == [p.retainIndex[3], p.retainIndex[0]])
        // More forget than retain items: every retain item used once per round.
        let q = ForgetRetainPairing(forgetCount: 7, retainCount: 3, seed: 1)
        #expect(q.retainIndex.prefix(3).sorted() == [0, 1, 2] && q.retainIndex[3..<6].sorted() == [0, 1, 2])
    }

    @Test func lengthStatistics() {
        let s = LengthStatistics([5, 1, 3, 2, 4, 100, 6, 7, 8, 9])
        #expect(s.count == 10 && s.min == 1 && s.max == 100)
        #expect(s.mean == 14.5)
        #expect(s.median == 5.5)
        #expect(s.p95 == 100)
        let odd = LengthStatistics(Array(1...21))
        #expect(odd.median == 11 && odd.p95 == 20)
        #expect(LengthStatistics([Int]()).count == 0)
        let f = QAFormatter(tokenizer: t)
        let summary = SampleLengthSummary([f.format(question: "a", answer: "bc"), f.format(question: "a", answer: "bcde")])
        #expect(summary.answer.min == 3 && summary.answer.max == 5 && summary.answer.mean == 4)
        #expect(summary.total.max - summary.total.min == 2)
    }

    @Test func tofuForgetBatchesWithPairedRetainBatchesSatisfyTheModelContract() throws {
        let tofu = try TOFUDirectory(path: TestData.tofu)
        let (forget, retain) = try tofu.loadPair(.forget01)
        let f = QAFormatter(tokenizer: t, maxLength: 256)
        let forgetSet = f.format(forget), retainSet = f.format(retain)
        let pairing = ForgetRetainPairing(forgetCount: forget.count, retainCount: retain.count, seed: 3)
        let schedule = BatchSchedule(count: forget.count, batchSize: 8, seed: 3)
        var seen: [Int] = []
        for (_, indices) in schedule.batches(epochs: 2) {
            let fb = TokenBatch(samples: forgetSet.samples, indices: indices, padding: t.special.padding)
            let rb = TokenBatch(samples: retainSet.samples, indices: pairing.retain(for: indices), padding: t.special.padding)
            for b in [fb, rb] {
                #expect(b.seq <= 256 && b.tokens.count == b.batch * b.seq)
                #expect(b.tokens.allSatisfy { $0 >= 0 && $0 < Int32(t.vocabSize) })
                for n in 0..<b.targets.count {
                    #expect(b.targets[n] >= -1 && b.targets[n] < Int32(t.vocabSize))
                    if b.targets[n] == -1 { #expect(b.mask[n] == 0) }
                }
                #expect(b.maskedCount > 0)
            }
            seen += fb.indices
        }
        #expect(seen.count == 80 && Set(seen) == Set(0..<40))
    }
}
