import ArgumentParser

/// `--tokenizer byte|FILE.json|FILE.gguf`: the tokenizer a command reads text with, one help text
/// everywhere.
struct TokenizerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The tokenizer: byte (one token per UTF-8 byte, vocabulary 259), a tokenizer JSON written by `gscope tokenizer train`, or a .gguf model file (its own tokenizer and chat format). A trained model needs the tokenizer it was trained with.",
            valueName: "byte|file.json|file.gguf"))
    var tokenizer: String?

    /// `--tokenizer`, or a usage error naming what `purpose` needs it for when it is missing.
    func required(for purpose: String) throws -> String {
        guard let tokenizer else { throw ValidationError("missing --tokenizer: \(purpose)") }
        return tokenizer
    }
}
