/// What every model's `forward` does with a (B,T) batch besides the network itself: checking the
/// inputs, and the masked token-mean NLL and its coefficients.
enum ForwardInputs {
    /// Throws unless tokens, targets and mask hold B·T entries each, T fits the context, tokens are
    /// in `0..<vocabSize`, and each target is in `0..<vocabSize` or −1 with mask 0.
    static func validate(
        tokens: [Int32], targets: [Int32], mask: [Float], B: Int, T: Int,
        vocabSize: Int, blockSize: Int
    ) throws(ModelError) {
        let N = B * T
        guard B > 0, T > 0 else { throw .shapeMismatch("batch \(B) × seq \(T) must be positive") }
        guard T <= blockSize else {
            throw .shapeMismatch("sequence length \(T) exceeds the block size \(blockSize)")
        }
        guard tokens.count == N, targets.count == N, mask.count == N else {
            throw .shapeMismatch(
                "tokens \(tokens.count), targets \(targets.count), mask \(mask.count); expected \(B)×\(T) = \(N) each")
        }
        let V = Int32(vocabSize)
        for n in 0..<N {
            guard tokens[n] >= 0, tokens[n] < V else {
                throw .shapeMismatch("token \(tokens[n]) at row \(n / T), position \(n % T) is outside the vocabulary 0..<\(V)")
            }
            guard targets[n] >= -1, targets[n] < V, mask[n] >= 0, mask[n].isFinite,
                targets[n] >= 0 || mask[n] == 0
            else {
                throw .shapeMismatch(
                    "target \(targets[n]) with mask \(mask[n]) at row \(n / T), position \(n % T): targets are in 0..<\(V), or −1 with mask 0"
                )
            }
        }
    }

    /// The start every row of a (B,T) batch shares and a `ForwardScope.loss` pass computes once:
    /// the longest run of leading positions where every row has the first row's tokens and no row
    /// counts in the loss (mask 0); 0 for a single row, and at most T − 1.
    static func sharedPrefix(tokens: [Int32], mask: [Float], B: Int, T: Int) -> Int {
        guard B > 1 else { return 0 }
        var p = 0
        while p < T - 1, (0..<B).allSatisfy({ tokens[$0 * T + p] == tokens[p] && mask[$0 * T + p] == 0 }) { p += 1 }
        return p
    }

    /// The masked token-mean NLL `Σ m·(−log p(y)) / Σ m` (0 when the mask is empty), in Float64.
    static func meanNLL(targetLogProbs logp: UnsafePointer<Float>, mask: [Float]) -> Double {
        var nll = 0.0, total = 0.0
        for n in mask.indices where mask[n] != 0 {
            nll -= Double(mask[n]) * Double(logp[n])
            total += Double(mask[n])
        }
        return total > 0 ? nll / total : 0
    }

    /// `mask / Σ mask` (all 0 when the mask is empty): the coefficients of `meanNLL`'s gradient.
    static func meanNLLCoefficients(mask: [Float]) -> [Float] {
        let total = mask.reduce(0.0) { $0 + Double($1) }
        return total > 0 ? mask.map { Float(Double($0) / total) } : mask.map { _ in 0 }
    }
}
