import ArgumentParser
import Datasets
import Evaluation
import Experiments
import Foundation
import GGUF
import Model
import Sweeps

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
        subcommands: [
            Train.self, Unlearn.self, Relearn.self, Objectives.self, Eval.self, Generate.self, Score.self, Inspect.self,
            Plot.self,
            DataCommand.self, TokenizerCommand.self, ModelCommand.self, SweepCommand.self, Bench.self,
        ])

    static func main() {
        KernelSelection.pinOrReexec()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch
            where error is DataError || error is ConfigError || error is EvaluationError || error is GGUFError
            || error is OptionError || error is SweepError
        {
            // Bad input data or configuration: say where and what, exit 2 (usage errors exit 64).
            FileHandle.standardError.write(Data("gscope: \(error)\n".utf8))
            Foundation.exit(2)
        } catch let error as ModelError {
            // A checkpoint or model file that cannot be used is bad input (exit 2); one that cannot
            // be written, an I/O failure (exit 1).
            FileHandle.standardError.write(Data("gscope: \(error)\n".utf8))
            Foundation.exit(error.isIOFailure ? 1 : 2)
        } catch  where error is NonFiniteModelOutput {
            // A model whose numbers are NaN or infinite: no metric is written, exit 1.
            FileHandle.standardError.write(Data("gscope: \(error)\n".utf8))
            Foundation.exit(1)
        } catch let error where FileErrorText.parts(of: error) != nil {
            // A Foundation file error (unwritable output, missing file, full disk): one line
            // `gscope: <path>: <cause>`, exit 1, instead of NSError's dump.
            FileHandle.standardError.write(Data("gscope: \(FileErrorText.line(error))\n".utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
