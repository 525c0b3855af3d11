import ArgumentParser
import Sweeps

/// `gscope sweep`: grids of runs (objectives × hyper-parameters × seeds), planned into one config
/// per run, run here, on GNU parallel or as a Slurm job array, and collected into one file.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Plan, run and collect grids of unlearning runs (objectives × hyper-parameters × seeds).",
        discussion: """
            A sweep file names a base config, axes over any config key, seeds and zipped axes. \
            `plan` writes one resolved config per run and a manifest; `run` (this machine), \
            `slurm` (a job array) and `parallel` (GNU parallel, also over ssh) run the manifest, \
            each resumable: a finished run is skipped, a run that died is redone. `collect` \
            gathers every run into DIR/sweep.h5 and DIR/sweep.csv; `gscope plot DIR/sweep.h5` \
            draws the figures over the sweep.

            Example:
              gscope sweep plan data/sweeps/markov.yaml --out runs/sweeps/markov
              gscope sweep run runs/sweeps/markov --jobs 2
              gscope sweep collect runs/sweeps/markov
              gscope plot runs/sweeps/markov/sweep.h5 --figure frontier --out plots/sweeps/markov
            """,
        subcommands: [
            SweepPlanCommand.self, SweepRunCommand.self, SweepTaskCommand.self, SweepSlurmCommand.self, SweepParallelCommand.self,
            SweepCollectCommand.self,
        ])
}
