/// A batch in the layout `GPT.forward(tokens:targets:mask:batch:seq:)` reads: `batch` rows of
/// `seq` positions, flat and row-major (`row * seq + position`).
///
/// Rows are right-padded: after a sample's last input the tokens are the padding id, the targets
/// −1 and the mask 0, so padding never contributes to a loss.
package struct TokenBatch: Equatable, Sendable {
    /// Rows (B).
    package let batch: Int
    /// Positions per row (T).
    package let seq: Int
    /// Input ids, B×T.
    package let tokens: [Int32]
    /// Next-token ids, or −1 where there is none (padding), B×T.
    package let targets: [Int32]
    /// Loss weights: 1 on answer and end-token targets, 0 elsewhere, B×T.
    package let mask: [Float]
    /// The index (into the sample array the batch was built from) of each row's sample.
    package let indices: [Int]

    /// Builds a batch from `samples[i]` for every `i` in `indices`, padded to the longest of them
    /// or to `fixedLength` (which must be at least as long as every sample: cut samples when
    /// formatting, with `QAFormatter.maxLength`).
    package init(samples: [FormattedSample], indices: [Int], padding: Int32, fixedLength: Int? = nil) {
        precondition(!indices.isEmpty, "a batch needs at least one sample")
        let longest = indices.map { samples[$0].length }.max()!
        let T = fixedLength ?? longest
        precondition(T >= longest, "fixed length \(T) is shorter than a sample of length \(longest)")
        let B = indices.count
        var tokens = [Int32](repeating: padding, count: B * T)
        var targets = [Int32](repeating: -1, count: B * T)
        var mask = [Float](repeating: 0, count: B * T)
        for (row, index) in indices.enumerated() {
            let s = samples[index]
            let base = row * T
            for t in 0..<s.length {
                tokens[base + t] = s.ids[t]
                targets[base + t] = s.ids[t + 1]
            }
            for t in s.maskedPositions { mask[base + t] = 1 }
        }
        self.batch = B
        self.seq = T
        self.tokens = tokens
        self.targets = targets
        self.mask = mask
        self.indices = indices
    }

    /// The number of positions the loss covers (mask 1).
    package var maskedCount: Int { mask.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
}
