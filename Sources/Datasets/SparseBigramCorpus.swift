import Foundation
import NumericCore

/// A stand-in corpus for exercising the engine: token sequences from a fixed random sparse bigram
/// chain. Each token has `fanout` successors drawn once from the seed, with probabilities
/// proportional to `fanout, fanout−1, …, 1`; a sequence starts at a uniform token.
///
/// The best achievable next-token loss is the chain's conditional entropy, known exactly
/// (`entropyPerToken`), so a training curve can be read against its floor.
package struct SparseBigramCorpus: Sendable {
    package let vocabSize: Int
    package let fanout: Int
    /// `successors[v]` lists the next tokens of `v`, most likely first.
    package let successors: [[Int32]]
    package let probabilities: [Double]

    package init(vocabSize: Int, fanout: Int = 4, seed: UInt64) {
        precondition(vocabSize > fanout && fanout > 0)
        self.vocabSize = vocabSize
        self.fanout = fanout
        var rng = RNG(seed: seed)
        successors = (0..<vocabSize).map { _ in
            var picked: [Int32] = []
            while picked.count < fanout {
                let t = Int32(rng.below(vocabSize))
                if !picked.contains(t) { picked.append(t) }
            }
            return picked
        }
        let weights = (0..<fanout).map { Double(fanout - $0) }
        let total = weights.reduce(0, +)
        probabilities = weights.map { $0 / total }
    }

    /// `H = −Σ pᵢ log pᵢ` in nats: the loss of a model that knows the chain.
    package var entropyPerToken: Double { -probabilities.reduce(0) { $0 + $1 * Foundation.log($1) } }

    /// A batch of B sequences of T+1 tokens as (inputs, next-token targets, all-ones mask), (B,T).
    package func batch(B: Int, T: Int, rng: inout RNG) -> (tokens: [Int32], targets: [Int32], mask: [Float]) {
        var tokens = [Int32](), targets = [Int32]()
        tokens.reserveCapacity(B * T)
        targets.reserveCapacity(B * T)
        for _ in 0..<B {
            var current = Int32(rng.below(vocabSize))
            for _ in 0..<T {
                tokens.append(current)
                current = next(after: current, rng: &rng)
                targets.append(current)
            }
        }
        return (tokens, targets, [Float](repeating: 1, count: B * T))
    }

    private func next(after token: Int32, rng: inout RNG) -> Int32 {
        var u = rng.uniform()
        for (i, p) in probabilities.enumerated() {
            if u < p { return successors[Int(token)][i] }
            u -= p
        }
        return successors[Int(token)][fanout - 1]
    }
}
