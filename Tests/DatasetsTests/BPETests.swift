import Datasets
import Foundation
import NumericCore
import Testing

/// One tokenizer trained on TOFU full.json (vocab 2048), shared by the tests that need it.
enum TOFUTokenizer {
    static let texts: [String] = try! TextCorpus.load(TestData.tofu + "/full.json")
    static let tokenizer = BPETrainer.train(texts: texts, vocabSize: 2048)
}

@Suite("Byte-level BPE")
struct BPETests {
    // MARK: pre-tokenizer

    @Test func preTokenizerSplitsLikeGPT2() {
        #expect(PreTokenizer.pieces("Hello world's 42 apples!") == ["Hello", " world", "'s", " 42", " apples", "!"])
        #expect(PreTokenizer.pieces("a   b") == ["a", "  ", " b"])
        #expect(PreTokenizer.pieces("a\n\nb") == ["a", "\n", "\n", "b"])
        #expect(PreTokenizer.pieces("end  ") == ["end", "  "])
        #expect(
            PreTokenizer.pieces("we'll they're I'm it'd don't you've") == [
                "we", "'ll", " they", "'re", " I", "'m", " it", "'d", " don", "'t", " you", "'ve",
            ])
        #expect(PreTokenizer.pieces("x1.5, ...'") == ["x", "1", ".", "5", ",", " ...'"])
        #expect(PreTokenizer.pieces("naïve 東京 🍢🍢") == ["naïve", " 東京", " 🍢🍢"])
        #expect(PreTokenizer.pieces("\t x") == ["\t", " x"])
        #expect(PreTokenizer.pieces("") == [])
    }

    @Test func chunksPartitionTheBytes() {
        var rng = RNG(seed: 11)
        for _ in 0..<200 {
            let s = Self.randomString(&rng)
            let bytes = Array(s.utf8)
            let chunks = PreTokenizer.chunks(utf8: bytes)
            #expect(chunks.flatMap { Array(bytes[$0]) } == bytes)
            #expect(chunks.allSatisfy { !$0.isEmpty })
        }
    }

    // MARK: training

    /// "ab ab ab" and "abc": chunks "ab" ×1, " ab" ×2, "abc" ×1. (a, b) occurs 4 times and is merged
    /// first (id 256); then (" ", 256) occurs twice (id 257); then no pair occurs twice.
    @Test func handCheckedTraining() {
        let t = BPETrainer.train(texts: ["ab ab ab", "abc"], vocabSize: 512)
        #expect(t.merges == [BPEPair(97, 98), BPEPair(32, 256)])
        #expect(t.vocabSize == 261)
        #expect(t.special == SpecialTokens(begin: 258, end: 259, padding: 260))
        #expect(t.encode("ab ab") == [256, 257])
        #expect(t.encode("abc") == [256, 99])
        #expect(t.encode("ab", begin: true, end: true) == [258, 256, 259])
        #expect(t.decode([258, 256, 257, 259, 260]) == "ab ab")
        #expect(t.bytes(of: 257) == Array(" ab".utf8))
    }

    /// (a, b) and (b, a) both occur twice: the smaller pair (97, 98) is merged first. The vocabulary
    /// size caps the merges.
    @Test func tiesGoToTheSmallerPair() {
        let t = BPETrainer.train(texts: ["ba", "ba", "ab", "ab"], vocabSize: 512)
        #expect(t.merges == [BPEPair(97, 98), BPEPair(98, 97)])
        let one = BPETrainer.train(texts: ["ba", "ba", "ab", "ab"], vocabSize: 260)
        #expect(one.merges == [BPEPair(97, 98)])
        #expect(BPETrainer.train(texts: ["xy yx"], vocabSize: 512).merges.isEmpty)
    }

    /// Merges inside a run of one byte: "aaaa" ×2 → (a, a) then (256, 256).
    @Test func repeatedBytes() {
        let t = BPETrainer.train(texts: ["aaaa", "aaaa", "aaa"], vocabSize: 300)
        #expect(t.merges == [BPEPair(97, 97), BPEPair(256, 256)])
        #expect(t.encode("aaaaaaa") == [257, 256, 97])
        #expect(t.decode(t.encode("aaaaaaa")) == "aaaaaaa")
    }

    /// The incremental trainer learns the same merges as a naive one that recounts every pair
    /// before each merge, on random corpora over a few letters (many ties, runs like "aaa").
    @Test func matchesNaiveTraining() {
        var rng = RNG(seed: 3)
        for _ in 0..<30 {
            let alphabet = Array("aabbc d'".unicodeScalars)
            let texts = (0..<(1 + rng.below(30))).map { _ in
                String(String.UnicodeScalarView((0..<rng.below(40)).map { _ in alphabet[rng.below(alphabet.count)] }))
            }
            let vocab = 259 + rng.below(80)
            #expect(BPETrainer.train(texts: texts, vocabSize: vocab).merges == Self.naiveMerges(texts, vocabSize: vocab))
        }
    }

    static func naiveMerges(_ texts: [String], vocabSize: Int) -> [BPEPair] {
        var words: [[Int32]: Int] = [:]
        for text in texts {
            let bytes = Array(text.utf8)
            for r in PreTokenizer.chunks(utf8: bytes) { words[bytes[r].map { Int32($0) }, default: 0] += 1 }
        }
        var merges: [BPEPair] = []
        while merges.count < vocabSize - 259 {
            var counts: [BPEPair: Int] = [:]
            for (w, f) in words where w.count >= 2 {
                for i in 0..<(w.count - 1) { counts[BPEPair(w[i], w[i + 1]), default: 0] += f }
            }
            guard let best = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $1.key < $0.key }), best.value >= 2
            else { break }
            let id = Int32(256 + merges.count)
            merges.append(best.key)
            var next: [[Int32]: Int] = [:]
            for (w, f) in words {
                var out: [Int32] = [], i = 0
                while i < w.count {
                    if i + 1 < w.count, BPEPair(w[i], w[i + 1]) == best.key {
                        out.append(id); i += 2
                    } else {
                        out.append(w[i]); i += 1
                    }
                }
                next[out, default: 0] += f
            }
            words = next
        }
        return merges
    }

    @Test func trainingIsDeterministic() {
        let again = BPETrainer.train(texts: TOFUTokenizer.texts, vocabSize: 2048)
        #expect(again.jsonData() == TOFUTokenizer.tokenizer.jsonData())
        let shuffled = BPETrainer.train(texts: TOFUTokenizer.texts.reversed(), vocabSize: 2048)
        #expect(shuffled.merges == again.merges)
    }

    // MARK: round trips

    @Test func roundTripsEveryTOFUText() {
        let t = TOFUTokenizer.tokenizer
        #expect(TOFUTokenizer.texts.count == 8000)
        #expect(t.vocabSize == 2048 && t.merges.count == 1789)
        var failures = 0, tokens = 0, bytes = 0
        for s in TOFUTokenizer.texts {
            let ids = t.encode(s)
            tokens += ids.count
            bytes += s.utf8.count
            if t.decode(ids) != s || ids.contains(where: { $0 < 0 || $0 >= 2045 }) { failures += 1 }
        }
        #expect(failures == 0)
        #expect(Double(bytes) / Double(tokens) > 3)   // measured 3.54 bytes/token
    }

    @Test func roundTripsRandomUnicode() {
        let tokenizers = [
            TOFUTokenizer.tokenizer, BPETrainer.train(texts: ["ab ab ab", "abc"], vocabSize: 512), BPETokenizer(merges: []),
        ]
        var rng = RNG(seed: 7)
        var failures: [String] = []
        for _ in 0..<2000 {
            let s = Self.randomString(&rng)
            for t in tokenizers where t.decode(t.encode(s)) != s || Array(t.decode(t.encode(s)).utf8) != Array(s.utf8) {
                failures.append(s)
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    /// A string of 0–40 pieces drawn from letters, digits, whitespace runs, apostrophes and
    /// contractions, punctuation, Latin-1 and CJK letters, combining marks, emoji (with ZWJ and
    /// variation selectors), controls and any scalar at all.
    static func randomString(_ rng: inout RNG) -> String {
        let pools: [[UInt32]] = [
            Array(0x61...0x7A) + Array(0x41...0x5A), Array(0x30...0x39), [0x20, 0x20, 0x20, 0x09, 0x0A, 0x0D, 0xA0, 0x3000],
            [0x27, 0x27, 0x73, 0x74, 0x6C, 0x72, 0x65, 0x76, 0x6D, 0x64], Array(0x21...0x2F) + [0x5C, 0x7E],
            Array(0xC0...0x17F), Array(0x4E00...0x4E40), Array(0x300...0x36F),
            Array(0x1F600...0x1F64F) + [0x200D, 0xFE0F, 0x1F3FB],
            Array(0x00...0x1F),
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<rng.below(41) {
            if rng.below(10) == 0 {
                // Any scalar: the whole range except surrogates.
                var v = UInt32(rng.below(0x110000))
                if (0xD800...0xDFFF).contains(v) { v = 0xFFFD }
                scalars.append(Unicode.Scalar(v)!)
            } else {
                let pool = pools[rng.below(pools.count)]
                for _ in 0...rng.below(4) { scalars.append(Unicode.Scalar(pool[rng.below(pool.count)])!) }
            }
        }
        return String(scalars)
    }

    // MARK: files

    @Test func saveAndLoadRoundTrip() throws {
        let dir = TestData.temporaryDirectory("bpe")
        let path = dir + "/tok.json"
        let t = TOFUTokenizer.tokenizer
        try t.save(to: path)
        let loaded = try BPETokenizer.load(path)
        #expect(loaded.merges == t.merges)
        #expect(loaded.special == t.special)
        #expect(loaded.vocabSize == 2048)
        let sample = TOFUTokenizer.texts[17]
        #expect(loaded.encode(sample) == t.encode(sample))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == t.jsonData())
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["tok.json"])   // no temporary left
        let small = BPETrainer.train(texts: ["ab ab ab", "abc"], vocabSize: 512)
        try small.save(to: path)   // replaces the file
        #expect(try BPETokenizer.load(path).merges == small.merges)
    }

    @Test func fileFormat() {
        let text = String(decoding: BPETrainer.train(texts: ["ab ab ab", "abc"], vocabSize: 512).jsonData(), as: UTF8.self)
        #expect(
            text.hasPrefix(
                """
                {
                  "type": "byte-bpe",
                  "version": 1,
                  "vocab_size": 261,
                  "special": {"begin": 258, "end": 259, "padding": 260},
                  "merges": [
                    [97, 98],
                    [32, 256]
                  ],
                  "vocab": [
                    "\\\\x00",
                """))
        #expect(text.contains("\n    \"ab\",\n    \" ab\",\n    \"<|begin|>\",\n    \"<|end|>\",\n    \"<|pad|>\"\n  ]\n}\n"))
        #expect(text.contains("\n    \"\\\\\\\\\",\n"))   // the backslash byte shows as \\ (escaped in JSON)
    }

    // MARK: errors

    static func loadError(_ json: String) -> DataError? {
        let path = TestData.temporaryDirectory("bpe-bad") + "/bad.json"
        try! json.write(toFile: path, atomically: true, encoding: .utf8)
        do { _ = try BPETokenizer.load(path); return nil } catch { return error }
    }

    static func file(merges: String, vocabSize: Int, special: String? = nil) -> String {
        let s = vocabSize - 3
        return """
            {"type": "byte-bpe", "version": 1, "vocab_size": \(vocabSize),
             "special": \(special ?? "{\"begin\": \(s), \"end\": \(s + 1), \"padding\": \(s + 2)}"), "merges": \(merges)}
            """
    }

    @Test func malformedTokenizerFiles() throws {
        #expect(Self.loadError(Self.file(merges: "[[97, 98], [32, 256]]", vocabSize: 261)) == nil)

        let badJSON = try #require(Self.loadError("{\"type\": \"byte-bpe\", "))
        #expect(badJSON.file.hasSuffix("bad.json"))
        #expect(badJSON.message.contains("not a byte-BPE tokenizer file"))
        // A syntax error gives its line and column (issue 15, finding 10c).
        let comma = try #require(Self.loadError(Self.file(merges: "[[97, 98],, [32, 256]]", vocabSize: 261)))
        #expect(comma.line == 2 && comma.column == 77, "\(comma)")
        #expect(
            comma.description.hasSuffix("bad.json:2:77: not a byte-BPE tokenizer file: not valid JSON: Invalid value"), "\(comma)"
        )

        let missing = try #require(Self.loadError("{\"type\": \"byte-bpe\", \"version\": 1}"))
        #expect(missing.message.contains("missing field"))

        let unknown = try #require(Self.loadError(Self.file(merges: "[[97, 98], [32, 300]]", vocabSize: 261)))
        #expect(unknown.message.contains("merge 1 [32, 300] uses id 300"))
        #expect(unknown.file.hasSuffix("bad.json"))

        let ahead = try #require(Self.loadError(Self.file(merges: "[[256, 98], [97, 98]]", vocabSize: 261)))
        #expect(ahead.message.contains("merge 0 [256, 98] uses id 256"))

        let repeated = try #require(Self.loadError(Self.file(merges: "[[97, 98], [97, 98]]", vocabSize: 261)))
        #expect(repeated.message.contains("repeats merge 0"))

        let size = try #require(Self.loadError(Self.file(merges: "[[97, 98]]", vocabSize: 2048)))
        #expect(size.message.contains("\"vocab_size\" is 2048"))

        let triple = try #require(Self.loadError(Self.file(merges: "[[97, 98, 99]]", vocabSize: 260)))
        #expect(triple.message.contains("merge 0"))

        let special = try #require(
            Self.loadError(
                Self.file(
                    merges: "[[97, 98]]", vocabSize: 260,
                    special: "{\"begin\": 0, \"end\": 1, \"padding\": 2}")))
        #expect(special.message.contains("last three ids"))

        let type = try #require(
            Self.loadError(Self.file(merges: "[]", vocabSize: 259).replacingOccurrences(of: "byte-bpe", with: "wordpiece")))
        #expect(type.message.contains("wordpiece"))

        #expect(throws: DataError.self) { try BPETokenizer.load("/nonexistent/tok.json") }
    }

    @Test func corpusErrors() throws {
        #expect(throws: DataError(file: "/nonexistent/corpus.jsonl", "no such file or directory")) {
            try TextCorpus.load("/nonexistent/corpus.jsonl")
        }
        let dir = TestData.temporaryDirectory("bpe-corpus")
        try "{\"question\": \"Q1\", \"answer\": \"A1\"}\n\n{\"other\": 1}\n{\"answer\": \"A2\"}\n"
            .write(toFile: dir + "/a.jsonl", atomically: true, encoding: .utf8)
        try "[{\"question\": \"Q3\", \"answer\": \"A3\"}]".write(toFile: dir + "/b.json", atomically: true, encoding: .utf8)
        try "plain text\nis one text".write(toFile: dir + "/c.txt", atomically: true, encoding: .utf8)
        #expect(try TextCorpus.load(dir) == ["Q1", "A1", "A2", "Q3", "A3"])
        #expect(try TextCorpus.load(dir + "/c.txt") == ["plain text\nis one text"])

        try "{\"question\": \"Q\", \"answer\": \"A\"}\r\n{\"question\": \"Q\", \"answer\": \n".write(
            toFile: dir + "/d.jsonl", atomically: true, encoding: .utf8)
        // A syntax error gives the line and column (issue 15, finding 10c).
        #expect(
            throws: DataError(
                file: dir + "/d.jsonl", line: 2, column: 29, "not valid JSON: Unexpected end of file during JSON parse")
        ) {
            try TextCorpus.load(dir)
        }
        let empty = TestData.temporaryDirectory("bpe-empty")
        #expect(throws: DataError.self) { try TextCorpus.load(empty) }
    }

    // MARK: measurements (printed, not asserted)

    @Test func measureSpeedAndCompression() {
        let texts = TOFUTokenizer.texts
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        for vocab in [512, 2048, 4096] {
            let start = Date()
            let t = BPETrainer.train(texts: texts, vocabSize: vocab)
            let trained = Date().timeIntervalSince(start)
            let cold = Date()
            var tokens = texts.reduce(0) { $0 + t.encode($1).count }
            let coldSeconds = Date().timeIntervalSince(cold)
            let warm = Date()
            tokens = texts.reduce(0) { $0 + t.encode($1).count }
            let warmSeconds = Date().timeIntervalSince(warm)
            print(
                String(
                    format:
                        "BPE vocab %d: trained in %.3f s; %.3f bytes/token; encode %.2f M tokens/s cold cache, %.2f M tokens/s warm",
                    vocab, trained, Double(bytes) / Double(tokens), Double(tokens) / coldSeconds / 1e6,
                    Double(tokens) / warmSeconds / 1e6))
        }
    }
}

@Suite("Tokenizer corpora")
struct TextCorpusTests {
    /// A TOFU directory contributes full.json alone: its question and answer of 4,000 items.
    @Test func aTOFUDirectoryReadsFullJSON() throws {
        let texts = try TextCorpus.load(TestData.tofu)
        #expect(texts.count == 8000)
        #expect(texts == (try TextCorpus.load(TestData.tofu + "/full.json")))
    }
}
