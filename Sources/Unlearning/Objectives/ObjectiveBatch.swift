import Datasets

/// What a block of rows in an unlearning batch holds.
package enum BatchRole: String, CaseIterable, Sendable {
    /// Forget questions with their true answers (the forget instances).
    case forget
    /// The same forget questions with a refusal answer ("I don't know"-style), for PO and IdkDPO;
    /// row `i` of this block belongs to forget row `i`.
    case refusal
    /// Retain questions with their answers.
    case retain
}

/// One batch that serves every term of an objective in a single forward and backward pass: the
/// rows of each role one after another (forget, refusal, retain), padded to a common length.
package struct ObjectiveBatch: Sendable {
    /// Tokens, targets and answer mask of all rows.
    package let tokens: TokenBatch
    /// The rows of each role present in the batch.
    package let rows: [BatchRole: Range<Int>]
    /// The forget-set index of each forget row (and so of each refusal row).
    package let forgetIndices: [Int]
    /// When the batch is one chunk of a larger set: the set's totals, which the terms' means
    /// divide by instead of the batch's own, so that the chunks' values and gradients add up to
    /// the whole set's.
    package var denominators: [BatchRole: Denominator] = [:]

    /// The totals a term's mean divides by.
    package struct Denominator: Sendable {
        /// N: answer tokens (mask total).
        package var answerTokens: Double
        /// S: instances (rows).
        package var instances: Int
        package init(answerTokens: Double, instances: Int) {
            self.answerTokens = answerTokens
            self.instances = instances
        }

        /// The totals of a whole set of samples.
        package init(of samples: [FormattedSample]) {
            self.init(answerTokens: Double(samples.reduce(0) { $0 + $1.maskedPositions.count }), instances: samples.count)
        }
    }

    /// - forget: the forget samples of this batch (true answers), `forgetIndices` their indices in
    ///   the forget set;
    /// - refusal: empty, or one refusal-answer sample per forget sample;
    /// - retain: the retain samples (may be empty);
    /// - fixedLength: pad every row to this length (keep it fixed over a run: the model
    ///   reallocates its activations when the batch shape changes); nil pads to the longest row.
    package init(
        forget: [FormattedSample], forgetIndices: [Int], refusal: [FormattedSample] = [],
        retain: [FormattedSample] = [], padding: Int32, fixedLength: Int? = nil
    ) {
        precondition(forget.count == forgetIndices.count, "one forget index per forget sample")
        precondition(refusal.isEmpty || refusal.count == forget.count, "one refusal per forget sample")
        var rows: [BatchRole: Range<Int>] = [:]
        var at = 0
        for (role, block) in [(BatchRole.forget, forget), (.refusal, refusal), (.retain, retain)] where !block.isEmpty {
            rows[role] = at..<(at + block.count)
            at += block.count
        }
        let all = forget + refusal + retain
        tokens = TokenBatch(samples: all, indices: Array(all.indices), padding: padding, fixedLength: fixedLength)
        self.rows = rows
        self.forgetIndices = forgetIndices
    }

    /// Rows (B).
    package var batch: Int { tokens.batch }
    /// Positions per row (T).
    package var seq: Int { tokens.seq }
}
