/// How the text between special tokens is cut into chunks before byte-level BPE: the pre-tokenizer
/// of a Hugging Face `tokenizer.json` or of llama.cpp's `tokenizer.ggml.pre`, each implemented by
/// hand (no regex engine), exactly as the pattern it stands for.
package enum PreTokenization: String, Sendable, Equatable {
    /// GPT-2's `ByteLevel(use_regex=true)` (`PreTokenizer.forEachChunk`).
    case gpt2
    /// `Sequence[Digits(individual_digits=true), ByteLevel(use_regex=true)]`: SmolLM2, llama.cpp's `smollm`.
    case gpt2SplittingDigits
    /// Llama 3's `Split` regex (tiktoken's cl100k pattern): numbers in runs of at most 3.
    case llama3
    /// Qwen2's `Split` regex: Llama 3's with every number scalar a chunk of its own.
    case qwen2

    /// Calls `body` with each chunk of `bytes` (valid UTF-8), in order; the chunks partition `bytes`.
    package func forEachChunk(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        switch self {
        case .gpt2: PreTokenizer.forEachChunk(in: bytes, body)
        case .gpt2SplittingDigits: PreTokenizer.forEachChunkSplittingDigits(in: bytes, body)
        case .llama3: PreTokenizer.forEachChunkLlama3Style(in: bytes, maxDigits: 3, body)
        case .qwen2: PreTokenizer.forEachChunkLlama3Style(in: bytes, maxDigits: 1, body)
        }
    }

    /// The chunks of `text` as strings (for tests and for showing how text is split).
    package func pieces(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var result: [String] = []
        bytes.withUnsafeBufferPointer { buffer in
            forEachChunk(in: buffer) { result.append(String(decoding: bytes[$0], as: UTF8.self)) }
        }
        return result
    }
}

extension PreTokenizer {
    /// The pattern strings of Llama 3's and Qwen2's `tokenizer.json` (`pre_tokenizer` →
    /// `Split.pattern.Regex`), which `forEachChunkLlama3Style` implements.
    package static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    package static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// GPT-2's pattern, as a `Split` regex (the one `ByteLevel(use_regex=true)` applies).
    package static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// Calls `body` with each chunk of `bytes` (valid UTF-8) as Llama 3's pattern cuts it
    /// (`maxDigits` 3; Qwen2's with `maxDigits` 1). At each position the first alternative that
    /// matches wins, as in Oniguruma (which `tokenizers` uses):
    /// 1. `(?i:'s|'t|'re|'ve|'m|'ll|'d)`: an apostrophe and a contraction in any case (`'S`, `'Ll`;
    ///    case folding also makes `'ſ` one, U+017F folding to `s`);
    /// 2. `[^\r\n\p{L}\p{N}]?\p{L}+`: a run of letters, with the one scalar before it when that is
    ///    neither CR, LF, letter nor number (a space, a tab, a quote: `" word"`, `"(word"`);
    /// 3. `\p{N}{1,3}`: one to `maxDigits` number scalars;
    /// 4. ` ?[^\s\p{L}\p{N}]+[\r\n]*`: an optional space, a run of other scalars (punctuation,
    ///    symbols, marks), then any CR and LF after it;
    /// 5. `\s*[\r\n]+`: a whitespace run up to and including its last CR or LF;
    /// 6. `\s+(?!\S)|\s+`: a whitespace run without CR or LF, all but its last scalar when
    ///    something follows it (that scalar starts the next chunk), whole at the end of the text
    ///    or when it is a single scalar.
    /// `\s` is Unicode's White_Space, `\p{L}` the letters (Lu Ll Lt Lm Lo), `\p{N}` the numbers
    /// (Nd Nl No), as `PreTokenizer.classify` sorts scalars.
    package static func forEachChunkLlama3Style(
        in bytes: UnsafeBufferPointer<UInt8>, maxDigits: Int, _ body: (Range<Int>) -> Void
    ) {
        var i = 0
        while i < bytes.count {
            let end = llama3StyleChunkEnd(bytes, from: i, maxDigits: maxDigits)
            body(i..<end)
            i = end
        }
    }

    /// The end of the chunk that starts at byte `i` (< `bytes.count`) under the rules above.
    static func llama3StyleChunkEnd(_ bytes: UnsafeBufferPointer<UInt8>, from i: Int, maxDigits: Int) -> Int {
        let n = bytes.count
        @inline(__always) func isNewline(_ b: UInt8) -> Bool { b == 0x0A || b == 0x0D }
        /// The end of the run of scalars of class `cls` that starts at `start`.
        func run(_ cls: ScalarClass, from start: Int) -> Int {
            var j = start
            while j < n {
                let (c, k) = scalar(bytes, at: j)
                if c != cls { break }
                j = k
            }
            return j
        }
        // 1. Contractions, case-insensitive.
        if bytes[i] == 0x27, let end = contractionEnd(bytes, at: i + 1) { return end }
        let (c0, j) = scalar(bytes, at: i)
        // 2. An optional non-letter, non-number, non-newline scalar, then letters.
        if c0 == .letter { return run(.letter, from: j) }
        if c0 != .number, !isNewline(bytes[i]), j < n {
            let (c1, k) = scalar(bytes, at: j)
            if c1 == .letter { return run(.letter, from: k) }
        }
        // 3. Numbers, at most maxDigits.
        if c0 == .number {
            var end = j, count = 1
            while count < maxDigits, end < n {
                let (c, k) = scalar(bytes, at: end)
                if c != .number { break }
                end = k
                count += 1
            }
            return end
        }
        // 4. An optional space, other scalars, then CR and LF.
        var otherStart = c0 == .other ? j : -1
        if bytes[i] == 0x20, j < n {
            let (c1, k) = scalar(bytes, at: j)
            if c1 == .other { otherStart = k }
        }
        if otherStart >= 0 {
            var end = run(.other, from: otherStart)
            while end < n, isNewline(bytes[end]) { end += 1 }
            return end
        }
        // 5–6. Whitespace (c0 is whitespace here).
        var end = i, lastStart = i, count = 0, newlineEnd = -1
        while end < n {
            let (c, k) = scalar(bytes, at: end)
            if c != .space { break }
            if isNewline(bytes[end]) { newlineEnd = k }
            lastStart = end
            end = k
            count += 1
        }
        if newlineEnd >= 0 { return newlineEnd }
        return end == n || count == 1 ? end : lastStart
    }

    /// The end of a contraction whose apostrophe ends just before byte `i`, matched
    /// case-insensitively with Unicode case folding (`s`, `S` and `ſ` alike), or nil.
    static func contractionEnd(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let n = bytes.count
        guard i < n else { return nil }
        let c1 = bytes[i] | 0x20   // ASCII lower case (only letters are compared below)
        switch c1 {
        case 0x73, 0x74, 0x6D, 0x64: return isASCIILetter(bytes[i]) ? i + 1 : nil   // s t m d
        case 0x72, 0x76, 0x6C:   // r(e) v(e) l(l)
            guard isASCIILetter(bytes[i]), i + 1 < n, isASCIILetter(bytes[i + 1]) else { return nil }
            let c2 = bytes[i + 1] | 0x20
            return (c1 == 0x6C ? c2 == 0x6C : c2 == 0x65) ? i + 2 : nil
        default:
            // ſ (U+017F, long s) folds to s.
            return bytes[i] == 0xC5 && i + 1 < n && bytes[i + 1] == 0xBF ? i + 2 : nil
        }
    }

    @inline(__always) static func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
}
