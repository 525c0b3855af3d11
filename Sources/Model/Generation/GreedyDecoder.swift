import NumericCore

/// What greedy decoding produced for one prompt: the new tokens (the stop token left out) and
/// why it ended.
package struct GeneratedSequence: Equatable, Sendable {
    package enum Finish: String, Equatable, Sendable {
        /// The model chose the stop token (not included in `tokens`).
        case stopToken = "stop_token"
        /// `maxNewTokens` tokens were generated.
        case maxNewTokens = "max_new_tokens"
        /// Prompt and new tokens fill the block size (the context length): the next token would
        /// need a position the model has not learned.
        case blockSize = "block_size"
    }

    package var tokens: [Int32]
    package var finish: Finish

    package init(tokens: [Int32], finish: Finish) {
        self.tokens = tokens
        self.finish = finish
    }
}

/// One step of decoding as an observer sees it: the logits from which row `rows[i]`'s next
/// token is chosen are row i of `logits` (rows.count, V), valid during the call only. Step 0 is
/// the prompts' last position; step s > 0 follows the s-th generated token.
package struct DecodingStep {
    package let step: Int
    package let rows: [Int]
    package let logits: UnsafeBufferPointer<Float>
}

/// Greedy decoding with a key/value cache, many prompts at once, for any model that makes
/// incremental forward passes (`IncrementallyDecodable`: the GPT, the Llama).
///
/// Every prompt is run through the model once (all prompts together; the start all prompts share
/// once for all of them), then each step feeds the last chosen token of every unfinished row, all
/// rows in one batch, and picks
///
///     yₜ = argmax_v logits[v]        (the smallest such v on a tie)
///
/// until the row chooses `stopToken`, has `maxNewTokens` new tokens, or its sequence reaches the
/// block size, the model's context length (a context of that many tokens still predicts one more
/// token, which is never fed back). The result does not depend on which other prompts share the
/// batch (up to the rounding of batched matmuls).
package struct GreedyDecoder {
    package let model: any IncrementallyDecodable
    package var maxNewTokens: Int
    package var stopToken: Int32?

    package init(model: any IncrementallyDecodable, maxNewTokens: Int = 200, stopToken: Int32?) {
        self.model = model
        self.maxNewTokens = maxNewTokens
        self.stopToken = stopToken
    }

    /// The continuation of each prompt (each non-empty, at most the context length, ids in the
    /// vocabulary), in the prompts' order. `observe` sees every step's logits.
    package func generate(prompts: [[Int32]], observe: ((DecodingStep) -> Void)? = nil) throws(ModelError) -> [GeneratedSequence]
    {
        try validate(prompts: prompts)
        var results = prompts.map { _ in GeneratedSequence(tokens: [], finish: .maxNewTokens) }
        guard maxNewTokens > 0 else { return results }
        let context = model.contextLength, V = model.vocabSize
        // The last chosen token is never fed: no row stores more than prompt + maxNewTokens − 1 positions.
        let longestPrompt = prompts.map(\.count).max()!
        let forward = try model.incrementalForward(
            rows: prompts.count,
            maxLength: longestPrompt + min(maxNewTokens - 1, context - longestPrompt))
        var active = Array(prompts.indices)
        // The start every prompt shares (a chat template's system prompt) runs once, in row 0, and
        // joins every other row's cache; each row then reads the rest of its prompt.
        let shared = CachedScorer.sharedPrefix(prompts.map { $0.dropLast() }).count
        if shared > 0 {
            _ = try forward.extend(rows: [0], with: [Array(prompts[0][..<shared])], logitsAt: [[]])
            for row in prompts.indices.dropFirst() { forward.cache.copyPrefix(shared, from: 0, to: row) }
        }
        var logits = try forward.extend(rows: active, with: prompts.map { Array($0[shared...]) })
        for step in 0... {
            observe?(DecodingStep(step: step, rows: active, logits: logits))
            var continuing: [Int] = [], fed: [[Int32]] = []
            for (i, row) in active.enumerated() {
                let token = Self.argmax(logits.baseAddress! + i * V, count: V)
                if token == stopToken {
                    results[row].finish = .stopToken
                    continue
                }
                results[row].tokens.append(token)
                if results[row].tokens.count == maxNewTokens { continue }   // finish stays .maxNewTokens
                if forward.cache.lengths[row] == context {
                    results[row].finish = .blockSize
                    continue
                }
                continuing.append(row)
                fed.append([token])
            }
            if continuing.isEmpty { break }
            active = continuing
            logits = try forward.extend(rows: active, with: fed)
        }
        return results
    }

    /// The index of the largest of `count` values, the first one on a tie.
    package static func argmax(_ x: UnsafePointer<Float>, count: Int) -> Int32 {
        var best = 0
        for v in 1..<count where x[v] > x[best] { best = v }
        return Int32(best)
    }

    private func validate(prompts: [[Int32]]) throws(ModelError) {
        let V = model.vocabSize, context = model.contextLength
        guard !prompts.isEmpty else { throw .shapeMismatch("no prompt to continue") }
        guard maxNewTokens >= 0 else { throw .shapeMismatch("maxNewTokens \(maxNewTokens) is negative") }
        if let stop = stopToken, stop < 0 || stop >= V {
            throw .shapeMismatch("stop token \(stop) is outside the vocabulary 0..<\(V)")
        }
        for (i, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else {
                throw .shapeMismatch("prompt \(i) is empty: greedy decoding needs at least one token to continue")
            }
            guard prompt.count <= context else {
                throw .shapeMismatch("prompt \(i) has \(prompt.count) tokens, more than the model's context length \(context)")
            }
            if let bad = prompt.first(where: { $0 < 0 || Int($0) >= V }) {
                throw .shapeMismatch("prompt \(i) holds token \(bad), outside the vocabulary 0..<\(V)")
            }
        }
    }
}

extension IncrementallyDecodable {
    /// Greedy continuations of `prompts` (see `GreedyDecoder`): the new tokens of each prompt,
    /// the stop token left out.
    package func generateGreedy(prompts: [[Int32]], maxNewTokens: Int = 200, stopToken: Int32?) throws(ModelError) -> [[Int32]] {
        try GreedyDecoder(model: self, maxNewTokens: maxNewTokens, stopToken: stopToken).generate(prompts: prompts).map(\.tokens)
    }
}
