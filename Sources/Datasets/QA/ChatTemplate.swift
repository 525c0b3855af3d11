/// The ChatML conversation format of instruct models such as SmolLM2-135M-Instruct, whose GGUF
/// `tokenizer.chat_template` renders each message as
/// `<|im_start|>{role}\n{content}<|im_end|>\n` and, when the first message is not a system message,
/// first a default system message.
package enum ChatTemplate {
    /// SmolLM2's default system message (from its chat template).
    package static let smolLM2System = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// The text of a conversation, as `apply_chat_template(messages, tokenize=False)` renders it:
    /// the system message (when `system` is not nil), then each (role, content) message, each as
    /// `<|im_start|>{role}\n{content}<|im_end|>\n`; with `generationPrompt`, `<|im_start|>assistant\n`
    /// after them.
    package static func chatML(
        system: String? = smolLM2System, messages: [(role: String, content: String)],
        generationPrompt: Bool = false
    ) -> String {
        var out = ""
        if let system { out += "<|im_start|>system\n\(system)<|im_end|>\n" }
        for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if generationPrompt { out += "<|im_start|>assistant\n" }
        return out
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
