import ArgumentParser
import Experiments
import Figures

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a run file: what ran, and how the risks and G-effects moved.",
        discussion: """
            Prints the objective, the model and forget set, the number of updates and recorded steps, \
            and per risk set the risk and G-effect at the first and last recorded step, the last \
            G-effect per layer group, the update effect, and the mean instance weight and NLL. \
            notebooks-scripts/read_run.py prints the same with h5py; docs/run-file.md describes \
            every dataset. Works on a run that is still going. A file whose datasets do not fit together \
            (a per-step dataset shorter than /steps, a step that is not a whole number, an extent the file \
            does not hold) is refused with the dataset named, exit status 2.

            With --table: one line per run — its name and objective, forget and retain answer NLL \
            before → after, the last evaluation's headline metrics (TOFU: forget quality and model \
            utility; Markov: the KL of each group) and the last recorded unlearning and retaining \
            G-effects.

            With --interference: the forget x retain interference (run.interference_every) at the last \
            measured step (or --step): per set, its sum, the mean over pairs of one author (Markov: one \
            chain) against the other pairs, and the --top most damaging pairs, I[i,j] = <grad l_j, \
            grad(gamma L_i)> most negative, with their questions and answers.

            Examples:
              gscope inspect runs/synthetic-npo/run.h5
              gscope inspect --table runs/demo/*/run.h5
              gscope inspect --interference --top 5 runs/synthetic-npo/run.h5
            """)

    @Argument(help: "One or more run.h5 files written by gscope unlearn.") var paths: [String]
    @Flag(help: "One line per run instead of a summary of each.") var table = false
    @Flag(help: "The forget x retain interference: its sums, same-author pairs, the most damaging pairs.")
    var interference = false
    @Option(help: "With --interference: the recorded step (default: the last one measured).") var step: Int?
    @Option(help: "With --interference: how many of the most damaging pairs to list.") var top = 10

    func validate() throws {
        if table && interference { throw ValidationError("--table and --interference are separate views: give one") }
        if !interference && step != nil { throw ValidationError("--step applies to --interference") }
        if top < 1 { throw ValidationError("--top must be at least 1, got \(top)") }
    }

    func run() throws {
        // Check every file's structure first (RunFileLayout): a damaged or hand-edited file is a
        // clean error naming the dataset, never a trap or a huge allocation in what follows.
        try reportingRunFileErrors {
            for path in paths { _ = try RunFileLayout.check(path: path) }
            if interference {
                print(try paths.map { try InterferenceReport.text(of: $0, step: step, top: top) }.joined(separator: "\n\n"))
            } else if table {
                print(try RunTable.text(of: paths))
            } else {
                print(try paths.map { try RunSummary.text(of: $0) }.joined(separator: "\n\n"))
            }
        }
    }
}
