/// The frozen reference model's target log-probabilities on forget and refusal samples, kept per
/// forget instance: θ_o never changes, so after its first forward pass over an instance the
/// reference is not run on it again (for objectives that read nothing else of θ_o: NPO, TNPO,
/// WTNPO, IdkDPO).
package final class ReferenceCache {
    /// Per role and forget index: `log p_o(y_t)` for the sample's positions (no padding).
    private var rows: [BatchRole: [Int: [Float]]] = [:]

    package init() {}

    /// The number of cached rows.
    package var count: Int { rows.values.reduce(0) { $0 + $1.count } }

    /// The batch's (B·T) reference target log-probabilities if every row of `roles` (forget,
    /// refusal) is cached (0 elsewhere: rows the terms do not read), else nil.
    func logProbs(for batch: ObjectiveBatch, roles: Set<BatchRole>) -> [Float]? {
        let T = batch.seq
        var out = [Float](repeating: 0, count: batch.batch * T)
        for role in [BatchRole.forget, .refusal] where roles.contains(role) {
            guard let range = batch.rows[role] else { continue }
            for (row, index) in zip(range, batch.forgetIndices) {
                guard let cached = rows[role]?[index], cached.count <= T else { return nil }
                for (t, v) in cached.enumerated() { out[row * T + t] = v }
            }
        }
        return out
    }

    /// Keeps the rows of `roles` (forget, refusal) of `logProbs` (the reference's, on `batch`).
    func store(_ logProbs: UnsafeBufferPointer<Float>, for batch: ObjectiveBatch, roles: Set<BatchRole>) {
        let T = batch.seq, targets = batch.tokens.targets
        for role in [BatchRole.forget, .refusal] where roles.contains(role) {
            guard let range = batch.rows[role] else { continue }
            for (row, index) in zip(range, batch.forgetIndices) {
                var length = T   // the sample's positions: padding (target −1) trimmed
                while length > 0, targets[row * T + length - 1] < 0 { length -= 1 }
                rows[role, default: [:]][index] = Array(logProbs[(row * T)..<(row * T + length)])
            }
        }
    }
}
