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
/// `*.gguf` path for the tokenizer stored in that model file (`PretrainedBPETokenizer`), otherwise
/// the path of a BPE tokenizer file written by `gscope tokenizer train`.
package func loadTokenizer(_ spec: String) throws -> any TextTokenizer {
    if spec == "byte" { return ByteTokenizer() }
    if spec.hasSuffix(".gguf") { return try PretrainedBPETokenizer(gguf: spec) }
    return try BPETokenizer.load(spec)
}
