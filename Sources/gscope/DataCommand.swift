import ArgumentParser

/// `gscope data …`: generate, read and inspect data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate and inspect data sets: synthetic TOFU-shaped benchmarks, Markov-chain mixtures, TOFU itself.",
        subcommands: [SynthDataCommand.self, MarkovDataCommand.self, DataInspect.self])
}

/// `gscope tokenizer …`: train and use byte-level BPE tokenizers.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train and try byte-level BPE tokenizers.",
        subcommands: [TokenizerTrain.self, TokenizerEncode.self])
}
