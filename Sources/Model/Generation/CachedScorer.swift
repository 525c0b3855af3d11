import NumericCore

/// Teacher-forced log-probabilities at chosen positions of many token sequences, computed over a
/// `KVCache` so that what the sequences share at their start is computed once:
///
/// - the prefix every sequence shares (a chat template's system prompt) once for the whole set;
/// - each distinct prompt (a sequence's ids before its first scored position: a question in its
///   template) once per chunk, from that prefix;
/// - the rest of each sequence (its answer) in chunks of at most `chunk` rows, from its prompt,
///   with the head only at the scored positions.
///
/// TOFU's evaluation scores seven answers per question, each behind the same system prompt: on
/// SmolLM2's forget set the model reads about 5,200 positions where padded forward passes read
/// about 23,000, and the head, a fifth of SmolLM2's forward cost, runs on the 4,389 answer
/// targets only.
///
/// The values are those of the model's full forward pass up to rounding (the products have other
/// shapes). Which sequences share a chunk depends on the sequences only, so the bits are the same
/// at any thread count.
package enum CachedScorer {
    /// A sequence to score: the model reads `ids[0..<ids.count - 1]`, and at each position t of
    /// `scored` (increasing, in `0..<ids.count - 1`) the log-probability of the next id
    /// `ids[t + 1]` is taken.
    package struct Sequence: Sendable {
        package let ids: [Int32]
        package let scored: [Int]

        package init(ids: [Int32], scored: [Int]) {
            self.ids = ids
            self.scored = scored
        }

        /// The ids before the first scored position, which sequences with the same prompt share.
        package var prompt: ArraySlice<Int32> { ids[0..<(scored.first ?? 0)] }
    }

    /// One scored position as `score` shows it: the k-th scored position of sequence
    /// `sequence`, its logits (V values, valid during the call), `log Σ_v exp(z_v)` and
    /// `log p(ids[t + 1]) = z_{ids[t+1]} − logSumExp`.
    package struct ScoredPosition {
        package let sequence: Int, k: Int
        package let logits: UnsafeBufferPointer<Float>
        package let logSumExp: Float, logProb: Float
    }

    /// Shows `visit` every scored position of every sequence, chunk after chunk (sequences with
    /// the same prompt together; within a sequence in order). Sequences with no scored position
    /// are skipped. Throws when a sequence is longer than the model's context.
    package static func score(
        _ model: any IncrementallyDecodable, _ sequences: [Sequence], chunk: Int = 16,
        visit: (ScoredPosition) throws -> Void
    ) throws {
        precondition(chunk >= 1, "a chunk holds at least one sequence")
        let live = sequences.indices.filter { !sequences[$0].scored.isEmpty }
        guard let first = live.first else { return }
        let longest = live.map { sequences[$0].ids.count - 1 }.max()!
        guard longest <= model.contextLength else {
            throw ModelError.shapeMismatch(
                "a sequence of \(longest) positions is longer than the model's context of \(model.contextLength)")
        }
        let prefix = sharedPrefix(live.map { sequences[$0].prompt })
        let prefixRow = 2 * chunk, V = model.vocabSize
        let f = try model.incrementalForward(rows: 2 * chunk + 1, maxLength: longest)
        if !prefix.isEmpty {
            _ = try f.extend(rows: [prefixRow], with: [Array(sequences[first].ids[0..<prefix.count])], logitsAt: [[]])
        }
        for groups in chunks(live, of: sequences, size: chunk) {
            // The prompts: rows chunk..<chunk + groups.count, each from the shared prefix.
            var promptRows: [Int] = [], promptTokens: [[Int32]] = []
            for (p, group) in groups.enumerated() {
                let prompt = sequences[group[0]].prompt
                f.cache.copyPrefix(prefix.count, from: prefixRow, to: chunk + p)
                if prompt.count > prefix.count {
                    promptRows.append(chunk + p)
                    promptTokens.append(Array(prompt[prefix.count...]))
                }
            }
            if !promptRows.isEmpty {
                _ = try f.extend(rows: promptRows, with: promptTokens, logitsAt: promptRows.map { _ in [] })
            }
            // The answers: rows 0..<chunk, each from its prompt, logits at the scored positions.
            var owners: [Int] = [], tokens: [[Int32]] = [], offsets: [[Int]] = [], targets: [Int32] = []
            for (p, group) in groups.enumerated() {
                for s in group {
                    let q = sequences[s].prompt.count, ids = sequences[s].ids
                    f.cache.copyPrefix(q, from: chunk + p, to: owners.count)
                    owners.append(s)
                    tokens.append(Array(ids[q..<(ids.count - 1)]))
                    offsets.append(sequences[s].scored.map { $0 - q })
                    targets += sequences[s].scored.map { ids[$0 + 1] }
                }
            }
            let logits = try f.extend(rows: Array(owners.indices), with: tokens, logitsAt: offsets)
            let S = targets.count
            var lse = [Float](repeating: 0, count: S), logp = [Float](repeating: 0, count: S)
            LogSoftmax.forward(
                lse: &lse, logp: &logp, logits: logits.baseAddress!, targets: targets, N: S, V: V)
            var n = 0
            for (row, s) in owners.enumerated() {
                for k in offsets[row].indices {
                    try visit(
                        ScoredPosition(
                            sequence: s, k: k, logits: UnsafeBufferPointer(rebasing: logits[(n * V)..<((n + 1) * V)]),
                            logSumExp: lse[n], logProb: logp[n]))
                    n += 1
                }
            }
        }
    }

    /// The longest start all `prompts` share.
    package static func sharedPrefix(_ prompts: [ArraySlice<Int32>]) -> ArraySlice<Int32> {
        var prefix = prompts[0]
        for p in prompts.dropFirst() {
            let common = zip(prefix, p).prefix { $0 == $1 }.count
            prefix = prefix.prefix(common)
        }
        return prefix
    }

    /// The sequences `indices` of `sequences` cut into chunks of at most `size`, each a list of
    /// groups with one prompt: groups in order of their first sequence, a group larger than what
    /// is left of a chunk split over the next.
    package static func chunks(_ indices: [Int], of sequences: [Sequence], size: Int) -> [[[Int]]] {
        var groupOf: [ArraySlice<Int32>: Int] = [:], groups: [[Int]] = []
        for index in indices {
            let prompt = sequences[index].prompt
            if let g = groupOf[prompt] {
                groups[g].append(index)
            } else {
                groupOf[prompt] = groups.count
                groups.append([index])
            }
        }
        var chunks: [[[Int]]] = [], current: [[Int]] = [], rows = 0
        for group in groups {
            var rest = group[...]
            while !rest.isEmpty {
                let take = rest.prefix(size - rows)
                current.append(Array(take))
                rows += take.count
                rest = rest.dropFirst(take.count)
                if rows == size {
                    chunks.append(current)
                    current = []
                    rows = 0
                }
            }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}
