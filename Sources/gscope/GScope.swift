import ArgumentParser
import Datasets
import Experiments
import Foundation
import GGUF

@main
struct GScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gscope",
        abstract: "A workbench for analysing LLM unlearning objectives.",
        discussion: """
        gscope trains or loads a causal language model, runs an unlearning objective on a \
        forget set and records how every update moves every risk (the G-effect), into one \
        HDF5 file per run. Start with `make demo`; every subcommand has its own --help.
        """,
        subcommands: [Train.self, Unlearn.self, Eval.self, Generate.self, Score.self, Inspect.self, Plot.self, DataCommand.self, TokenizerCommand.self, ModelCommand.self, Bench.self])

    static func main() {
        KernelSelection.reexecWithFastKernelsIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch where error is DataError || error is ConfigError || error is EvaluationError || error is GGUFError {
            // Bad input data or configuration: say where and what, exit 2 (usage errors exit 64).
            FileHandle.standardError.write(Data("gscope: \(error)\n".utf8))
            Foundation.exit(2)
        } catch {
            exit(withError: error)
        }
    }
}
