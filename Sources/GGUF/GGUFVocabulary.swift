/// The tokenizer stored in a GGUF file's metadata (`tokenizer.ggml.*`), as plain values; the
/// `Datasets` module builds a tokenizer from it.
///
/// For a GPT-2-style byte-level BPE (`model == "gpt2"`), `tokens[id]` is the token's text in GPT-2's
/// byte-to-character alphabet (a space byte is `Ġ`), `merges` are `"left right"` pairs in rank
/// order, and `tokenTypes` follow llama.cpp's `llama_token_type`.
package struct GGUFVocabulary: Sendable, Equatable {
    /// llama.cpp's token types (`tokenizer.ggml.token_type`).
    package enum TokenType: Int, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// `tokenizer.ggml.model`: `gpt2` for byte-level BPE, `llama` for SentencePiece, ….
    package var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer's name in llama.cpp (`smollm`, `llama-bpe`, …), if given.
    package var pre: String?
    /// `tokenizer.ggml.tokens`: the text of each id.
    package var tokens: [String]
    /// `tokenizer.ggml.token_type`, one per token (all `.normal` when the file has none).
    package var tokenTypes: [TokenType]
    /// `tokenizer.ggml.merges`, in rank order (empty when the file has none).
    package var merges: [String]
    /// `tokenizer.ggml.bos_token_id`, `eos_token_id`, `unknown_token_id`, `padding_token_id`.
    package var bos: Int?, eos: Int?, unknown: Int?, padding: Int?
    /// `tokenizer.ggml.add_bos_token`, `add_eos_token`.
    package var addBOS: Bool?, addEOS: Bool?
    /// `tokenizer.chat_template` (a Jinja template), if given.
    package var chatTemplate: String?

    package init(
        model: String, pre: String? = nil, tokens: [String], tokenTypes: [TokenType]? = nil,
        merges: [String] = [], bos: Int? = nil, eos: Int? = nil, unknown: Int? = nil, padding: Int? = nil,
        addBOS: Bool? = nil, addEOS: Bool? = nil, chatTemplate: String? = nil
    ) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes ?? Array(repeating: .normal, count: tokens.count)
        self.merges = merges
        self.bos = bos; self.eos = eos; self.unknown = unknown; self.padding = padding
        self.addBOS = addBOS; self.addEOS = addEOS
        self.chatTemplate = chatTemplate
    }

    /// The vocabulary of `file`. Missing `tokenizer.ggml.model` or `tokens`, a value of the wrong
    /// type, a `token_type` array of another length or an unknown token type, or a special id
    /// outside the vocabulary is an error naming the key.
    package init(file: GGUFFile) throws(GGUFError) {
        func optional<T>(_ key: String, _ read: (String) throws(GGUFError) -> T) throws(GGUFError) -> T? {
            file.metadata[key] == nil ? nil : try read(key)
        }
        let tokens = try file.strings("tokenizer.ggml.tokens")
        var types: [TokenType]?
        if let raw = try optional("tokenizer.ggml.token_type", file.ints) {
            guard raw.count == tokens.count else {
                throw GGUFError(
                    file: file.path,
                    "metadata tokenizer.ggml.token_type has \(raw.count) entries, tokenizer.ggml.tokens has \(tokens.count)")
            }
            var converted: [TokenType] = []
            converted.reserveCapacity(raw.count)
            for (id, t) in raw.enumerated() {
                guard let type = TokenType(rawValue: t) else {
                    throw GGUFError(
                        file: file.path, "metadata tokenizer.ggml.token_type: token \(id) has unknown type \(t) (known: 0–6)")
                }
                converted.append(type)
            }
            types = converted
        }
        self.init(
            model: try file.string("tokenizer.ggml.model"),
            pre: try optional("tokenizer.ggml.pre", file.string),
            tokens: tokens, tokenTypes: types,
            merges: try optional("tokenizer.ggml.merges", file.strings) ?? [],
            bos: try optional("tokenizer.ggml.bos_token_id", file.int),
            eos: try optional("tokenizer.ggml.eos_token_id", file.int),
            unknown: try optional("tokenizer.ggml.unknown_token_id", file.int),
            padding: try optional("tokenizer.ggml.padding_token_id", file.int),
            addBOS: try optional("tokenizer.ggml.add_bos_token", file.bool),
            addEOS: try optional("tokenizer.ggml.add_eos_token", file.bool),
            chatTemplate: try optional("tokenizer.chat_template", file.string))
        for (key, id) in [("bos", bos), ("eos", eos), ("unknown", unknown), ("padding", padding)] {
            if let id, id < 0 || id >= tokens.count {
                throw GGUFError(
                    file: file.path,
                    "metadata tokenizer.ggml.\(key)_token_id is \(id), outside the vocabulary of \(tokens.count) tokens")
            }
        }
    }
}
