import GGUF

extension PretrainedBPETokenizer {
    /// The pre-tokenizers of llama.cpp's `tokenizer.ggml.pre` names that this tokenizer reproduces:
    /// GPT-2's rules (`default`, `gpt2`, `mpt`, `olmo`, `jais`), with digits split first for
    /// `smollm` (and the other names llama.cpp gives the same rules: `starcoder`, `refact`,
    /// `command-r`, `codeshell`, `exaone`, `minerva-7b`), Llama 3's pattern (`llama-bpe`, `llama3`,
    /// `llama-v3`) and Qwen2's (`qwen2`, `deepseek-r1-qwen`). nil for any other name.
    package static func preTokenization(pre: String?) -> PreTokenization? {
        switch pre ?? "default" {
        case "default", "gpt2", "gpt-2", "mpt", "olmo", "jais": .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b": .gpt2SplittingDigits
        case "llama-bpe", "llama3", "llama-v3": .llama3
        case "qwen2", "deepseek-r1-qwen": .qwen2
        default: nil
        }
    }

    /// Whether `tokenizer.ggml.pre` splits digits first (`smollm`), does not (`gpt2`, `llama-bpe`,
    /// `qwen2`, …), or is unknown (nil).
    package static func splitsDigits(pre: String?) -> Bool? {
        preTokenization(pre: pre).map { $0 == .gpt2SplittingDigits }
    }

    /// The tokenizer of a GGUF vocabulary (`tokenizer.ggml.model` must be `gpt2`). The special
    /// tokens are the control and user-defined ones; the model's begin, end and padding tokens are
    /// `bos_token_id`, `eos_token_id` and `padding_token_id`. Llama 3's pre-tokenizer comes with
    /// `ignoreMerges`, as llama.cpp and Llama 3's tokenizer.json apply it, and Qwen2's with NFC, as
    /// Qwen2's tokenizer.json normalizes (llama.cpp does not). The chat format is recognised from
    /// `tokenizer.chat_template` (`ChatFormat.recognise`; plain without one), then `chatFormat`
    /// overrides it unless `auto`. `file` names the GGUF file in errors.
    package init(vocabulary v: GGUFVocabulary, file: String, chatFormat choice: ChatFormatChoice = .auto) throws(DataError) {
        guard v.model == "gpt2" else {
            throw DataError(
                file: file,
                "tokenizer.ggml.model is \"\(v.model)\"; gscope reads GPT-2-style byte-level BPE (\"gpt2\") tokenizers")
        }
        guard let preTokenization = Self.preTokenization(pre: v.pre) else {
            throw DataError(
                file: file,
                "tokenizer.ggml.pre \"\(v.pre ?? "")\" names a pre-tokenizer gscope does not implement (it knows gpt2, smollm, llama-bpe and qwen2)"
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
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(v.merges.count)
        for (r, merge) in v.merges.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw DataError(
                    file: file, "tokenizer: merge \(r) \"\(merge)\" is not two tokens of the vocabulary separated by one space")
            }
            pairs.append((String(parts[0]), String(parts[1])))
        }
        let (format, source) = Self.automaticChatFormat(template: v.chatTemplate, origin: "tokenizer.chat_template")
        do throws(TokenizerProblem) {
            let padding = v.padding.map(Int32.init)
            let plain = try PretrainedBPETokenizer(
                tokens: v.tokens, mergePairs: pairs, specialIDs: specialIDs,
                special: SpecialTokens(begin: Int32(bos), end: Int32(eos), padding: padding ?? Int32(eos)),
                preTokenization: preTokenization, normalizesNFC: preTokenization == .qwen2,
                ignoreMerges: preTokenization == .llama3,
                modelBegin: Int32(bos), modelEnd: Int32(eos), modelPadding: padding)
            self = try plain.with(chatFormat: format, source: source).resolving(choice)
        } catch {
            throw DataError(file: file, "tokenizer: \(error.description)")
        }
    }

    /// The tokenizer stored in the GGUF file at `path`, writing QA samples in the chat format `choice`.
    package init(gguf path: String, chatFormat choice: ChatFormatChoice = .auto) throws(DataError) {
        do {
            let file = try GGUFFile(path: path)
            try self.init(vocabulary: GGUFVocabulary(file: file), file: path, chatFormat: choice)
        } catch let error as GGUFError {
            throw DataError(file: error.file, error.message)
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(file: path, "\(error)")
        }
    }
}
