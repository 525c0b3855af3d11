/// SplitMix64 (Steele, Lea and Flood 2014): the tests' seeded source of random edits and data. The same seed
/// gives the same stream on every machine and in every process, so a case number reproduces its
/// mutated input exactly (Swift's own `SystemRandomNumberGenerator` and `Hasher` are seeded per
/// process and are never used to choose a mutation).
package struct SplitMix: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    /// The generator of case `index` of a campaign seeded with `seed`: independent of the other
    /// cases, so cases can run in any order and on any worker.
    package init(seed: UInt64, case index: Int) {
        var mixer = SplitMix(seed: seed ^ 0x5851_F42D_4C95_7F2D)
        for _ in 0...(index % 7) { _ = mixer.next() }
        state = mixer.next() &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (`bound` > 0).
    package mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// True with probability `p`.
    package mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// One element of a non-empty array.
    package mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
