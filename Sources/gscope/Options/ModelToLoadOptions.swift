import ArgumentParser

/// `--model PATH`: a model to load, in every command that loads one (train's fine-tuning, unlearn,
/// eval, generate, score, bench's timing of a stored model).
struct ModelToLoadOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A model to load: a checkpoint directory (config.json and model.safetensors, e.g. OUT/checkpoint of `gscope train`) or a .gguf file.",
            valueName: "path"))
    var model: String?

    /// `--model`, or a usage error naming what `command` needs it for when it is missing.
    func required(for purpose: String) throws -> String {
        guard let model else { throw ValidationError("missing --model PATH: \(purpose)") }
        return model
    }

    /// `--model` merged with a command's old spelling of it (`--checkpoint`, `--from`, `--gguf`):
    /// the old one prints the deprecation line, and both with different values is an
    /// ``OptionError`` (exit 2).
    func merged(withDeprecated old: String?, named oldName: String) throws -> String? {
        try DeprecatedSpelling.merge(new: model, newName: "model", old: old, oldName: oldName)
    }
}
