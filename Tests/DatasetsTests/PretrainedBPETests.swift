import Datasets
import Foundation
import Testing

@Suite("Pretrained byte-level BPE")
struct PretrainedBPETests {
    /// A small vocabulary: two special tokens, the 256 byte characters, and merges
    /// `Ġ t` → `Ġt`, `h e` → `he`, `Ġt he` → `Ġthe`, `1 2` → `12`.
    static func tiny(splitDigits: Bool = false) throws -> PretrainedBPETokenizer {
        var tokens = ["<|a|>", "<|ab|>"]
        tokens += ByteLevelAlphabet.characters.map { String($0) }
        tokens += ["Ġt", "he", "Ġthe", "12"]
        return try PretrainedBPETokenizer(
            tokens: tokens, merges: ["Ġ t", "h e", "Ġt he", "1 2"], specialIDs: [0, 1],
            special: SpecialTokens(begin: 0, end: 1, padding: 1), splitDigits: splitDigits)
    }

    /// The id of a single byte in `tiny`.
    static func byte(_ c: Character) -> Int32 { Int32(2 + Int(c.asciiValue!)) }

    @Test func alphabetIsGPT2s() {
        #expect(ByteLevelAlphabet.characters[0x20] == "Ġ" && ByteLevelAlphabet.characters[0x0A] == "Ċ")
        #expect(
            ByteLevelAlphabet.characters[0x41] == "A" && ByteLevelAlphabet.characters[0xA0] == "ł"
                && ByteLevelAlphabet.characters[0xAD] == "Ń")
        #expect(Set(ByteLevelAlphabet.characters).count == 256)
        #expect(ByteLevelAlphabet.decode("Ġthe") == Array(" the".utf8))
        #expect(ByteLevelAlphabet.encode(Array("é\n".utf8)) == "Ã©Ċ")
    }

    @Test func mergesByRankAndRoundTrips() throws {
        let t = try Self.tiny()
        #expect(t.vocabSize == 262)
        #expect(t.encode(" the") == [260])   // Ġ t → Ġt, h e → he, Ġt he → Ġthe
        #expect(t.encode("the the") == [Self.byte("t"), 259, 260])
        #expect(t.encode(" them") == [260, Self.byte("m")])
        #expect(t.encode("a 123") == [Self.byte("a"), Self.byte(" "), 261, Self.byte("3")])
        for s in ["", " the them\n\n  x", "naïve café 東京 🍢", "<|ab|x<|a|><|ab|>", "12 312"] {
            #expect(t.decode(t.encode(s)) == s, "\(s)")
        }
    }

    @Test func specialTokensAreMatchedLongestFirst() throws {
        let t = try Self.tiny()
        #expect(t.encode("<|ab|><|a|>x") == [1, 0, Self.byte("x")])
        #expect(t.encode("<|ab|") == "<|ab|".map { Self.byte($0) })
        #expect(t.decode([0, Self.byte("x"), 1], skippingSpecial: true) == "x")
        #expect(t.piece(1) == "<|ab|>" && t.piece(260) == " the")
        #expect(t.encode("x", begin: true, end: true) == [0, Self.byte("x"), 1])
    }

    /// A byte the vocabulary lacks is left out before merging, as Hugging Face does without an
    /// unknown token: its neighbours become adjacent and can merge.
    @Test func bytesWithoutATokenAreDropped() throws {
        var tokens = ByteLevelAlphabet.characters.map { String($0) }
        tokens.remove(at: 4)   // U+0004
        tokens.append("!!")
        let t = try PretrainedBPETokenizer(
            tokens: tokens, merges: ["! !"], specialIDs: [],
            special: SpecialTokens(begin: 0, end: 0, padding: 0), splitDigits: false)
        let bang = Int32(0x21 - 1)
        #expect(t.encode("!\u{04}!") == [Int32(tokens.count - 1)])
        #expect(t.encode("a\u{04}") == [Int32(0x61 - 1)])
        #expect(t.decode(t.encode("!\u{04}?")) == "!?")
        #expect(t.encode("!") == [bang])
    }

    @Test func digitsAreSplitFirst() throws {
        #expect(PreTokenizer.piecesSplittingDigits("a 12, x² y") == ["a", " ", "1", "2", ",", " x", "²", " y"])
        #expect(PreTokenizer.pieces("a 12, x² y") == ["a", " 12", ",", " x", "²", " y"])
        #expect(PreTokenizer.piecesSplittingDigits("  7  ") == ["  ", "7", "  "])
        let t = try Self.tiny(splitDigits: true)
        #expect(t.encode("a 123") == [Self.byte("a"), Self.byte(" "), Self.byte("1"), Self.byte("2"), Self.byte("3")])
    }

    @Test func badVocabulariesAreExplained() {
        let bytes = ByteLevelAlphabet.characters.map { String($0) }
        let s = SpecialTokens(begin: 0, end: 0, padding: 0)
        #expect(throws: TokenizerProblem.self) {
            try PretrainedBPETokenizer(
                tokens: bytes, merges: [], specialIDs: [], special: SpecialTokens(begin: 0, end: 0, padding: 256),
                splitDigits: false)
        }
        do {
            _ = try PretrainedBPETokenizer(tokens: bytes, merges: ["Ġ t"], specialIDs: [], special: s, splitDigits: false)
            Issue.record("a merge whose result is not in the vocabulary was accepted")
        } catch {
            #expect(error.description == "merge 0 \"Ġ t\" makes \"Ġt\", which is not in the vocabulary")
        }
        do {
            _ = try PretrainedBPETokenizer(tokens: bytes + ["a b"], merges: [], specialIDs: [], special: s, splitDigits: false)
            Issue.record("a token outside the alphabet was accepted")
        } catch {
            #expect(error.description == "token 256 \"a b\" has a character outside the byte-level alphabet")
        }
    }

    @Test func chatFormat() {
        #expect(
            ChatTemplate.qaText(question: "Q?", answer: "A.", system: nil)
                == "<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\nA.<|im_end|>\n")
        #expect(ChatTemplate.qaTemplate(system: nil).prefix(for: "Q?") == "user\nQ?<|im_end|>\n<|im_start|>assistant\n")
    }
}

/// SmolLM2's tokenizer from `models/SmolLM2-135M-Instruct.Q4_1.gguf` (fetched by `make model`),
/// against `Tests/Fixtures/gguf/tokenizer.json` (Hugging Face `tokenizers`, written by
/// `notebooks-scripts/parity/gguf_tokenizer_fixture.py`). Runs only when the model file is present.
@Suite("SmolLM2 tokenizer")
struct SmolLM2TokenizerTests {
    static let model = TestData.repositoryRoot + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    static var present: Bool {
        let there = FileManager.default.fileExists(atPath: model)
        if !there { print("note: \(model) is missing (make model fetches it): the SmolLM2 tokenizer tests are skipped") }
        return there
    }

    struct Fixture: Decodable {
        struct Case: Decodable { var text: String; var ids: [Int32]; var decoded: String }
        struct Chat: Decodable { var question: String; var answer: String; var text: String; var ids: [Int32] }
        var cases: [Case]
        var chat: Chat
    }

    static func fixture() throws -> Fixture {
        let path = TestData.repositoryRoot + "/Tests/Fixtures/gguf/tokenizer.json"
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(.enabled(if: present)) func idsMatchHuggingFace() throws {
        let t = try PretrainedBPETokenizer(gguf: Self.model)
        #expect(t.vocabSize == 49152 && t.special == SpecialTokens(begin: 1, end: 2, padding: 2) && t.splitDigits)
        #expect(t.specialIDs == Set(0..<17))
        let fixture = try Self.fixture()
        #expect(fixture.cases.count >= 30)
        var matching = 0
        for c in fixture.cases {
            let ids = t.encode(c.text)
            #expect(ids == c.ids, "\(c.text.debugDescription): \(ids) vs \(c.ids)")
            if ids == c.ids { matching += 1 }
            #expect(t.decode(ids) == c.decoded)
        }
        print("SmolLM2 tokenizer: \(matching)/\(fixture.cases.count) texts give Hugging Face's ids")
        #expect(try loadTokenizer(Self.model).encode("Hello") == t.encode("Hello"))
    }

    @Test(.enabled(if: present)) func chatTemplateMatchesTheModels() throws {
        let t = try PretrainedBPETokenizer(gguf: Self.model)
        let chat = try Self.fixture().chat
        #expect(ChatTemplate.qaText(question: chat.question, answer: chat.answer) == chat.text)
        #expect(t.encode(chat.text) == chat.ids)
        // QAFormatter with the chat template: the rendered chat without its final newline, with the
        // loss on the answer and the closing <|im_end|>.
        let sample = QAFormatter(tokenizer: t, template: ChatTemplate.qaTemplate()).format(
            question: chat.question, answer: chat.answer)
        #expect(QAFormatter(tokenizer: t).template == ChatTemplate.qaTemplate(), "a GGUF tokenizer brings its chat format")
        #expect(sample.ids == Array(chat.ids.dropLast()))
        #expect(chat.ids.last == 198 && sample.ids.last == t.special.end)
        #expect(t.decode(Array(sample.ids[sample.answerRange])) == chat.answer + "<|im_end|>")
    }

    @Test(.enabled(if: present)) func encodingSpeed() throws {
        let t = try PretrainedBPETokenizer(gguf: Self.model)
        let text = try Self.fixture().cases.map(\.text).joined(separator: " ")
        let start = Date()
        var count = 0
        for i in 0..<200 { count += t.encode(text + String(i)).count }
        let seconds = Date().timeIntervalSince(start)
        print(
            String(
                format: "SmolLM2 tokenizer: %d tokens in %.3f s (%.0f tokens/s, mostly cached chunks)", count, seconds,
                Double(count) / seconds))
        #expect(count > 0)
    }
}
