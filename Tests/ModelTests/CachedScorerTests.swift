import Model
import NumericCore
import Testing
import TestSupport

/// `CachedScorer` (a shared prefix once, each prompt once per chunk, the head at the scored
/// positions only) against each sequence's own full forward pass, on every architecture.
@Suite("Teacher-forced scoring over a key/value cache")
struct CachedScorerTests {
    /// One model of each architecture, with room for 24 positions.
    static func models() throws -> [(name: String, model: any CausalLanguageModel)] {
        var llama = LlamaGradientTests.qwen2
        llama.blockSize = 24
        var phi = PhiConfig.tiny
        phi.blockSize = 24
        return [
            ("gpt", try randomGPT(GPTConfig(nLayer: 2, nHead: 4, nEmbd: 20, vocabSize: 37, blockSize: 24), seed: 1)),
            ("llama", try randomLlama(.tiny.withBlockSize(24), seed: 2)),
            ("qwen2", try randomLlama(llama, seed: 3)),
            ("phi", try randomPhi(phi, seed: 4)),
            (
                "markov",
                try randomMarkovReference(
                    MarkovReferenceConfig(nLayer: 2, nEmbd: 16, vocabSize: 10, blockSize: 24), seed: 5)
            ),
        ]
    }

    /// Sequences as a TOFU set has them: a shared start (a system prompt), four prompts of
    /// different lengths with one to five answers each, answers of 1–7 tokens scored from the last
    /// prompt position on; one sequence scored at two scattered positions, one not scored at all,
    /// and one that shares no start with the others (so the shared prefix is empty for the set
    /// that holds it).
    static func sequences(vocab V: Int, withStranger: Bool) -> [CachedScorer.Sequence] {
        var rng = RNG(seed: 11)
        func tokens(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(rng.below(V)) } }
        let system = tokens(5)
        var out: [CachedScorer.Sequence] = []
        for (p, answers) in [3, 1, 5, 2].enumerated() {
            let prompt = system + tokens(2 + p)
            for a in 0..<answers {
                let ids = prompt + tokens(1 + (a * 3 + p) % 7) + [Int32(V - 1)]
                out.append(.init(ids: ids, scored: Array((prompt.count - 1)..<(ids.count - 1))))
            }
        }
        let long = system + tokens(12)
        out.append(.init(ids: long, scored: [8, 13]))
        out.append(.init(ids: system + tokens(4), scored: []))
        if withStranger {
            let ids = tokens(9)
            out.append(.init(ids: ids, scored: Array(3..<8)))
        }
        return out
    }

    /// The full forward pass of one sequence: the logits, log-sum-exp and target log-probabilities
    /// at its positions.
    static func direct(_ model: any CausalLanguageModel, _ s: CachedScorer.Sequence) throws
        -> (logits: [Float], lse: [Float], logp: [Float])
    {
        let T = s.ids.count - 1
        _ = try model.forward(
            tokens: Array(s.ids.dropLast()), targets: Array(s.ids.dropFirst()), mask: [Float](repeating: 1, count: T),
            batch: 1, seq: T)
        return (Array(model.logits), Array(model.logSumExp), Array(model.targetLogProbs))
    }

    @Test(arguments: [1, 3, 16], [false, true])
    func everyScoredPositionMatchesTheFullForwardPass(chunk: Int, withStranger: Bool) throws {
        for (name, model) in try Self.models() {
            let V = model.vocabSize, sequences = Self.sequences(vocab: V, withStranger: withStranger)
            var seen = sequences.map { [Bool](repeating: false, count: $0.scored.count) }
            var worst = (logits: 0.0, logp: 0.0, lse: 0.0)
            var expected: [Int: (logits: [Float], lse: [Float], logp: [Float])] = [:]
            for i in sequences.indices where !sequences[i].scored.isEmpty { expected[i] = try Self.direct(model, sequences[i]) }
            try CachedScorer.score(model, sequences, chunk: chunk) { p in
                #expect(!seen[p.sequence][p.k], "\(name): position \(p.k) of sequence \(p.sequence) shown twice")
                seen[p.sequence][p.k] = true
                let t = sequences[p.sequence].scored[p.k], e = expected[p.sequence]!
                worst.logits = max(worst.logits, relativeError(Array(p.logits), Array(e.logits[(t * V)..<((t + 1) * V)]).doubles))
                worst.logp = max(worst.logp, abs(Double(p.logProb - e.logp[t])) / max(1, abs(Double(e.logp[t]))))
                worst.lse = max(worst.lse, abs(Double(p.logSumExp - e.lse[t])) / max(1, abs(Double(e.lse[t]))))
            }
            #expect(seen.allSatisfy { $0.allSatisfy { $0 } }, "\(name): a scored position was not shown")
            #expect(worst.logits < 1e-5 && worst.logp < 1e-5 && worst.lse < 1e-5, "\(name), chunk \(chunk): \(worst)")
        }
    }

    @Test func theBitsDoNotDependOnTheThreadCount() throws {
        let model = try randomLlama(LlamaGradientTests.qwen2.withBlockSize(24), seed: 7)
        let sequences = Self.sequences(vocab: model.vocabSize, withStranger: false)
        let differences = try differencesAcrossWorkerCounts([1, 2, 3]) {
            var logp: [Double] = [], logits: [Double] = []
            try CachedScorer.score(model, sequences, chunk: 4) { p in
                logp.append(Double(p.logProb))
                logits += p.logits.map(Double.init)
            }
            return [("logp", logp), ("logits", logits)]
        }
        #expect(differences.isEmpty, "\(differences)")
    }

    /// Sequences with one prompt share a chunk until it is full; every sequence is in exactly one
    /// place; the shared prefix is the longest common start of the prompts.
    @Test func chunksKeepAPromptTogether() {
        let a: [Int32] = [1, 2, 3], b: [Int32] = [1, 2, 4, 4], c: [Int32] = [9]
        let sequences = [a, a, b, a, b, b, b, c].map {
            CachedScorer.Sequence(ids: $0 + [0, 0], scored: [$0.count, $0.count + 1])
        }
        let chunks = CachedScorer.chunks(Array(0..<8), of: sequences, size: 3)
        #expect(chunks == [[[0, 1, 3]], [[2, 4, 5]], [[6], [7]]])
        #expect(CachedScorer.chunks([7, 2, 4], of: sequences, size: 2) == [[[7], [2]], [[4]]])
        #expect(CachedScorer.sharedPrefix(sequences.prefix(7).map(\.prompt)) == [1, 2])
        #expect(CachedScorer.sharedPrefix(sequences.map(\.prompt)).isEmpty)
    }

    @Test func refusesBadRequests() throws {
        let model = try randomLlama(.tiny, seed: 9)
        let f = try model.incrementalForward(rows: 2, maxLength: 8)
        #expect(throws: ModelError.self) { try f.extend(rows: [0], with: [[1, 2, 3]], logitsAt: [[2, 1]]) }
        #expect(throws: ModelError.self) { try f.extend(rows: [0], with: [[1, 2, 3]], logitsAt: [[3]]) }
        #expect(throws: ModelError.self) { try f.extend(rows: [0, 1], with: [[1], [2]], logitsAt: [[0]]) }
        #expect(f.cache.lengths == [0, 0])
        #expect(try f.extend(rows: [0, 1], with: [[1, 2], [3]], logitsAt: [[], []]).isEmpty)
        #expect(try f.extend(rows: [0, 1], with: [[1, 2], [3]], logitsAt: [[0, 1], []]).count == 2 * model.vocabSize)
        #expect(f.cache.lengths == [4, 2])
        // A row given another's first positions continues as that row does.
        f.cache.copyPrefix(3, from: 0, to: 1)
        #expect(f.cache.lengths == [4, 3])
        f.cache.copyPrefix(4, from: 0, to: 1)
        let next = Array(try f.extend(rows: [0, 1], with: [[5], [5]]))
        let V = model.vocabSize
        #expect(Array(next[0..<V]) == Array(next[V..<(2 * V)]))
        let tooLong = CachedScorer.Sequence(ids: [Int32](repeating: 1, count: 18), scored: [16])
        #expect(throws: ModelError.self) { try CachedScorer.score(model, [tooLong]) { _ in } }
    }
}

extension LlamaConfig {
    fileprivate func withBlockSize(_ T: Int) -> LlamaConfig {
        var c = self
        c.blockSize = T
        return c
    }
}
