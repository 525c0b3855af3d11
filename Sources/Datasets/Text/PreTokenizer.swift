/// Splits UTF-8 text into the chunks that byte-level BPE merges within (merges never cross a
/// chunk boundary), the way GPT-2's pre-tokenizer does, written by hand without a regex engine.
///
/// Algorithm: one left-to-right pass over the Unicode scalars, taking at each position the first
/// rule that matches, as GPT-2's pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` does:
/// 1. a contraction: `'s 't 're 've 'm 'll 'd` (lower case, as in GPT-2);
/// 2. an optional space (U+0020) followed by a run of letters (`\p{L}`), of numbers (`\p{N}`) or
///    of other non-space scalars (punctuation, symbols, marks, controls);
/// 3. a run of whitespace; when non-space text follows, the run's last scalar is left to start
///    the next chunk (so `"a   b"` gives `"a"`, `"  "`, `" b"`).
///
/// Chunks are byte ranges of the input and partition it exactly, so concatenating them gives the
/// input back. Scalars are classified with Unicode properties (`isWhitespace`, the general
/// category), ASCII through a table.
package enum PreTokenizer {
    /// The class of a scalar for the rules above.
    enum ScalarClass: UInt8 { case letter, number, space, other }

    /// The chunks of `text`, as ranges of its UTF-8 bytes.
    package static func chunks(_ text: String) -> [Range<Int>] {
        chunks(utf8: Array(text.utf8))
    }

    /// The chunks of valid UTF-8 bytes (as in `String.utf8`), as ranges into `bytes`.
    package static func chunks(utf8 bytes: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        result.reserveCapacity(bytes.count / 4 + 1)
        bytes.withUnsafeBufferPointer { forEachChunk(in: $0) { result.append($0) } }
        return result
    }

    /// The chunks of `text` as strings (for tests and for showing how text is split).
    package static func pieces(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return chunks(utf8: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    /// Calls `body` with each chunk of `bytes` (valid UTF-8), in order.
    package static func forEachChunk(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            let end = chunkEnd(bytes, from: i)
            body(i..<end)
            i = end
        }
    }

    /// The end of the chunk that starts at byte `i` (< `bytes.count`).
    static func chunkEnd(_ bytes: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        let n = bytes.count
        // 1. Contractions.
        if bytes[i] == 0x27, i + 1 < n {
            let c1 = bytes[i + 1]
            if c1 == 0x73 || c1 == 0x74 || c1 == 0x6D || c1 == 0x64 { return i + 2 }   // s t m d
            if i + 2 < n {
                let c2 = bytes[i + 2]
                if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) {
                    return i + 3   // re ve ll
                }
            }
        }
        var (cls, j) = scalar(bytes, at: i)
        // 2. An optional space, then a run of one class.
        if bytes[i] == 0x20, j < n {
            let (nextClass, k) = scalar(bytes, at: j)
            if nextClass != .space { cls = nextClass; j = k }
        }
        if cls != .space {
            while j < n {
                let (c, k) = scalar(bytes, at: j)
                if c != cls { break }
                j = k
            }
            return j
        }
        // 3. Whitespace: the whole run if it ends the text or is one scalar, else all but its last scalar.
        var lastStart = i
        while j < n {
            let (c, k) = scalar(bytes, at: j)
            if c != .space { return lastStart > i ? lastStart : j }
            lastStart = j
            j = k
        }
        return j
    }

    /// The class of the scalar starting at byte `i` and the index just after it.
    static func scalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (ScalarClass, Int) {
        let b0 = bytes[i]
        if b0 < 0x80 { return (asciiClass[Int(b0)], i + 1) }
        var value: UInt32
        var length: Int
        if b0 < 0xE0 {
            value = UInt32(b0 & 0x1F); length = 2
        } else if b0 < 0xF0 {
            value = UInt32(b0 & 0x0F); length = 3
        } else {
            value = UInt32(b0 & 0x07); length = 4
        }
        let end = min(i + length, bytes.count)
        var k = i + 1
        while k < end { value = value << 6 | UInt32(bytes[k] & 0x3F); k += 1 }
        guard let s = Unicode.Scalar(value) else { return (.other, end) }
        return (classify(s), end)
    }

    static func classify(_ s: Unicode.Scalar) -> ScalarClass {
        let p = s.properties
        if p.isWhitespace { return .space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    static let asciiClass: [ScalarClass] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }
}

extension PreTokenizer {
    /// Calls `body` with each chunk of `bytes` (valid UTF-8) when digits are split first, as Hugging
    /// Face's `Sequence([Digits(individual_digits=True), ByteLevel(use_regex=True)])` does (SmolLM2's
    /// pre-tokenizer; llama.cpp's `smollm`: the regex `\p{N}`, then GPT-2's): every number scalar
    /// (`\p{N}`) is a chunk of its own, and each maximal run of other scalars is split by the GPT-2
    /// rules above as if it were the whole text (so a space before a digit is a chunk of its own:
    /// `"a 12"` gives `"a"`, `" "`, `"1"`, `"2"`).
    package static func forEachChunkSplittingDigits(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        let n = bytes.count
        var runStart = 0
        var i = 0
        func flushRun(upTo end: Int) {
            guard end > runStart else { return }
            let run = UnsafeBufferPointer(rebasing: bytes[runStart..<end])
            let offset = runStart
            forEachChunk(in: run) { body(($0.lowerBound + offset)..<($0.upperBound + offset)) }
        }
        while i < n {
            let (cls, next) = scalar(bytes, at: i)
            if cls == .number {
                flushRun(upTo: i)
                body(i..<next)
                runStart = next
            }
            i = next
        }
        flushRun(upTo: n)
    }

    /// The chunks of `text` with digits split first (see `forEachChunkSplittingDigits`), as strings.
    package static func piecesSplittingDigits(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var result: [String] = []
        bytes.withUnsafeBufferPointer { buffer in
            forEachChunkSplittingDigits(in: buffer) { result.append(String(decoding: bytes[$0], as: UTF8.self)) }
        }
        return result
    }
}
