import Foundation

/// Ids of the special tokens every gscope tokenizer has.
package struct SpecialTokens: Codable, Equatable, Sendable {
    package var begin: Int32
    package var end: Int32
    package var padding: Int32

    package init(begin: Int32, end: Int32, padding: Int32) {
        self.begin = begin
        self.end = end
        self.padding = padding
    }
}

/// Text ↔ token ids. `decode(encode(s)) == s` for every string (special tokens never appear in
/// `encode`'s output unless asked for by the caller).
package protocol TextTokenizer: Sendable {
    var vocabSize: Int { get }
    var special: SpecialTokens { get }
    /// The QA template of the models this tokenizer belongs to: `QATemplate.standard` for the
    /// tokenizers gscope trains, the chat format for a pretrained instruct model's.
    var qaTemplate: QATemplate { get }
    func encode(_ text: String) -> [Int32]
    func decode(_ ids: [Int32]) -> String
}

extension TextTokenizer {
    package var qaTemplate: QATemplate { .standard }
}

/// The simplest tokenizer: one token per UTF-8 byte (ids 0–255), then begin, end and padding
/// (256, 257, 258). A baseline, and a tokenizer for tests that need no training.
package struct ByteTokenizer: TextTokenizer {
    package init() {}
    package var vocabSize: Int { 259 }
    package var special: SpecialTokens { SpecialTokens(begin: 256, end: 257, padding: 258) }
    package func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }
    package func decode(_ ids: [Int32]) -> String {
        String(decoding: ids.filter { $0 < 256 }.map { UInt8($0) }, as: UTF8.self)
    }
}

/// The tokenizer a command-line or configuration value names: `byte` for `ByteTokenizer`, a
/// `*.gguf` path for the tokenizer stored in that model file, a directory for the `tokenizer.json`
/// in it, otherwise a JSON file: a Hugging Face `tokenizer.json` (an object with a `model`; read by
/// `PretrainedBPETokenizer(huggingFaceDocument:)`) or gscope's own BPE file (`BPETokenizer.load`),
/// told apart by content. `chatFormat` chooses the QA format of a pretrained tokenizer (`auto`:
/// from the model's chat template); gscope's own tokenizers and `byte` know only the plain
/// `QATemplate.standard` (`auto` or `plain`).
package func loadTokenizer(_ spec: String, chatFormat: ChatFormatChoice = .auto) throws -> any TextTokenizer {
    func ownFormat(_ tokenizer: any TextTokenizer) throws -> any TextTokenizer {
        guard chatFormat == .auto || chatFormat == .plain else {
            throw DataError(
                file: spec,
                "the chat format \(chatFormat.rawValue) needs a pretrained model's tokenizer with its chat tokens; "
                    + "this tokenizer has none (use auto or plain)")
        }
        return tokenizer
    }
    if spec == "byte" { return try ownFormat(ByteTokenizer()) }
    if spec.hasSuffix(".gguf") { return try PretrainedBPETokenizer(gguf: spec, chatFormat: chatFormat) }
    var isDirectory: ObjCBool = false
    let path =
        FileManager.default.fileExists(atPath: spec, isDirectory: &isDirectory) && isDirectory.boolValue
        ? spec + "/tokenizer.json" : spec
    if isDirectory.boolValue, !FileManager.default.fileExists(atPath: path) {
        throw DataError(file: spec, "the directory has no tokenizer.json")
    }
    guard let data = FileManager.default.contents(atPath: path) else { return try ownFormat(BPETokenizer.load(path)) }
    if let document = try? JSONSerialization.jsonObject(with: data), PretrainedBPETokenizer.isHuggingFaceTokenizer(document) {
        return try PretrainedBPETokenizer(huggingFaceDocument: document, file: path, chatFormat: chatFormat)
    }
    return try ownFormat(BPETokenizer.decode(data, file: path))
}

/// The tokenizer that comes with a model, when no tokenizer is named: a `.gguf` file's own, or the
/// `tokenizer.json` of a model directory that holds one; nil otherwise.
package func tokenizerBeside(model: String) -> String? {
    if model.hasSuffix(".gguf") { return model }
    return FileManager.default.fileExists(atPath: model + "/tokenizer.json") ? model : nil
}
