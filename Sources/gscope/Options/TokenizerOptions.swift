import ArgumentParser
import Datasets

/// `--tokenizer byte|FILE.json|DIR|FILE.gguf` and `--chat-format`: the tokenizer a command reads
/// text with and the QA format it writes, one help text everywhere.
struct TokenizerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The tokenizer: byte (one token per UTF-8 byte, vocabulary 259), a tokenizer JSON written by `gscope tokenizer train`, a Hugging Face tokenizer.json (or a model directory holding one, with tokenizer_config.json beside it for the chat format), or a .gguf model file (its own tokenizer and chat format). A trained model needs the tokenizer it was trained with.",
            valueName: "byte|file.json|dir|file.gguf"))
    var tokenizer: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The QA format of a pretrained model's tokenizer (data.chat_format): auto (from its chat template: ChatML, Llama 3, else plain), chatml, llama3, or plain (Question: …\\nAnswer: …).",
            valueName: ChatFormatChoice.names.joined(separator: "|")))
    var chatFormat: ChatFormatChoice?

    /// `--tokenizer`, or a usage error naming what `purpose` needs it for when it is missing.
    func required(for purpose: String) throws -> String {
        guard let tokenizer else { throw ValidationError("missing --tokenizer: \(purpose)") }
        return tokenizer
    }

    /// The tokenizer `spec` names, writing QA samples in `--chat-format`.
    func load(_ spec: String) throws -> any TextTokenizer {
        try loadTokenizer(spec, chatFormat: chatFormat ?? .auto)
    }
}

/// `--chat-format auto|chatml|llama3|plain`.
extension ChatFormatChoice: ExpressibleByArgument {}
