extension PretrainedBPETokenizer {
    /// The id of the special (added) token whose text is `text`, if the vocabulary has one.
    package func specialID(_ text: String) -> Int32? {
        specialIDs.sorted().first { tokens[Int($0)] == text }
    }

    /// This tokenizer writing QA samples in `format`: `special.begin` and `special.end` become the
    /// format's frame tokens (`ChatFormat.frameTokens`), or the model's own begin and end tokens for
    /// the plain format (the end token when there is no begin token, as GPT-2 and Qwen2 use
    /// `<|endoftext|>`); padding stays the model's padding token, else the end token. Throws when
    /// the vocabulary lacks a token the format writes, or, for plain, has no end token.
    package func with(chatFormat format: ChatFormat, source: String) throws(TokenizerProblem) -> PretrainedBPETokenizer {
        var copy = self
        let begin: Int32, end: Int32
        if let frame = format.frameTokens {
            for text in format.requiredTokens where specialID(text) == nil {
                throw TokenizerProblem(
                    "the chat format \(format.choice.rawValue) (\(source)) writes \(text), which is not a special token of this vocabulary"
                )
            }
            begin = specialID(frame.begin)!
            end = specialID(frame.end)!
        } else {
            guard let modelEnd = modelEnd ?? modelBegin else {
                throw TokenizerProblem("the plain chat format needs the model's end-of-text token, and the tokenizer names none")
            }
            end = modelEnd
            begin = modelBegin ?? modelEnd
        }
        copy.special = SpecialTokens(begin: begin, end: end, padding: modelPadding ?? end)
        copy.chatFormat = format
        copy.chatFormatSource = source
        return copy
    }

    /// This tokenizer with the chat format `choice` asks for: `auto` keeps the one read with the
    /// tokenizer; `chatml` keeps the template's default system message when the template is ChatML
    /// (none otherwise); `llama3` keeps the template's variant when it is Llama 3's, else writes the
    /// 3.1+ system header; `plain` is the plain format.
    package func resolving(_ choice: ChatFormatChoice) throws(TokenizerProblem) -> PretrainedBPETokenizer {
        switch choice {
        case .auto:
            return self
        case .chatml:
            if case .chatML = chatFormat { return self }
            return try with(chatFormat: .chatML(defaultSystem: nil), source: "chosen")
        case .llama3:
            if case .llama3 = chatFormat { return self }
            return try with(chatFormat: .llama3(knowledgeDates: true), source: "chosen")
        case .plain:
            return try with(chatFormat: .plain, source: "chosen")
        }
    }

    /// The format a model's chat template asks for (`auto`): the recognised family
    /// (`ChatFormat.recognise`), plain when there is no template or it is not one gscope knows.
    /// `origin` names where the template was read, for `chatFormatSource`.
    static func automaticChatFormat(template: String?, origin: String) -> (ChatFormat, String) {
        guard let template else { return (.plain, "no chat template") }
        guard let format = ChatFormat.recognise(template: template) else {
            return (.plain, "\(origin) is neither ChatML nor Llama 3's template")
        }
        return (format, origin)
    }
}
