import ArgumentParser
import Experiments
import Foundation
import Model
import NumericCore

/// `--model NAME` with optional overrides of any size: the model flags every command shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: "Named configuration: tiny (4×128, vocab 512; the default), small (6×256, vocab 2048), medium (8×384, vocab 4096), markov (4×128, vocab 10, block 32).")
    var modelName: String?
    @Option(name: .customLong("n-layer"), help: "Override the number of transformer blocks.")
    var nLayer: Int?
    @Option(name: .customLong("n-head"), help: "Override the number of attention heads.")
    var nHead: Int?
    @Option(name: .customLong("n-embd"), help: "Override the width.")
    var nEmbd: Int?
    @Option(name: .customLong("vocab"), help: "Override the vocabulary size.")
    var vocab: Int?
    @Option(name: .customLong("block-size"), help: "Override the maximum sequence length.")
    var blockSize: Int?

    /// The configuration's name: `--model`, or tiny.
    var model: String { modelName ?? "tiny" }

    /// The named configuration (`--model`, or `defaultName` when not given) with the overrides.
    func config(defaultName: String = "tiny") throws -> GPTConfig {
        let model = modelName ?? defaultName
        guard var c = GPTConfig.named[model] else {
            throw ValidationError("unknown model '\(model)'; choose one of \(GPTConfig.named.keys.sorted().joined(separator: ", "))")
        }
        if let v = nLayer { c.nLayer = v }
        if let v = nHead { c.nHead = v }
        if let v = nEmbd { c.nEmbd = v }
        if let v = vocab { c.vocabSize = v }
        if let v = blockSize { c.blockSize = v }
        do { try c.validate() } catch { throw ValidationError(error.description) }
        try Self.checkFitsInMemory(c)
        return c
    }

    /// Refuses sizes whose training state (parameters, gradients and Adam's two moments, as
    /// Float) exceeds the machine's memory, before the layout or any buffer is built: `--n-layer
    /// 1000000000` would otherwise spend minutes building a layout and then fail to allocate.
    static func checkFitsInMemory(_ c: GPTConfig) throws {
        let bytes = c.checkedParameterCount * 16
        let memory = ProcessInfo.processInfo.physicalMemory
        guard let needed = bytes.value, UInt64(needed) <= memory else {
            let count = c.checkedParameterCount.value.map { "\($0) parameters" } ?? "more parameters than an Int counts"
            throw ValidationError("--n-layer \(c.nLayer), --n-embd \(c.nEmbd), --vocab \(c.vocabSize), --block-size \(c.blockSize) "
                                  + "make \(count), more than this machine's \(memory >> 20) MiB of memory can train")
        }
    }
}

/// `--threads K`: the workers that share all the engine's work. Every number is computed the same
/// way whatever the count (a test compares 1 and 2 workers bit for bit); the count is recorded.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads for matrix products and element-wise kernels; results do not depend on the count.")
    var threads: Int = 2

    /// Checks the count (1…256, `ThreadCount`; outside is an `OptionError`, exit 2) and sizes
    /// the worker pool.
    func apply() throws {
        if let problem = ThreadCount.problem(threads) { throw OptionError(option: "--threads", problem) }
        Parallel.configure(threads: threads)
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
