import ArgumentParser
import Experiments

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a run file: what ran, and how the risks and G-effects moved.",
        discussion: """
        Prints the objective, the model and forget set, the number of updates and recorded steps, \
        and per risk set the risk and G-effect at the first and last recorded step, the last \
        G-effect per layer group, the update effect, and the mean instance weight and NLL. \
        notebooks-scripts/read_run.py prints the same with h5py; docs/run-file.md describes \
        every dataset. Works on a run that is still going.

        Example:
          gscope inspect runs/synthetic-npo/run.h5
        """)

    @Argument(help: "A run.h5 written by gscope unlearn.") var path: String

    func run() throws { print(try RunSummary.text(of: path)) }
}
