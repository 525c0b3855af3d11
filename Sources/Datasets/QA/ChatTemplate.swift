/// The conversation formats of pretrained models that gscope writes QA samples in, each a faithful
/// subset of the model's Jinja `chat_template` (one user question and one assistant answer, with the
/// template's default system message):
///
/// - `chatML` (SmolLM2, Qwen2, Qwen2.5): every message is `<|im_start|>{role}\n{content}<|im_end|>\n`;
///   when the conversation has no system message the template's default one comes first (SmolLM2's
///   "You are a helpful AI assistant named SmolLM, trained by Hugging Face", Qwen2.5's "You are Qwen,
///   created by Alibaba Cloud. You are a helpful assistant.").
/// - `llama3` (Llama 3, 3.1, 3.2): `<|begin_of_text|>`, then every message as
///   `<|start_header_id|>{role}<|end_header_id|>\n\n{content | trim}<|eot_id|>`. The 3.1 and 3.2
///   templates (`knowledgeDates`) always open with a system message that starts with
///   `Cutting Knowledge Date: December 2023\nToday Date: {date}\n\n`, followed by the system text (empty
///   by default). The templates take today's date from `strftime_now`; gscope writes the
///   templates' own fallback, `26 Jul 2024` (`llama3Date`), so that the same config gives the same
///   tokens on any day (transformers renders the same with `date_string="26 Jul 2024"`). Tools and
///   tool calls are not rendered.
/// - `plain` (base models): `Question: {question}\nAnswer: {answer}` between the model's begin and end
///   tokens.
package enum ChatFormat: Equatable, Sendable, CustomStringConvertible {
    case chatML(defaultSystem: String?)
    case llama3(knowledgeDates: Bool)
    case plain

    /// SmolLM2's default system message (from its chat template).
    package static let smolLM2System = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    /// The date the Llama 3.1/3.2 system header carries (the templates' fallback `date_string`).
    package static let llama3Date = "26 Jul 2024"

    /// The choice this format is (`chatml`, `llama3`, `plain`).
    package var choice: ChatFormatChoice {
        switch self {
        case .chatML: .chatml
        case .llama3: .llama3
        case .plain: .plain
        }
    }

    package var description: String {
        switch self {
        case .chatML(let system): "chatml" + (system.map { " (default system message \"\($0)\")" } ?? "")
        case .llama3(let dates): "llama3" + (dates ? " (Llama 3.1+ system header dated \(Self.llama3Date))" : "")
        case .plain: "plain"
        }
    }

    /// The texts of the special tokens this format writes, which the vocabulary must have.
    package var requiredTokens: [String] {
        switch self {
        case .chatML: ["<|im_start|>", "<|im_end|>"]
        case .llama3: ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
        case .plain: []
        }
    }

    /// The texts of the begin and end tokens that frame a QA sample (nil: the model's own).
    package var frameTokens: (begin: String, end: String)? {
        switch self {
        case .chatML: ("<|im_start|>", "<|im_end|>")
        case .llama3: ("<|begin_of_text|>", "<|eot_id|>")
        case .plain: nil
        }
    }

    /// The text of a conversation as the model's template renders it (`apply_chat_template(messages,
    /// tokenize=False)`, with `date_string="26 Jul 2024"` for Llama 3.1+): `system` (or the default
    /// one), then each (role, content) message; with `generationPrompt`, the assistant's header after
    /// them. `begin` is the text of the model's begin token for `plain` (which no template renders:
    /// its text is `{begin}Question: …\nAnswer: {answer}`, the user and assistant contents in turn).
    package func render(
        system: String? = nil, messages: [(role: String, content: String)], generationPrompt: Bool = false
    ) -> String {
        switch self {
        case .chatML(let defaultSystem):
            var out = ""
            if let s = system ?? defaultSystem { out += "<|im_start|>system\n\(s)<|im_end|>\n" }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if generationPrompt { out += "<|im_start|>assistant\n" }
            return out
        case .llama3(let dates):
            var out = "<|begin_of_text|>"
            if dates {
                out +=
                    "<|start_header_id|>system<|end_header_id|>\n\n" + Self.llama3DateHeader
                    + (system.map(Self.trimmed) ?? "") + "<|eot_id|>"
            } else if let system {
                out += "<|start_header_id|>system<|end_header_id|>\n\n\(Self.trimmed(system))<|eot_id|>"
            }
            for m in messages { out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(Self.trimmed(m.content))<|eot_id|>" }
            if generationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
            return out
        case .plain:
            var out = ""
            for m in messages {
                out += m.role == "user" ? "Question: \(m.content)\n" : m.role == "assistant" ? "Answer: \(m.content)" : ""
            }
            if generationPrompt { out += "Answer:" }
            return out
        }
    }

    /// `Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n`.
    static let llama3DateHeader = "Cutting Knowledge Date: December 2023\nToday Date: \(llama3Date)\n\n"

    /// The template for `QAFormatter`: with the begin token `frameTokens.begin` before it and the end
    /// token after the answer, a sample is `render(messages: [user, assistant])` with the begin
    /// token's text at its start and without what follows the end token (ChatML's final `\n`). The
    /// loss covers the answer and the end token (`<|im_end|>`, `<|eot_id|>`, the model's end token).
    /// - chatML: `system\n{system}<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n`
    ///   (`user\n…` without a system message);
    /// - llama3: `<|start_header_id|>system<|end_header_id|>\n\n{date header}<|eot_id|>` (3.1+ only), then
    ///   `<|start_header_id|>user<|end_header_id|>\n\n{question}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    ///   question and answer trimmed as the template's `| trim` does;
    /// - plain: `Question: {question}\nAnswer:`, and the answer encoded as `" " + answer`, so that the
    ///   space joins the answer's first token as it does when the whole text is encoded at once.
    package var qaTemplate: QATemplate {
        switch self {
        case .chatML(let system): ChatTemplate.qaTemplate(system: system)
        case .llama3(let dates):
            QATemplate(
                prefix: (dates ? "<|start_header_id|>system<|end_header_id|>\n\n" + Self.llama3DateHeader + "<|eot_id|>" : "")
                    + "<|start_header_id|>user<|end_header_id|>\n\n{question}<|eot_id|>"
                    + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                trimsContent: true)
        case .plain: QATemplate(prefix: "Question: {question}\nAnswer:", answerLead: " ")
        }
    }

    /// The format a Jinja chat template renders, recognised by its markers: `<|im_start|>` is ChatML
    /// (with the default system message written in the template, if any), `<|start_header_id|>` is
    /// Llama 3 (3.1+ when it writes "Cutting Knowledge Date"). nil for any other template.
    package static func recognise(template: String) -> ChatFormat? {
        if template.contains("<|im_start|>") { return .chatML(defaultSystem: chatMLDefaultSystem(in: template)) }
        if template.contains("<|start_header_id|>") {
            return .llama3(knowledgeDates: template.contains("Cutting Knowledge Date"))
        }
        return nil
    }

    /// The default system message of a ChatML template: the first literal text between
    /// `<|im_start|>system` + a newline (written as a newline or as `\n`) and `<|im_end|>` that holds
    /// no template syntax (quotes, braces, `+`); nil when there is none.
    static func chatMLDefaultSystem(in template: String) -> String? {
        let opening = "<|im_start|>system"
        var rest = template[...]
        while let start = rest.range(of: opening) {
            var body = rest[start.upperBound...]
            rest = body
            if body.hasPrefix("\\n") {
                body = body.dropFirst(2)
            } else if body.hasPrefix("\n") {
                body = body.dropFirst()
            } else {
                continue
            }
            guard let end = body.range(of: "<|im_end|>") else { break }
            let text = body[..<end.lowerBound]
            if text.isEmpty || text.contains(where: { "'\"{}+\\".contains($0) }) { continue }
            return String(text)
        }
        return nil
    }

    /// Jinja's `trim` (Python's `str.strip()`): leading and trailing whitespace removed.
    package static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace || (0x1C...0x1F).contains(s.value) }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }
}

/// The `chat_format` a config or `--chat-format` asks for: `auto` (from the model's chat template:
/// `tokenizer_config.json` beside `tokenizer.json`, or the GGUF's `tokenizer.chat_template`; plain
/// when there is none), or one format.
package enum ChatFormatChoice: String, NamedChoice {
    case auto, chatml, llama3, plain
    package static let kind = "chat format"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// SmolLM2's ChatML, as earlier releases of gscope wrote it (kept for its callers and tests).
package enum ChatTemplate {
    /// SmolLM2's default system message (from its chat template).
    package static let smolLM2System = ChatFormat.smolLM2System

    /// The text of a conversation, as `apply_chat_template(messages, tokenize=False)` renders it:
    /// the system message (when `system` is not nil), then each (role, content) message, each as
    /// `<|im_start|>{role}\n{content}<|im_end|>\n`; with `generationPrompt`, `<|im_start|>assistant\n`
    /// after them.
    package static func chatML(
        system: String? = smolLM2System, messages: [(role: String, content: String)],
        generationPrompt: Bool = false
    ) -> String {
        ChatFormat.chatML(defaultSystem: nil).render(system: system, messages: messages, generationPrompt: generationPrompt)
    }

    /// One QA sample in the chat format: a user question and the assistant's answer.
    package static func qaText(question: String, answer: String, system: String? = smolLM2System) -> String {
        chatML(system: system, messages: [("user", question), ("assistant", answer)])
    }

    /// The template for `QAFormatter` that turns each QA item into this chat format with a tokenizer
    /// whose begin token is `<|im_start|>` and end token `<|im_end|>` (SmolLM2's `bos` and `eos`):
    /// `[<|im_start|>] + "system\n{system}<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"`
    /// `+ answer + [<|im_end|>]`, i.e. `qaText` without its final newline. The loss covers the answer
    /// and the closing `<|im_end|>`.
    package static func qaTemplate(system: String? = smolLM2System) -> QATemplate {
        let head = system.map { "system\n\($0)<|im_end|>\n<|im_start|>user\n" } ?? "user\n"
        return QATemplate(prefix: head + "{question}<|im_end|>\n<|im_start|>assistant\n")
    }
}
