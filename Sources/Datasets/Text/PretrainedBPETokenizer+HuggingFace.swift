import Foundation
import GGUF
import NumericCore

/// Reading a Hugging Face `tokenizer.json` (the `tokenizers` library's file) of a byte-level BPE
/// model: GPT-2, Llama 3, Qwen2, SmolLM2 and the models that share their configurations.
///
/// What is read, and what is refused (a `DataError` naming the file and the key):
/// - `model`: `type` `BPE`; `vocab` (token → id); `merges` as `"a b"` strings or `[a, b]` pairs, in
///   rank order (a pair listed twice keeps its last rank, as the library's map does); `ignore_merges`.
///   Refused: `dropout`, `continuing_subword_prefix`, `end_of_word_suffix`, `byte_fallback`, and an
///   `unk_token` when some byte has no token (then Hugging Face would emit it; otherwise it is
///   never used).
/// - `added_tokens`: every one is matched in the text before pre-tokenization (longest first, as the
///   library does unless told to split special tokens); `lstrip`, `rstrip` and `single_word` must be
///   false. `normalized` is not distinguished: with NFC the two passes of the library give the same
///   result for tokens whose text NFC leaves unchanged (all of these models' tokens).
/// - `normalizer`: null, `NFC`, or a `Sequence` of those.
/// - `pre_tokenizer`: `ByteLevel` (GPT-2's regex); `Sequence[Split(Regex, Isolated), ByteLevel(use_regex
///   false)]` with exactly GPT-2's, Llama 3's or Qwen2's pattern (`PreTokenizer.gpt2Pattern`, …);
///   `Sequence[Digits(individual_digits true), ByteLevel]` (SmolLM2). `add_prefix_space` must be
///   false. Any other regex is refused, quoting it.
/// - `post_processor`: null, `ByteLevel`, `TemplateProcessing` whose `single` puts special tokens only
///   before `$A` (their ids become `postProcessorPrefix`), or a `Sequence` of those.
/// - `decoder`: null or `ByteLevel`.
///
/// Beside the file, `tokenizer_config.json` (optional) gives `bos_token`, `eos_token` and
/// `pad_token` (the model's begin, end and padding tokens) and `chat_template` (a string, or a list
/// of named templates of which `default` or the first is used; else `chat_template.jinja` beside it),
/// from which the chat format is recognised. Without it, the begin token is the post-processor's
/// first token and the end token `<|endoftext|>` or `<|end_of_text|>` when the vocabulary has one.
extension PretrainedBPETokenizer {
    /// Whether a parsed JSON document is a Hugging Face `tokenizer.json` (an object with a `model`
    /// object and no `type`), not gscope's own BPE file.
    package static func isHuggingFaceTokenizer(_ document: Any) -> Bool {
        guard let root = document as? [String: Any] else { return false }
        return root["model"] is [String: Any] && root["type"] == nil
    }

    /// The tokenizer of the Hugging Face `tokenizer.json` at `path`, writing QA samples in the chat
    /// format `choice` (`auto`: from `tokenizer_config.json` beside it).
    package init(huggingFace path: String, chatFormat choice: ChatFormatChoice = .auto) throws(DataError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError(file: path, "cannot read the tokenizer: \(FileErrorText.cause(error))")
        }
        let document: Any
        do { document = try JSONSerialization.jsonObject(with: data) } catch {
            if let syntax = JSONSyntax.problem(in: data) {
                throw DataError(
                    file: path, line: syntax.position.line, column: syntax.position.column, "not valid JSON: \(syntax.message)")
            }
            throw DataError(file: path, "not valid JSON")
        }
        try self.init(huggingFaceDocument: document, file: path, chatFormat: choice)
    }

    /// The tokenizer of a parsed `tokenizer.json` read from `file` (whose directory may hold
    /// `tokenizer_config.json`).
    package init(huggingFaceDocument document: Any, file: String, chatFormat choice: ChatFormatChoice = .auto) throws(DataError) {
        func fail(_ message: String) -> DataError { DataError(file: file, message) }
        guard let root = document as? [String: Any], let model = root["model"] as? [String: Any] else {
            throw fail("not a Hugging Face tokenizer.json: no \"model\" object")
        }
        let reader = HuggingFaceJSON(file: file)

        // The model.
        let type = model["type"] as? String
        guard type == "BPE" else {
            throw fail("model.type is \(reader.show(model["type"])); gscope reads byte-level BPE (\"BPE\")")
        }
        if let dropout = model["dropout"], !HuggingFaceJSON.isNull(dropout), (dropout as? Double) != 0 {
            throw fail("model.dropout is \(reader.show(dropout)); gscope encodes without BPE dropout (null)")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key], !HuggingFaceJSON.isNull(value), (value as? String) != "" {
                throw fail("model.\(key) is \(reader.show(value)); byte-level BPE has none (null)")
            }
        }
        if let fallback = model["byte_fallback"], !HuggingFaceJSON.isNull(fallback),
            try reader.bool(fallback, "model.byte_fallback")
        {
            throw fail("model.byte_fallback is true: that is SentencePiece-style BPE, not byte-level BPE")
        }
        let ignoreMerges = try reader.optionalBool(model["ignore_merges"], "model.ignore_merges") ?? false
        guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model.vocab is not an object of token → id") }

        // Added tokens.
        var added: [(id: Int, content: String, special: Bool)] = []
        if let list = root["added_tokens"], !HuggingFaceJSON.isNull(list) {
            guard let entries = list as? [Any] else { throw fail("added_tokens is not a list") }
            for (i, entry) in entries.enumerated() {
                let key = "added_tokens[\(i)]"
                guard let token = entry as? [String: Any] else { throw fail("\(key) is not an object") }
                let id = try reader.id(token["id"], "\(key).id")
                guard let content = token["content"] as? String, !content.isEmpty else {
                    throw fail("\(key).content is not a non-empty string")
                }
                for flag in ["lstrip", "rstrip", "single_word"] {
                    if let v = token[flag], !HuggingFaceJSON.isNull(v), try reader.bool(v, "\(key).\(flag)") {
                        throw fail("\(key).\(flag) is true (token \(content)); gscope matches added tokens exactly")
                    }
                }
                let special = try reader.optionalBool(token["special"], "\(key).special") ?? false
                added.append((id, content, special))
            }
        }

        // The vocabulary: ids must be dense, 0 ..< count.
        var byID: [Int: String] = [:]
        byID.reserveCapacity(vocab.count + added.count)
        for (token, value) in vocab {
            let id = try reader.id(value, "model.vocab[\(JSONText.quoted(token))]")
            if let other = byID.updateValue(token, forKey: id), other != token {
                throw fail("model.vocab gives id \(id) to both \(JSONText.quoted(other)) and \(JSONText.quoted(token))")
            }
        }
        for a in added {
            if let existing = byID[a.id], existing != a.content {
                throw fail(
                    "added token \(JSONText.quoted(a.content)) has id \(a.id), which model.vocab gives \(JSONText.quoted(existing))"
                )
            }
            byID[a.id] = a.content
        }
        guard !byID.isEmpty else { throw fail("model.vocab is empty") }
        let count = byID.count
        if let outside = byID.keys.first(where: { $0 >= count }) {
            throw fail("token id \(outside) is outside 0..<\(count): the \(count) ids must be 0, 1, … without gaps")
        }
        let tokens = (0..<count).map { byID[$0]! }
        let specialIDs = Set(added.map { Int32($0.id) })
        var addedIDs: [String: Int32] = [:]
        for a in added { addedIDs[a.content] = Int32(a.id) }
        func idOf(_ text: String) -> Int32? { addedIDs[text] ?? (vocab[text] as? Int).map(Int32.init) }

        // Merges.
        guard let mergeList = model["merges"] as? [Any] else { throw fail("model.merges is not a list") }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(mergeList.count)
        for (r, merge) in mergeList.enumerated() {
            if let text = merge as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw fail("model.merges[\(r)] \(JSONText.quoted(text)) is not two tokens separated by one space")
                }
                pairs.append((String(parts[0]), String(parts[1])))
            } else if let pair = merge as? [Any], pair.count == 2, let left = pair[0] as? String, let right = pair[1] as? String {
                pairs.append((left, right))
            } else {
                throw fail("model.merges[\(r)] is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }

        let nfc = try reader.normalizer(root["normalizer"])
        let preTokenization = try reader.preTokenizer(root["pre_tokenizer"])
        let prefixNames = try reader.postProcessorPrefix(root["post_processor"])
        var prefix: [Int32] = []
        for name in prefixNames {
            guard let id = idOf(name) else { throw fail("post_processor adds \(JSONText.quoted(name)), which is not a token") }
            prefix.append(id)
        }
        if let decoder = root["decoder"], !HuggingFaceJSON.isNull(decoder) {
            let decoderType = (decoder as? [String: Any])?["type"] as? String
            guard decoderType == "ByteLevel" else {
                throw fail("decoder.type is \(reader.show(decoderType)); byte-level BPE decodes with ByteLevel")
            }
        }

        // tokenizer_config.json beside the file.
        let config = try HuggingFaceTokenizerConfig(besideTokenizer: file)
        func configured(_ name: String?, _ key: String) throws(DataError) -> Int32? {
            guard let name else { return nil }
            guard let id = idOf(name) else {
                throw DataError(file: config.path, "\(key) \(JSONText.quoted(name)) is not a token of \(file)")
            }
            return id
        }
        let begin = try configured(config.bos, "bos_token") ?? (config.found ? nil : prefix.first)
        let end =
            try configured(config.eos, "eos_token")
            ?? (config.found ? nil : ["<|endoftext|>", "<|end_of_text|>"].lazy.compactMap { addedIDs[$0] }.first)
        let padding = try configured(config.pad, "pad_token")
        let (format, source) = Self.automaticChatFormat(template: config.chatTemplate, origin: config.templateOrigin)

        let unknown = model["unk_token"].flatMap { HuggingFaceJSON.isNull($0) ? nil : $0 }
        let plain: PretrainedBPETokenizer
        do throws(TokenizerProblem) {
            plain = try PretrainedBPETokenizer(
                tokens: tokens, mergePairs: pairs, specialIDs: specialIDs,
                special: SpecialTokens(begin: begin ?? end ?? 0, end: end ?? begin ?? 0, padding: padding ?? end ?? 0),
                preTokenization: preTokenization, normalizesNFC: nfc, ignoreMerges: ignoreMerges,
                repeatedMergeKeepsLast: true, modelBegin: begin, modelEnd: end, modelPadding: padding,
                postProcessorPrefix: prefix)
            if unknown != nil, plain.byteIDs.contains(-1) {
                throw TokenizerProblem(
                    "model.unk_token is set and some bytes have no token: Hugging Face would write the unknown token, gscope drops such bytes"
                )
            }
        } catch {
            throw fail("tokenizer: \(error.description)")
        }
        let formatted: PretrainedBPETokenizer
        do { formatted = try plain.with(chatFormat: format, source: source) } catch {
            // The template asks for tokens the vocabulary lacks: the template's file is at fault.
            throw DataError(file: config.templatePath ?? file, "chat_template: \(error.description)")
        }
        do { self = try formatted.resolving(choice) } catch { throw fail("tokenizer: \(error.description)") }
    }
}

/// Typed reads from a parsed `tokenizer.json`, with errors naming the file and the key.
struct HuggingFaceJSON {
    let file: String

    static func isNull(_ value: Any) -> Bool { value is NSNull }

    func fail(_ message: String) -> DataError { DataError(file: file, message) }

    /// A value shown in a message (strings quoted, long ones cut).
    func show(_ value: Any?) -> String {
        guard let value, !Self.isNull(value) else { return "null" }
        if let s = value as? String { return JSONText.quoted(s.count > 120 ? String(s.prefix(120)) + "…" : s) }
        return "\(value)".count > 120 ? String("\(value)".prefix(120)) + "…" : "\(value)"
    }

    func bool(_ value: Any, _ key: String) throws(DataError) -> Bool {
        guard let b = value as? Bool else { throw fail("\(key) is \(show(value)), expected true or false") }
        return b
    }

    /// A boolean that may be absent or null (nil then).
    func optionalBool(_ value: Any?, _ key: String) throws(DataError) -> Bool? {
        guard let value, !Self.isNull(value) else { return nil }
        return try bool(value, key)
    }

    /// A token id: an integer in 0 ..< 2³¹.
    func id(_ value: Any?, _ key: String) throws(DataError) -> Int {
        guard let value, let double = (value as? NSNumber)?.doubleValue, double.rounded() == double,
            double >= 0, double < Double(Int32.max)
        else { throw fail("\(key) is \(show(value)), expected a token id (an integer ≥ 0)") }
        return Int(double)
    }

    /// Whether the normalizer is NFC (false for none).
    func normalizer(_ value: Any?) throws(DataError) -> Bool {
        guard let value, !Self.isNull(value) else { return false }
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw fail("normalizer is \(show(value)), expected null or an object with a \"type\"")
        }
        switch type {
        case "NFC": return true
        case "Sequence":
            guard let list = object["normalizers"] as? [Any] else { throw fail("normalizer.normalizers is not a list") }
            var nfc = false
            for item in list where try normalizer(item) { nfc = true }
            return nfc
        default:
            throw fail("normalizer.type is \(JSONText.quoted(type)); gscope implements null and NFC")
        }
    }

    /// The pre-tokenizer (see `PretrainedBPETokenizer(huggingFaceDocument:)`).
    func preTokenizer(_ value: Any?) throws(DataError) -> PreTokenization {
        let key = "pre_tokenizer"
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw fail("\(key) is \(show(value)); byte-level BPE needs a ByteLevel pre-tokenizer")
        }
        switch type {
        case "ByteLevel":
            try byteLevel(object, key, useRegex: true)
            return .gpt2
        case "Sequence":
            guard let items = object["pretokenizers"] as? [Any], let steps = items as? [[String: Any]] else {
                throw fail("\(key).pretokenizers is not a list of objects")
            }
            let types = steps.map { $0["type"] as? String ?? "?" }
            switch types {
            case ["ByteLevel"]:
                try byteLevel(steps[0], "\(key).pretokenizers[0]", useRegex: true)
                return .gpt2
            case ["Split", "ByteLevel"]:
                let split = steps[0], splitKey = "\(key).pretokenizers[0]"
                guard let pattern = split["pattern"] as? [String: Any], let regex = pattern["Regex"] as? String else {
                    throw fail("\(splitKey).pattern is \(show(split["pattern"])); gscope reads {\"Regex\": …} patterns")
                }
                guard split["behavior"] as? String == "Isolated" else {
                    throw fail("\(splitKey).behavior is \(show(split["behavior"])); gscope implements Isolated")
                }
                if let invert = split["invert"], !Self.isNull(invert), try bool(invert, "\(splitKey).invert") {
                    throw fail("\(splitKey).invert is true; gscope implements false")
                }
                try byteLevel(steps[1], "\(key).pretokenizers[1]", useRegex: false)
                switch regex {
                case PreTokenizer.llama3Pattern: return .llama3
                case PreTokenizer.qwen2Pattern: return .qwen2
                case PreTokenizer.gpt2Pattern: return .gpt2
                default:
                    throw fail(
                        "\(splitKey).pattern.Regex \(show(regex)) is a pattern gscope does not implement "
                            + "(it knows GPT-2's, Llama 3's and Qwen2's exactly)")
                }
            case ["Digits", "ByteLevel"]:
                guard let individual = steps[0]["individual_digits"],
                    try bool(individual, "\(key).pretokenizers[0].individual_digits")
                else { throw fail("\(key).pretokenizers[0].individual_digits must be true") }
                try byteLevel(steps[1], "\(key).pretokenizers[1]", useRegex: true)
                return .gpt2SplittingDigits
            default:
                throw fail(
                    "\(key) is a Sequence of \(types.joined(separator: ", ")); gscope reads ByteLevel, "
                        + "Split + ByteLevel and Digits + ByteLevel")
            }
        default:
            throw fail("\(key).type is \(JSONText.quoted(type)); byte-level BPE needs ByteLevel (alone or after Split or Digits)")
        }
    }

    /// Checks a ByteLevel step: no prefix space, and `use_regex` as the sequence needs (default true).
    func byteLevel(_ object: [String: Any], _ key: String, useRegex: Bool) throws(DataError) {
        guard object["type"] as? String == "ByteLevel" else { throw fail("\(key).type must be ByteLevel") }
        if let prefix = object["add_prefix_space"], !Self.isNull(prefix), try bool(prefix, "\(key).add_prefix_space") {
            throw fail("\(key).add_prefix_space is true; gscope implements false (GPT-2, Llama 3, Qwen2)")
        }
        let regex = try optionalBool(object["use_regex"], "\(key).use_regex") ?? true
        if regex != useRegex {
            throw fail("\(key).use_regex is \(regex); here it must be \(useRegex)")
        }
    }

    /// The names of the special tokens the post-processor puts before the text.
    func postProcessorPrefix(_ value: Any?, key: String = "post_processor") throws(DataError) -> [String] {
        guard let value, !Self.isNull(value) else { return [] }
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw fail("\(key) is \(show(value)), expected an object with a \"type\"")
        }
        switch type {
        case "ByteLevel": return []
        case "Sequence":
            guard let list = object["processors"] as? [Any] else { throw fail("\(key).processors is not a list") }
            var names: [String] = []
            for (i, item) in list.enumerated() { names += try postProcessorPrefix(item, key: "\(key).processors[\(i)]") }
            return names
        case "TemplateProcessing":
            guard let single = object["single"] as? [Any] else { throw fail("\(key).single is not a list") }
            var names: [String] = []
            var sawSequence = false
            for (i, piece) in single.enumerated() {
                let item = piece as? [String: Any]
                if let special = item?["SpecialToken"] as? [String: Any], let name = special["id"] as? String {
                    guard !sawSequence else {
                        throw fail(
                            "\(key).single[\(i)] adds \(JSONText.quoted(name)) after the text; gscope reads tokens before it only"
                        )
                    }
                    names.append(name)
                } else if item?["Sequence"] != nil {
                    sawSequence = true
                } else {
                    throw fail("\(key).single[\(i)] is neither a SpecialToken nor the Sequence")
                }
            }
            return names
        default:
            throw fail("\(key).type is \(JSONText.quoted(type)); gscope reads ByteLevel and TemplateProcessing")
        }
    }
}

/// The parts of `tokenizer_config.json` gscope reads: the begin, end and padding tokens' texts and
/// the chat template.
struct HuggingFaceTokenizerConfig {
    /// The config's path, for errors.
    let path: String
    /// Whether the file exists.
    var found = false
    var bos: String?, eos: String?, pad: String?
    var chatTemplate: String?
    /// Where `chatTemplate` was read, for messages.
    var templateOrigin = "tokenizer_config.json's chat_template"
    /// The file `chatTemplate` was read from.
    var templatePath: String?

    /// Reads `tokenizer_config.json` (and `chat_template.jinja`) in the directory of `tokenizerFile`.
    init(besideTokenizer tokenizerFile: String) throws(DataError) {
        let directory = (tokenizerFile as NSString).deletingLastPathComponent
        let base = directory.isEmpty ? "" : directory + "/"
        path = base + "tokenizer_config.json"
        let jinja = base + "chat_template.jinja"
        if let data = FileManager.default.contents(atPath: path) {
            found = true
            let document: Any
            do { document = try JSONSerialization.jsonObject(with: data) } catch {
                if let syntax = JSONSyntax.problem(in: data) {
                    throw DataError(
                        file: path, line: syntax.position.line, column: syntax.position.column,
                        "not valid JSON: \(syntax.message)")
                }
                throw DataError(file: path, "not valid JSON")
            }
            guard let root = document as? [String: Any] else { throw DataError(file: path, "not a JSON object") }
            func token(_ key: String) throws(DataError) -> String? {
                guard let value = root[key], !(value is NSNull) else { return nil }
                if let text = value as? String { return text }
                if let object = value as? [String: Any], let text = object["content"] as? String { return text }
                throw DataError(file: path, "\(key) is neither a string nor an object with \"content\"")
            }
            bos = try token("bos_token")
            eos = try token("eos_token")
            pad = try token("pad_token")
            if let template = root["chat_template"], !(template is NSNull) {
                if let text = template as? String {
                    chatTemplate = text
                    templatePath = path
                } else if let named = template as? [[String: Any]] {
                    let chosen = named.first { $0["name"] as? String == "default" } ?? named.first
                    guard let text = chosen?["template"] as? String else {
                        throw DataError(file: path, "chat_template is a list without a \"template\" string")
                    }
                    chatTemplate = text
                    templatePath = path
                } else {
                    throw DataError(file: path, "chat_template is neither a string nor a list of named templates")
                }
            }
        }
        if chatTemplate == nil, let data = FileManager.default.contents(atPath: jinja) {
            chatTemplate = String(decoding: data, as: UTF8.self)
            templateOrigin = "chat_template.jinja"
            templatePath = jinja
        }
    }
}
