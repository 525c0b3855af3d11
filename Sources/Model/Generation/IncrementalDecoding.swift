/// A model's forward pass on the next tokens of some sequences over a `KVCache`, as
/// `GreedyDecoder` drives it (`GPTIncrementalForward` for the GPT, `LlamaIncrementalForward`).
///
/// `extend` gives rows r₁…r_M new tokens; row r's tokens take positions `cache.lengths[r]…`,
/// attend to every stored position of their row and to the new ones up to themselves, and join
/// the cache. The logits it returns are those of the model's full forward pass at the asked
/// positions (by default each row's last new token), up to rounding; the head runs on those
/// positions only.
package protocol IncrementalDecoding: AnyObject {
    /// The keys and values stored so far; `cache.lengths[r]` positions of row r.
    var cache: KVCache { get }
    /// V, the logits of one row.
    var vocabSize: Int { get }
    /// The most positions a sequence may have (the model's context).
    var contextLength: Int { get }
    /// Runs the model on `tokens[i]`, the next tokens of cache row `rows[i]` (rows distinct, each
    /// with at least one token), and returns the logits after the new tokens `logitsAt[i]` of
    /// each row (offsets into `tokens[i]`, increasing; may be empty), or after each row's last new
    /// token when `logitsAt` is nil: an (S, V) array, S the number of those positions, row after
    /// row, valid until the next call.
    func extend(rows: [Int], with tokens: [[Int32]], logitsAt: [[Int]]?) throws(ModelError)
        -> UnsafeBufferPointer<Float>
}

/// A model that `GreedyDecoder` can drive: it makes incremental forward passes over new caches.
package protocol IncrementallyDecodable: AnyObject {
    /// The vocabulary size V.
    var vocabSize: Int { get }
    /// The most positions a sequence may have.
    var contextLength: Int { get }
    /// A forward pass over an empty cache for `rows` sequences of at most `maxLength` positions
    /// (at most, and by default, `contextLength`).
    func incrementalForward(rows: Int, maxLength: Int?) throws(ModelError) -> any IncrementalDecoding
}

extension IncrementalDecoding {
    /// The logits after each row's last new token: an (M, V) array, M = `rows.count`.
    package func extend(rows: [Int], with tokens: [[Int32]]) throws(ModelError) -> UnsafeBufferPointer<Float> {
        try extend(rows: rows, with: tokens, logitsAt: nil)
    }

    /// S, the number of positions `extend(rows:with:logitsAt:)` returns logits for.
    func outputCount(rows: [Int], logitsAt: [[Int]]?) -> Int {
        logitsAt?.reduce(0) { $0 + $1.count } ?? rows.count
    }

    /// Checks the arguments of `extend`: one non-empty token list per row, rows distinct and in
    /// the cache, room for the new positions, ids in the vocabulary, and asked positions
    /// increasing offsets into each row's new tokens.
    func validate(rows: [Int], tokens: [[Int32]], logitsAt: [[Int]]?) throws(ModelError) {
        guard !rows.isEmpty, rows.count == tokens.count else {
            throw .shapeMismatch(
                "\(rows.count) rows with \(tokens.count) token lists; give one non-empty list per row, at least one row")
        }
        guard Set(rows).count == rows.count else { throw .shapeMismatch("rows \(rows) repeat a row") }
        let V = Int32(vocabSize)
        for (row, new) in zip(rows, tokens) {
            guard row >= 0, row < cache.rows else { throw .shapeMismatch("row \(row) is outside the cache's 0..<\(cache.rows)") }
            guard !new.isEmpty else { throw .shapeMismatch("row \(row) has no new token") }
            guard cache.lengths[row] + new.count <= cache.maxLength else {
                throw .shapeMismatch(
                    "row \(row): \(cache.lengths[row]) stored + \(new.count) new positions exceed the cache's \(cache.maxLength)")
            }
            if let bad = new.first(where: { $0 < 0 || $0 >= V }) {
                throw .shapeMismatch("token \(bad) of row \(row) is outside the vocabulary 0..<\(V)")
            }
        }
        guard let logitsAt else { return }
        guard logitsAt.count == rows.count else {
            throw .shapeMismatch("\(rows.count) rows with \(logitsAt.count) lists of positions to return logits for")
        }
        for (r, offsets) in logitsAt.enumerated() {
            guard zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }),
                offsets.allSatisfy({ $0 >= 0 && $0 < tokens[r].count })
            else {
                throw .shapeMismatch(
                    "row \(rows[r]): logits asked at \(offsets), not increasing offsets into its \(tokens[r].count) new tokens")
            }
        }
    }
}
