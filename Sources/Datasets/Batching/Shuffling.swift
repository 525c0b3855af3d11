import NumericCore

/// Deterministic orders of sample indices.
package enum IndexOrder {
    /// A uniformly random permutation of `0..<count` by Fisher–Yates with `rng.below`: for i from
    /// count−1 down to 1, swap position i with position `rng.below(i + 1)`. The order depends only
    /// on the generator's state (never on the standard library's shuffling algorithm).
    package static func shuffled(count: Int, rng: inout RNG) -> [Int] {
        var order = Array(0..<count)
        shuffle(&order, rng: &rng)
        return order
    }

    /// Shuffles `values` in place with the Fisher–Yates walk of `shuffled(count:rng:)`.
    package static func shuffle<T>(_ values: inout [T], rng: inout RNG) {
        var i = values.count - 1
        while i > 0 {
            let j = rng.below(i + 1)
            if i != j { values.swapAt(i, j) }
            i -= 1
        }
    }
}

/// Which samples go into which batch, epoch after epoch, reproducibly from a seed.
///
/// Epoch `e` uses the order `IndexOrder.shuffled(count:rng:)` drawn from `RNG(seed:).fork(e)`, so
/// any epoch can be rebuilt alone; without shuffling every epoch is `0..<count`. Batches are
/// consecutive slices of `batchSize` indices; the last one is shorter unless `dropLast`.
package struct BatchSchedule: Sendable {
    /// The number of samples.
    package let count: Int
    /// Samples per batch.
    package let batchSize: Int
    /// The seed of the epoch orders.
    package let seed: UInt64
    /// Whether epochs are shuffled.
    package let shuffle: Bool
    /// Whether a last, short batch is left out.
    package let dropLast: Bool

    /// A schedule over `count` samples (`count` ≥ 1, `batchSize` ≥ 1).
    package init(count: Int, batchSize: Int, seed: UInt64, shuffle: Bool = true, dropLast: Bool = false) {
        precondition(count >= 1 && batchSize >= 1, "count and batchSize must be positive")
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.dropLast = dropLast
    }

    /// The number of batches in every epoch.
    package var batchesPerEpoch: Int { dropLast ? max(count / batchSize, 0) : (count + batchSize - 1) / batchSize }

    /// The sample order of epoch `epoch` (0-based).
    package func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<count) }
        var rng = RNG(seed: seed).fork(UInt64(epoch))
        return IndexOrder.shuffled(count: count, rng: &rng)
    }

    /// The batches of epoch `epoch`, each a list of sample indices.
    package func batches(epoch: Int) -> [[Int]] {
        let order = order(epoch: epoch)
        return (0..<batchesPerEpoch).map { b in
            Array(order[(b * batchSize)..<min((b + 1) * batchSize, count)])
        }
    }

    /// Every batch of epochs `0..<epochs`, in training order, with its epoch.
    package func batches(epochs: Int) -> [(epoch: Int, indices: [Int])] {
        (0..<epochs).flatMap { e in batches(epoch: e).map { (e, $0) } }
    }
}

/// Each forget item paired with one retain item, fixed once from a seed (the retain batch that
/// goes with a forget batch in objectives such as GradDiff and NPO+RT).
///
/// The retain indices are read from Fisher–Yates permutations of `0..<retainCount` drawn from
/// `RNG(seed:)`: distinct while there are enough retain items, a fresh permutation after every
/// `retainCount` forget items otherwise.
package struct ForgetRetainPairing: Equatable, Sendable {
    /// `retainIndex[i]` is the retain item paired with forget item i.
    package let retainIndex: [Int]
    /// The seed it was drawn from.
    package let seed: UInt64

    /// Draws the pairing (`retainCount` ≥ 1).
    package init(forgetCount: Int, retainCount: Int, seed: UInt64) {
        precondition(forgetCount >= 0 && retainCount >= 1, "need at least one retain item")
        var rng = RNG(seed: seed)
        var pairs: [Int] = []
        pairs.reserveCapacity(forgetCount)
        while pairs.count < forgetCount {
            let permutation = IndexOrder.shuffled(count: retainCount, rng: &rng)
            pairs += permutation.prefix(forgetCount - pairs.count)
        }
        self.retainIndex = pairs
        self.seed = seed
    }

    /// The retain items paired with the given forget items (e.g. the indices of a forget batch).
    package func retain(for forgetIndices: [Int]) -> [Int] { forgetIndices.map { retainIndex[$0] } }
}
