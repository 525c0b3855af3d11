import NumericCore

/// The backward pass of a batch whose B sequences of T positions share their first P
/// (`ForwardScope.loss`'s `ArenaShape.sharedPrefix`, computed once by the forward pass).
///
/// The activations at a shared position are the same in every sequence, and the backward pass is
/// linear in the gradient on them: the sum over the sequences of their backpropagations is the
/// backpropagation of their sum. So the gradient on a shared position is kept in the first
/// sequence only — the others' are added into it (`fold`) and are 0 from then on — and the shared
/// positions backpropagate once; a layer's parameter gradients need only the `rows` that carry one.
enum SharedPrefixGradient {
    /// Adds every other sequence's first P rows of `x` (B·T rows of `width`) into the first
    /// sequence's, in sequence order, and sets them to 0.
    static func fold(_ x: UnsafeMutablePointer<Float>, width: Int, B: Int, T: Int, P: Int) {
        guard P > 0 else { return }
        for b in 1..<B {
            let rows = x + b * T * width
            RowOps.add(rows, into: x, count: P * width)
            rows.update(repeating: 0, count: P * width)
        }
    }

    /// The rows of an (N, ·) gradient that can be nonzero: the first sequence's, and every other
    /// sequence's after the shared prefix.
    static func rows(N: Int, T: Int, P: Int) -> [Range<Int>] {
        [0..<T] + stride(from: T, to: N, by: T).map { ($0 + P)..<($0 + T) }
    }
}
