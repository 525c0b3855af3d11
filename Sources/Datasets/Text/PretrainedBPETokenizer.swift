import Foundation

/// A GPT-2-style byte-level BPE tokenizer with a pretrained model's vocabulary and merges (read from
/// its GGUF file by `PretrainedBPETokenizer(gguf:)` or from a Hugging Face `tokenizer.json` by
/// `PretrainedBPETokenizer(huggingFace:)`), encoding exactly as the model's Hugging Face tokenizer does.
///
/// Encoding, in Hugging Face's order:
/// 1. **Special tokens.** The text is scanned left to right; where one of the special (added) tokens'
///    texts (`<|im_start|>`, `<|eot_id|>`, …) begins, the longest one there becomes its id.
/// 2. **Normalization** of the text between them: none, or NFC (Qwen2's normalizer).
/// 3. **Pre-tokenization** into chunks (`PreTokenization`): GPT-2's rules, GPT-2's with every digit a
///    chunk of its own first (SmolLM2), Llama 3's or Qwen2's pattern.
/// 4. **BPE** within each chunk: with `ignoreMerges` (Llama 3), a chunk that is itself a vocabulary
///    entry is that one token; otherwise its bytes become the ids of their byte-alphabet characters
///    (`ByteLevelAlphabet`), then the adjacent pair with the lowest merge rank is merged everywhere
///    (left to right, non-overlapping) until no adjacent pair has a merge.
///
/// A byte whose character is not in the vocabulary is left out before the merges, as Hugging Face's
/// BPE does when there is no unknown token (SmolLM2 lacks 21 bytes: the controls U+0004, U+0006,
/// U+0013, U+0014, U+0016, U+001D, and bytes that start no UTF-8 sequence or only one of the
/// unassigned planes 4–11 (C0, C1, F1, F2, F5–FF)).
///
/// `encode` never adds a begin token: it equals Hugging Face's `encode(text, add_special_tokens=False)`.
/// The token a `tokenizer.json` post-processor puts first (Llama 3's `<|begin_of_text|>`) is
/// `postProcessorPrefix`; QA samples start with `special.begin`, which the chat format chooses.
///
/// Decoding concatenates the bytes of the tokens (a special token's bytes are its text) and reads
/// them as UTF-8, so `decode(encode(s)) == s` for every string without those bytes (NFC of it with
/// an NFC normalizer).
package struct PretrainedBPETokenizer: TextTokenizer {
    /// Each id's text as the vocabulary writes it (byte alphabet, or the special token's text).
    package let tokens: [String]
    /// The ids matched as whole texts before pre-tokenization (control, user-defined and added tokens).
    package let specialIDs: Set<Int32>
    /// How the text between special tokens is cut into chunks.
    package let preTokenization: PreTokenization
    /// Whether the text between special tokens is put in Unicode normalization form C first.
    package let normalizesNFC: Bool
    /// Whether a chunk that is itself a vocabulary entry is that one token, without merges (Hugging
    /// Face's `ignore_merges`, set by Llama 3; llama.cpp does the same for `llama-bpe`).
    package let ignoreMerges: Bool
    /// Begin, end and padding ids: the chat format's begin and end tokens (`<|im_start|>` and
    /// `<|im_end|>` for ChatML, `<|begin_of_text|>` and `<|eot_id|>` for Llama 3), the model's own
    /// begin and end tokens for the plain format.
    package internal(set) var special: SpecialTokens
    /// The conversation format QA samples are written in.
    package internal(set) var chatFormat: ChatFormat
    /// Where `chatFormat` came from, for messages (`tokenizer_config.json's chat_template`, …).
    package internal(set) var chatFormatSource: String
    /// The model's own begin-of-text and end-of-text ids (GGUF `bos_token_id`/`eos_token_id`,
    /// `tokenizer_config.json`'s `bos_token`/`eos_token`), when it has them.
    package let modelBegin: Int32?, modelEnd: Int32?
    /// The model's padding id, when it names one (`padding_token_id`, `pad_token`).
    package let modelPadding: Int32?
    /// The ids Hugging Face's post-processor puts before the text (`TemplateProcessing`'s
    /// `<|begin_of_text|>` for Llama 3; empty for GPT-2 and Qwen2).
    package let postProcessorPrefix: [Int32]

    /// Whether every digit is its own chunk before GPT-2's pre-tokenization.
    package var splitDigits: Bool { preTokenization == .gpt2SplittingDigits }

    /// The bytes each id stands for.
    let tokenBytes: [[UInt8]]
    /// The id of each single byte; -1 for a byte the vocabulary lacks.
    let byteIDs: [Int32]
    /// Pair key → (rank, merged id).
    let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// With `ignoreMerges`: the id of each normal token's bytes.
    let wholeTokenIDs: [[UInt8]: Int32]
    /// Special tokens by their first byte, longest first.
    let specialsByFirstByte: [UInt8: [(bytes: [UInt8], id: Int32)]]
    /// Encoded chunks (shared by the copies that `with(chatFormat:source:)` makes).
    let cache: ChunkCache

    /// A tokenizer from a vocabulary (`tokens[id]` in the byte alphabet, except the special ones),
    /// merges `"left right"` in rank order, the ids of the special tokens, and the begin, end and
    /// padding ids, with GPT-2's pre-tokenizer (digits split first with `splitDigits`) and the plain
    /// chat format. Throws a description of the problem: a normal token with a character outside
    /// the byte alphabet, a merge that is not two tokens or whose result is not in the vocabulary, a
    /// repeated token, an id out of range.
    package init(
        tokens: [String], merges: [String], specialIDs: Set<Int32>, special: SpecialTokens,
        splitDigits: Bool
    ) throws(TokenizerProblem) {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(merges.count)
        for (r, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerProblem("merge \(r) \"\(merge)\" is not two tokens of the vocabulary separated by one space")
            }
            pairs.append((String(parts[0]), String(parts[1])))
        }
        try self.init(
            tokens: tokens, mergePairs: pairs, specialIDs: specialIDs, special: special,
            preTokenization: splitDigits ? .gpt2SplittingDigits : .gpt2)
    }

    /// A tokenizer from a vocabulary and merges as (left, right) pairs in rank order; see the other
    /// initialiser. `repeatedMergeKeepsLast` gives a pair listed twice its last rank (Hugging Face's
    /// map of merges) instead of its first (llama.cpp's).
    package init(
        tokens: [String], mergePairs: [(String, String)], specialIDs: Set<Int32>, special: SpecialTokens,
        preTokenization: PreTokenization, normalizesNFC: Bool = false, ignoreMerges: Bool = false,
        repeatedMergeKeepsLast: Bool = false, modelBegin: Int32? = nil, modelEnd: Int32? = nil,
        modelPadding: Int32? = nil, postProcessorPrefix: [Int32] = [], chatFormat: ChatFormat = .plain,
        chatFormatSource: String = "default"
    ) throws(TokenizerProblem) {
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        var bytes: [[UInt8]] = []
        bytes.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() {
            let id = Int32(i)
            if specialIDs.contains(id) {
                guard !token.isEmpty else { throw TokenizerProblem("special token \(id) is empty") }
                bytes.append(Array(token.utf8))
            } else {
                guard let b = ByteLevelAlphabet.decode(token) else {
                    throw TokenizerProblem("token \(id) \"\(token)\" has a character outside the byte-level alphabet")
                }
                bytes.append(b)
                if ids.updateValue(id, forKey: token) != nil {
                    throw TokenizerProblem("token \"\(token)\" appears twice (ids \(ids[token]!) and \(id))")
                }
            }
        }
        let byteIDs = (0..<256).map { ids[String(ByteLevelAlphabet.characters[$0])] ?? -1 }
        var table: [UInt64: (rank: Int32, merged: Int32)] = [:]
        table.reserveCapacity(mergePairs.count)
        for (r, (leftText, rightText)) in mergePairs.enumerated() {
            guard let left = ids[leftText], let right = ids[rightText] else {
                throw TokenizerProblem(
                    "merge \(r) \"\(leftText) \(rightText)\" is not two tokens of the vocabulary separated by one space")
            }
            guard let merged = ids[leftText + rightText] else {
                throw TokenizerProblem(
                    "merge \(r) \"\(leftText) \(rightText)\" makes \"\(leftText)\(rightText)\", which is not in the vocabulary")
            }
            let key = BPEPair(left, right).key
            if repeatedMergeKeepsLast || table[key] == nil { table[key] = (Int32(r), merged) }
        }
        let named = [modelBegin, modelEnd, modelPadding].compactMap { $0 }
        for id in [special.begin, special.end, special.padding] + postProcessorPrefix + named
        where id < 0 || Int(id) >= tokens.count {
            throw TokenizerProblem("special id \(id) is outside the vocabulary of \(tokens.count) tokens")
        }
        var specials: [UInt8: [(bytes: [UInt8], id: Int32)]] = [:]
        for id in specialIDs.sorted() {
            guard id >= 0, Int(id) < tokens.count else { throw TokenizerProblem("special id \(id) is outside the vocabulary") }
            let b = bytes[Int(id)]
            specials[b[0], default: []].append((b, id))
        }
        for key in specials.keys { specials[key]!.sort { $0.bytes.count > $1.bytes.count } }
        var whole: [[UInt8]: Int32] = [:]
        if ignoreMerges {
            whole.reserveCapacity(ids.count)
            for id in ids.values { whole[bytes[Int(id)]] = id }
        }

        self.tokens = tokens
        self.specialIDs = specialIDs
        self.preTokenization = preTokenization
        self.normalizesNFC = normalizesNFC
        self.ignoreMerges = ignoreMerges
        self.special = special
        self.chatFormat = chatFormat
        self.chatFormatSource = chatFormatSource
        self.modelBegin = modelBegin
        self.modelEnd = modelEnd
        self.modelPadding = modelPadding
        self.postProcessorPrefix = postProcessorPrefix
        self.tokenBytes = bytes
        self.byteIDs = byteIDs
        self.merges = table
        self.wholeTokenIDs = whole
        self.specialsByFirstByte = specials
        self.cache = ChunkCache()
    }

    package var vocabSize: Int { tokens.count }
    /// The QA template of `chatFormat` (`ChatFormat.qaTemplate`).
    package var qaTemplate: QATemplate { chatFormat.qaTemplate }

    /// The bytes that `id` stands for (a special token's text); empty for unknown ids.
    package func bytes(of id: Int32) -> [UInt8] {
        id >= 0 && Int(id) < tokenBytes.count ? tokenBytes[Int(id)] : []
    }

    /// `id` as readable text: a special token as its text, otherwise its bytes shown as in
    /// `BPETokenizer.piece` (a backslash as `\\`, control characters and incomplete UTF-8 as `\xNN`).
    package func piece(_ id: Int32) -> String {
        specialIDs.contains(id) ? tokens[Int(id)] : BPETokenizer.render(bytes(of: id))
    }

    /// The ids of `text`; the texts of special tokens in it become their ids.
    package func encode(_ text: String) -> [Int32] {
        let bytes = Array(text.utf8)
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count / 3 + 1)
        guard !bytes.isEmpty else { return ids }
        cache.lock.lock()
        defer { cache.lock.unlock() }
        bytes.withUnsafeBufferPointer { buffer in
            var segmentStart = 0, i = 0
            while i < buffer.count {
                if let candidates = specialsByFirstByte[buffer[i]],
                    let match = candidates.first(where: { Self.matches($0.bytes, buffer, at: i) })
                {
                    appendChunks(UnsafeBufferPointer(rebasing: buffer[segmentStart..<i]), to: &ids)
                    ids.append(match.id)
                    i += match.bytes.count
                    segmentStart = i
                } else {
                    i += 1
                }
            }
            appendChunks(UnsafeBufferPointer(rebasing: buffer[segmentStart..<buffer.count]), to: &ids)
        }
        return ids
    }

    /// The ids of `text` between `begin`/`end` tokens when asked for.
    package func encode(_ text: String, begin: Bool, end: Bool) -> [Int32] {
        (begin ? [special.begin] : []) + encode(text) + (end ? [special.end] : [])
    }

    /// The text of `ids`, special tokens written as their text; unknown ids are skipped.
    package func decode(_ ids: [Int32]) -> String { decode(ids, skippingSpecial: false) }

    /// The text of `ids`; with `skippingSpecial` the special tokens are left out.
    package func decode(_ ids: [Int32], skippingSpecial: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where id >= 0 && Int(id) < tokenBytes.count {
            if skippingSpecial, specialIDs.contains(id) { continue }
            bytes.append(contentsOf: tokenBytes[Int(id)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func matches(_ pattern: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard buffer.count - i >= pattern.count else { return false }
        for k in 0..<pattern.count where buffer[i + k] != pattern[k] { return false }
        return true
    }

    /// Normalizes (NFC, when asked for) and pre-tokenizes a segment without special tokens and appends
    /// the BPE ids of its chunks (cached).
    func appendChunks(_ segment: UnsafeBufferPointer<UInt8>, to ids: inout [Int32]) {
        guard !segment.isEmpty else { return }
        if normalizesNFC, segment.contains(where: { $0 >= 0x80 }) {
            // ASCII text is already in NFC; anything else is composed.
            let composed = Array(String(decoding: segment, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
            composed.withUnsafeBufferPointer { appendNormalizedChunks($0, to: &ids) }
        } else {
            appendNormalizedChunks(segment, to: &ids)
        }
    }

    /// Pre-tokenizes a normalized segment and appends the BPE ids of its chunks (cached).
    func appendNormalizedChunks(_ segment: UnsafeBufferPointer<UInt8>, to ids: inout [Int32]) {
        func emit(_ range: Range<Int>) {
            let chunk = ArraySlice(UnsafeBufferPointer(rebasing: segment[range]))
            if let cached = cache.ids[chunk] {
                ids.append(contentsOf: cached)
            } else {
                let encoded = encodeChunk(chunk)
                if cache.ids.count >= ChunkCache.capacity { cache.ids.removeAll(keepingCapacity: true) }
                cache.ids[chunk] = encoded
                ids.append(contentsOf: encoded)
            }
        }
        preTokenization.forEachChunk(in: segment, emit)
    }

    /// The BPE loop on one chunk: the ids of its bytes (bytes without one left out), then merge the
    /// lowest-rank adjacent pair everywhere, until none has a rank.
    func encodeChunk(_ chunk: ArraySlice<UInt8>) -> [Int32] {
        if ignoreMerges, let whole = wholeTokenIDs[Array(chunk)] { return [whole] }
        var symbols = chunk.map { byteIDs[Int($0)] }
        if symbols.contains(-1) { symbols.removeAll { $0 < 0 } }
        while symbols.count >= 2 {
            var best = (rank: Int32.max, merged: Int32(-1))
            var at = -1
            for i in 0..<(symbols.count - 1) {
                if let m = merges[BPEPair(symbols[i], symbols[i + 1]).key], m.rank < best.rank { best = m; at = i }
            }
            if at < 0 { break }
            let left = symbols[at], right = symbols[at + 1]
            var out = Array(symbols[..<at])
            out.reserveCapacity(symbols.count - 1)
            var i = at
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == left, symbols[i + 1] == right {
                    out.append(best.merged); i += 2
                } else {
                    out.append(symbols[i]); i += 1
                }
            }
            symbols = out
        }
        return symbols
    }
}

/// Why a vocabulary and merges do not make a tokenizer.
package struct TokenizerProblem: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}
