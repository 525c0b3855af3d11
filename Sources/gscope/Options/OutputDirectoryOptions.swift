import ArgumentParser

/// `--out DIR` where it names an output directory (train, eval, plot, data synth, data markov):
/// one help text; each command's description lists what it writes there.
struct OutputDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: OutputDirectoryOptions.help)
    var out: String

    /// The help every output-directory `--out` shows.
    static let help = ArgumentHelp(
        "Output directory (created if missing); the command's description lists what it writes there.",
        valueName: "dir")
}

/// `--out DIR` of a command whose configuration may name the directory instead (unlearn's
/// `run.out`): the same option and help, optional.
struct OptionalOutputDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: OutputDirectoryOptions.help)
    var out: String?
}
