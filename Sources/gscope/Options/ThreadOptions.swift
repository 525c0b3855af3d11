import ArgumentParser
import Experiments
import NumericCore

/// `--threads K`: the workers that share all the engine's work. Every number is computed the same
/// way whatever the count (a test compares 1 and 2 workers bit for bit); the count is recorded.
struct ThreadOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Worker threads for matrix products and element-wise kernels (default \(ThreadOptions.defaultCount); unlearn: the config's `threads`); results do not depend on the count.",
            valueName: "k"))
    var threads: Int?

    /// The count when `--threads` is not given (and, in unlearn, the config has none).
    static let defaultCount = 2

    /// `--threads`, or the default.
    var count: Int { threads ?? Self.defaultCount }

    /// Checks `--threads` when given (1…256, `ThreadCount`; outside is an `OptionError`, exit 2).
    func check() throws {
        if let threads, let problem = ThreadCount.problem(threads) { throw OptionError(option: "--threads", problem) }
    }

    /// Checks the count and sizes the worker pool.
    func apply() throws {
        try check()
        Parallel.configure(threads: count)
    }
}

/// An option value the command refuses (`--threads 65`): said as
/// `--threads: must be between 1 and 256, got 65`; the CLI exits 2, as for bad input files.
struct OptionError: Error, CustomStringConvertible {
    let option: String
    let message: String

    init(option: String, _ message: String) {
        self.option = option
        self.message = message
    }

    var description: String { "\(option): \(message)" }
}
