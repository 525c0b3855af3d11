import GGUF

extension PretrainedBPETokenizer {
    /// The pre-tokenizers of llama.cpp's `tokenizer.ggml.pre` names that this tokenizer reproduces:
    /// GPT-2's rules, with digits split first for `smollm` (and the other names llama.cpp gives the
    /// same rules: `starcoder`, `refact`, `command-r`, `codeshell`, `exaone`, `minerva-7b`).
    package static func splitsDigits(pre: String?) -> Bool? {
        switch pre ?? "default" {
        case "default", "gpt2", "gpt-2", "mpt", "olmo", "jais": false
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b": true
        default: nil
        }
    }

    /// The tokenizer of a GGUF vocabulary (`tokenizer.ggml.model` must be `gpt2`). The special
    /// tokens are the control and user-defined ones; begin, end and padding are
    /// `bos_token_id`, `eos_token_id` and `padding_token_id` (padding falls back to the end token).
    /// `file` names the GGUF file in errors.
    package init(vocabulary v: GGUFVocabulary, file: String) throws(DataError) {
        guard v.model == "gpt2" else {
            throw DataError(
                file: file,
                "tokenizer.ggml.model is \"\(v.model)\"; gscope reads GPT-2-style byte-level BPE (\"gpt2\") tokenizers")
        }
        guard let splitDigits = Self.splitsDigits(pre: v.pre) else {
            throw DataError(
                file: file,
                "tokenizer.ggml.pre \"\(v.pre ?? "")\" names a pre-tokenizer gscope does not implement (it knows gpt2 and smollm)"
            )
        }
        guard let bos = v.bos, let eos = v.eos else {
            throw DataError(
                file: file, "the tokenizer has no \(v.bos == nil ? "tokenizer.ggml.bos_token_id" : "tokenizer.ggml.eos_token_id")"
            )
        }
        var specialIDs = Set<Int32>()
        for (id, type) in v.tokenTypes.enumerated() where type == .control || type == .userDefined {
            specialIDs.insert(Int32(id))
        }
        do {
            try self.init(
                tokens: v.tokens, merges: v.merges, specialIDs: specialIDs,
                special: SpecialTokens(begin: Int32(bos), end: Int32(eos), padding: Int32(v.padding ?? eos)),
                splitDigits: splitDigits)
        } catch {
            throw DataError(file: file, "tokenizer: \(error.description)")
        }
    }

    /// The tokenizer stored in the GGUF file at `path`.
    package init(gguf path: String) throws(DataError) {
        do {
            let file = try GGUFFile(path: path)
            try self.init(vocabulary: GGUFVocabulary(file: file), file: path)
        } catch let error as GGUFError {
            throw DataError(file: error.file, error.message)
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(file: path, "\(error)")
        }
    }
}
