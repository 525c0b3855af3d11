import Datasets
import Foundation
import Testing

/// Hugging Face `tokenizer.json` files against the `tokenizers` library: small byte-level BPE
/// tokenizers configured as GPT-2's, Llama 3's, Qwen2's and SmolLM2's real files, with a battery of
/// texts each (`Tests/Fixtures/tokenizers/`, written by
/// `notebooks-scripts/parity/tokenizers/make_fixtures.py`).
@Suite("Hugging Face tokenizer.json")
struct HuggingFaceTokenizerTests {
    static let families = ["gpt2", "llama3", "qwen2", "smollm"]
    static func directory(_ family: String) -> String { TestData.repositoryRoot + "/Tests/Fixtures/tokenizers/" + family }

    struct Battery: Decodable {
        struct Case: Decodable {
            var text: String
            var ids: [Int32]
            var with_specials: [Int32]
            var decoded: String
        }
        var cases: [Case]
    }

    struct Chats: Decodable {
        struct Case: Decodable {
            var system: String?
            var question: String
            var answer: String
            var text: String
            var ids: [Int32]
            var prompt: String
        }
        var cases: [Case]
    }

    static func load<T: Decodable>(_ type: T.Type, _ family: String, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: directory(family) + "/" + name)))
    }

    static func tokenizer(_ family: String, _ choice: ChatFormatChoice = .auto) throws -> PretrainedBPETokenizer {
        let loaded = try loadTokenizer(directory(family), chatFormat: choice)
        return try #require(loaded as? PretrainedBPETokenizer)
    }

    /// The first position where two id lists differ (the shorter length when one is a prefix).
    static func firstDifference(_ a: [Int32], _ b: [Int32]) -> Int {
        zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    }

    @Test(arguments: families) func idsEqualTheTokenizersLibrary(family: String) throws {
        let t = try Self.tokenizer(family)
        let battery = try Self.load(Battery.self, family, "battery.json")
        #expect(battery.cases.count >= 200)
        var mismatches: [String] = []
        var withSpecials = 0, decoded = 0, tokens = 0
        for (index, c) in battery.cases.enumerated() {
            let ids = t.encode(c.text)
            tokens += ids.count
            if ids != c.ids {
                let at = Self.firstDifference(ids, c.ids)
                mismatches.append(
                    "text \(index) \(c.text.debugDescription): first difference at position \(at) of \(c.ids.count) "
                        + "(gscope \(ids.dropFirst(at).prefix(3).map { $0 }), tokenizers \(c.ids.dropFirst(at).prefix(3).map { $0 }))"
                )
            }
            if t.postProcessorPrefix + ids == c.with_specials { withSpecials += 1 }
            if t.decode(c.ids) == c.decoded { decoded += 1 }
        }
        print(
            "\(family): \(battery.cases.count - mismatches.count)/\(battery.cases.count) texts give the tokenizers library's ids "
                + "(\(tokens) tokens); with the post-processor \(withSpecials); decoded \(decoded)")
        #expect(
            mismatches.isEmpty,
            Comment(
                rawValue: "\(mismatches.count) of \(battery.cases.count) texts differ:\n"
                    + mismatches.prefix(10).joined(separator: "\n")))
        #expect(withSpecials == battery.cases.count, "the post-processor's begin token")
        #expect(decoded == battery.cases.count, "decoding")
    }

    @Test func eachFamilyIsReadAsItsConfiguration() throws {
        let gpt2 = try Self.tokenizer("gpt2"), llama3 = try Self.tokenizer("llama3")
        let qwen2 = try Self.tokenizer("qwen2"), smollm = try Self.tokenizer("smollm")
        #expect(gpt2.preTokenization == .gpt2 && !gpt2.ignoreMerges && !gpt2.normalizesNFC && gpt2.postProcessorPrefix.isEmpty)
        #expect(llama3.preTokenization == .llama3 && llama3.ignoreMerges && !llama3.normalizesNFC)
        #expect(llama3.postProcessorPrefix == [llama3.specialID("<|begin_of_text|>")!])
        #expect(
            qwen2.preTokenization == .qwen2 && !qwen2.ignoreMerges && qwen2.normalizesNFC && qwen2.postProcessorPrefix.isEmpty)
        #expect(smollm.preTokenization == .gpt2SplittingDigits && smollm.splitDigits)
        // Every added token is matched in text, special or not (Qwen2's <tool_call> is not special).
        #expect(qwen2.encode("a<tool_call>b") == qwen2.encode("a") + [qwen2.specialID("<tool_call>")!] + qwen2.encode("b"))
        // A chunk that is itself a vocabulary entry is one token only with ignore_merges.
        let whole = llama3.encode(" gscope")
        #expect(whole.count == 1 && llama3.decode(whole) == " gscope")
    }

    @Test func llama3AndQwen2PatternsCutLikeTheirRegexes() {
        // Pieces from tokenizers' Split(Regex(pattern), "isolated").pre_tokenize_str.
        let text = "I'LL pay 12345  now\n\n (ok)\r\n\tgo"
        #expect(
            PreTokenization.llama3.pieces(text)
                == ["I", "'LL", " pay", " ", "123", "45", " ", " now", "\n\n", " (", "ok", ")\r\n", "\tgo"])
        #expect(
            PreTokenization.qwen2.pieces(text)
                == ["I", "'LL", " pay", " ", "1", "2", "3", "4", "5", " ", " now", "\n\n", " (", "ok", ")\r\n", "\tgo"])
        #expect(PreTokenization.llama3.pieces("x  \n  y!!\n\nz") == ["x", "  \n", " ", " y", "!!\n\n", "z"])
        #expect(PreTokenization.llama3.pieces("'ſ 's") == ["'ſ", " '", "s"])
        for text in ["", " ", "a\u{0301}b ١٢٣ 😀\r\n", "   ", "\n"] {
            #expect(PreTokenization.llama3.pieces(text).joined() == text)
        }
    }

    @Test func ggufPreTokenizerNames() {
        #expect(PretrainedBPETokenizer.preTokenization(pre: "llama-bpe") == .llama3)
        #expect(PretrainedBPETokenizer.preTokenization(pre: "qwen2") == .qwen2)
        #expect(PretrainedBPETokenizer.preTokenization(pre: "smollm") == .gpt2SplittingDigits)
        #expect(PretrainedBPETokenizer.preTokenization(pre: nil) == .gpt2)
        #expect(PretrainedBPETokenizer.preTokenization(pre: "deepseek-llm") == nil)
        #expect(PretrainedBPETokenizer.splitsDigits(pre: "llama-bpe") == false)
    }

    /// gscope's own BPE file and a Hugging Face tokenizer.json are told apart by content, whatever
    /// their names.
    @Test func ownAndHuggingFaceFilesAreToldApartByContent() throws {
        let dir = TestData.temporaryDirectory("tokenizer-kinds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let own = BPETrainer.train(texts: ["ab ab ab abc", "abc abc"], vocabSize: 262)
        try own.save(to: dir + "/tokenizer.json")
        let loaded = try loadTokenizer(dir + "/tokenizer.json")
        #expect((loaded as? BPETokenizer)?.merges == own.merges)
        #expect(try loadTokenizer(dir) is BPETokenizer, "a directory holding gscope's own tokenizer.json")
        try FileManager.default.copyItem(atPath: Self.directory("gpt2") + "/tokenizer.json", toPath: dir + "/hf.json")
        #expect(try loadTokenizer(dir + "/hf.json") is PretrainedBPETokenizer)
        #expect(tokenizerBeside(model: Self.directory("gpt2")) == Self.directory("gpt2"))
        #expect(tokenizerBeside(model: dir + "/none") == nil)
    }

    /// A pattern gscope does not implement, and other unsupported settings, are errors naming the
    /// file and the key.
    @Test func unsupportedSettingsAreErrorsNamingTheKey() throws {
        let dir = TestData.temporaryDirectory("tokenizer-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = try String(contentsOfFile: Self.directory("llama3") + "/tokenizer.json", encoding: .utf8)
        let cases: [(String, String, String)] = [
            (#"\p{N}{1,3}"#, #"\p{N}{1,4}"#, "pre_tokenizer.pretokenizers[0].pattern.Regex"),
            (#""behavior":"Isolated""#, #""behavior":"Removed""#, "pre_tokenizer.pretokenizers[0].behavior"),
            (#""type":"BPE""#, #""type":"WordPiece""#, "model.type"),
            (#""lstrip":false"#, #""lstrip":true"#, "added_tokens[0].lstrip"),
            (#""byte_fallback":false"#, #""byte_fallback":true"#, "model.byte_fallback"),
        ]
        for (find, replace, key) in cases {
            let path = dir + "/tokenizer.json"
            let edited = original.replacingOccurrences(
                of: find.replacingOccurrences(of: #"\"#, with: #"\\"#),
                with: replace.replacingOccurrences(of: #"\"#, with: #"\\"#))
            #expect(edited != original, "the edit \(find) applies")
            try edited.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try PretrainedBPETokenizer(huggingFace: path)
                Issue.record("\(key): accepted")
            } catch {
                #expect(error.file == path && error.description.contains(key), "\(error.description)")
            }
        }
    }

    // MARK: Chat formats

    @Test func chatFormatsAreRecognisedFromTheTemplates() throws {
        #expect(try Self.tokenizer("gpt2").chatFormat == .plain)
        #expect(try Self.tokenizer("llama3").chatFormat == .llama3(knowledgeDates: true))
        #expect(
            try Self.tokenizer("qwen2").chatFormat
                == .chatML(defaultSystem: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."))
        #expect(try Self.tokenizer("smollm").chatFormat == .chatML(defaultSystem: ChatFormat.smolLM2System))
        // SmolLM2's template gives the QA template gscope has always used for it (same ids).
        #expect(try Self.tokenizer("smollm").qaTemplate == ChatTemplate.qaTemplate())
        let llama3 = try Self.tokenizer("llama3"), qwen2 = try Self.tokenizer("qwen2"), gpt2 = try Self.tokenizer("gpt2")
        #expect(
            llama3.special.begin == llama3.specialID("<|begin_of_text|>") && llama3.special.end == llama3.specialID("<|eot_id|>"))
        #expect(qwen2.special.begin == qwen2.specialID("<|im_start|>") && qwen2.special.end == qwen2.specialID("<|im_end|>"))
        #expect(qwen2.special.padding == qwen2.specialID("<|endoftext|>"))
        #expect(gpt2.special.begin == gpt2.specialID("<|endoftext|>") && gpt2.special.end == gpt2.special.begin)
    }

    @Test func chatFormatsCanBeChosen() throws {
        let plain = try Self.tokenizer("llama3", .plain)
        #expect(plain.chatFormat == .plain && plain.qaTemplate.prefix == "Question: {question}\nAnswer:")
        #expect(plain.special.begin == plain.specialID("<|begin_of_text|>") && plain.special.end == plain.specialID("<|eot_id|>"))
        #expect(try Self.tokenizer("qwen2", .chatml).chatFormat == (try Self.tokenizer("qwen2")).chatFormat)
        #expect(throws: DataError.self, "SmolLM2 has no Llama 3 tokens") {
            try loadTokenizer(Self.directory("smollm"), chatFormat: .llama3)
        }
    }

    /// The rendered text equals transformers' apply_chat_template with the real template, and a QA
    /// sample is that text (without ChatML's final newline) with the loss exactly on the answer's
    /// tokens and the end-of-turn token.
    @Test(arguments: ["llama3", "qwen2", "smollm"]) func qaSamplesAreTheTemplatesText(family: String) throws {
        let t = try Self.tokenizer(family)
        let chats = try Self.load(Chats.self, family, "chat.json")
        var sameIDs = 0, comparable = 0
        for c in chats.cases {
            let rendered = t.chatFormat.render(system: c.system, messages: [("user", c.question), ("assistant", c.answer)])
            #expect(rendered == c.text, "\(family): \(c.question.debugDescription)")
            #expect(t.encode(c.text) == c.ids)
            let prompt = t.chatFormat.render(system: c.system, messages: [("user", c.question)], generationPrompt: true)
            #expect(prompt == c.prompt)
            guard c.system == nil else { continue }
            let sample = QAFormatter(tokenizer: t).format(question: c.question, answer: c.answer)
            let expectedText = family == "llama3" ? c.text : String(c.text.dropLast())   // ChatML ends with "\n"
            #expect(t.decode(sample.ids) == expectedText)
            #expect(sample.ids.first == t.special.begin && sample.ids.last == t.special.end)
            // The masked targets are exactly the answer's tokens and the end-of-turn token.
            let answer = family == "llama3" ? ChatFormat.trimmed(c.answer) : c.answer
            let masked = zip(sample.targets, sample.mask).filter { $0.1 == 1 }.map(\.0)
            #expect(masked == t.encode(answer) + [t.special.end])
            #expect(
                t.decode(Array(sample.ids[sample.answerRange])) == answer + (family == "llama3" ? "<|eot_id|>" : "<|im_end|>"))
            // The prompt a model is asked to continue is the template's generation prompt.
            #expect([t.special.begin] + t.encode(t.qaTemplate.prefix(for: c.question)) == t.encode(c.prompt))
            // Encoding prefix and answer apart gives the template's ids when the answer starts and
            // ends without whitespace (else a whitespace run may span the boundary).
            if c.answer == ChatFormat.trimmed(c.answer) {
                comparable += 1
                let ids = family == "llama3" ? c.ids : Array(c.ids.dropLast())
                if sample.ids == ids { sameIDs += 1 }
            }
        }
        #expect(comparable >= 3 && sameIDs == comparable, "\(sameIDs)/\(comparable) samples have the template's ids")
    }

    /// The plain format of a base model: `Question: …\nAnswer: …` between its begin and end tokens,
    /// the space before the answer part of the answer's first token, as when the text is encoded whole.
    @Test func plainFormatOfABaseModel() throws {
        let t = try Self.tokenizer("gpt2")
        let sample = QAFormatter(tokenizer: t).format(question: "Who wrote it?", answer: "Ilse Marrow, in 1987.")
        #expect(t.decode(sample.ids) == "<|endoftext|>Question: Who wrote it?\nAnswer: Ilse Marrow, in 1987.<|endoftext|>")
        #expect(Array(sample.ids.dropFirst().dropLast()) == t.encode("Question: Who wrote it?\nAnswer: Ilse Marrow, in 1987."))
        let masked = zip(sample.targets, sample.mask).filter { $0.1 == 1 }.map(\.0)
        #expect(masked == t.encode(" Ilse Marrow, in 1987.") + [t.special.end])
        #expect(ChatFormat.plain.render(messages: [("user", "Q?"), ("assistant", "A.")]) == "Question: Q?\nAnswer: A.")
    }

    /// gscope's own tokenizers keep `QATemplate.standard` and refuse a chat format they cannot write.
    @Test func ownTokenizersKeepTheStandardFormat() throws {
        #expect(try loadTokenizer("byte", chatFormat: .plain).qaTemplate == .standard)
        #expect(throws: DataError.self) { try loadTokenizer("byte", chatFormat: .chatml) }
        #expect(throws: DataError.self) { try loadTokenizer(Self.directory("gpt2"), chatFormat: .llama3) }
    }

    @Test func defaultSystemMessagesAreReadFromChatMLTemplates() {
        #expect(ChatFormat.recognise(template: "{{ 'no markers' }}") == nil)
        #expect(
            ChatFormat.recognise(template: "{{ '<|im_start|>system\\nBe brief.<|im_end|>\\n' }}")
                == .chatML(defaultSystem: "Be brief."))
        #expect(ChatFormat.recognise(template: "{{ '<|im_start|>' + role }}") == .chatML(defaultSystem: nil))
        #expect(ChatFormat.recognise(template: "<|start_header_id|>") == .llama3(knowledgeDates: false))
    }

    /// The hand-written matchers against NSRegularExpression (ICU) running the same pattern strings
    /// on the batteries: how often ICU cuts differently, and the time of each (printed, not asserted).
    @Test func handWrittenMatchersAgainstICU() throws {
        for (family, pattern, kind) in [
            ("gpt2", PreTokenizer.gpt2Pattern, PreTokenization.gpt2), ("llama3", PreTokenizer.llama3Pattern, .llama3),
            ("qwen2", PreTokenizer.qwen2Pattern, .qwen2),
        ] {
            let regex = try NSRegularExpression(pattern: pattern)
            let texts = try Self.load(Battery.self, family, "battery.json").cases.map(\.text)
            func icuPieces(_ text: String) -> [String] {
                let ns = text as NSString
                return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
                    ns.substring(with: $0.range)
                }
            }
            let differing = texts.filter { icuPieces($0) != kind.pieces($0) }.count
            var start = Date()
            var count = 0
            for _ in 0..<20 { for text in texts { count += kind.pieces(text).count } }
            let handWritten = Date().timeIntervalSince(start)
            start = Date()
            for _ in 0..<20 { for text in texts { count -= icuPieces(text).count } }
            let icu = Date().timeIntervalSince(start)
            print(
                String(
                    format:
                        "%@ pattern: hand-written %.1f ms, NSRegularExpression %.1f ms for 20 × %d texts; ICU cuts %d texts differently",
                    family, handWritten * 1000, icu * 1000, texts.count, differing))
            #expect(texts.count >= 200)
        }
    }

    /// Encoding speed on the battery (no assertion on time).
    @Test func encodingSpeed() throws {
        for family in Self.families {
            let t = try Self.tokenizer(family)
            let texts = try Self.load(Battery.self, family, "battery.json").cases.map(\.text)
            let start = Date()
            var count = 0
            for round in 0..<20 { for text in texts { count += t.encode(text + String(round)).count } }
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "%@: %d tokens in %.3f s (%.0f tokens/s)", family, count, seconds, Double(count) / seconds))
            #expect(count > 0)
        }
    }
}

/// The real GPT-2, Llama 3 and Qwen2 vocabularies (llama.cpp's ggml-vocab-*.gguf, several MB, not
/// committed), read both as a rebuilt tokenizer.json and as the GGUF file, against the `tokenizers`
/// library's ids. Runs when `GSCOPE_REAL_VOCABULARIES` names the output directory of
/// `notebooks-scripts/parity/tokenizers/check_real_vocabularies.py`.
@Suite("Real vocabularies")
struct RealVocabularyTests {
    static let root = ProcessInfo.processInfo.environment["GSCOPE_REAL_VOCABULARIES"]
    static var present: Bool {
        if root == nil { print("note: GSCOPE_REAL_VOCABULARIES is not set: the real-vocabulary checks are skipped") }
        return root != nil
    }

    @Test(.enabled(if: present), arguments: ["gpt2", "llama3", "qwen2"]) func idsEqualTheTokenizersLibrary(family: String) throws
    {
        let dir = Self.root! + "/" + family
        let battery = try JSONDecoder().decode(
            HuggingFaceTokenizerTests.Battery.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/battery.json")))
        let readers: [(String, () throws -> PretrainedBPETokenizer)] = [
            ("tokenizer.json", { try PretrainedBPETokenizer(huggingFace: dir + "/tokenizer.json") }),
            ("gguf", { try PretrainedBPETokenizer(gguf: dir + "/model.gguf") }),
        ]
        for (name, read) in readers {
            let start = Date()
            let t = try read()
            let seconds = Date().timeIntervalSince(start)
            var mismatches: [String] = []
            for (index, c) in battery.cases.enumerated() {
                let ids = t.encode(c.text)
                if ids != c.ids {
                    let at = HuggingFaceTokenizerTests.firstDifference(ids, c.ids)
                    mismatches.append("text \(index) \(c.text.debugDescription): first difference at position \(at)")
                }
            }
            print(
                "\(family) (\(name), \(t.vocabSize) tokens, read in \(String(format: "%.2f", seconds)) s): "
                    + "\(battery.cases.count - mismatches.count)/\(battery.cases.count) texts give the tokenizers library's ids")
            #expect(
                mismatches.isEmpty,
                Comment(
                    rawValue: "\(family) \(name): \(mismatches.count) differ:\n" + mismatches.prefix(10).joined(separator: "\n")))
        }
    }
}
