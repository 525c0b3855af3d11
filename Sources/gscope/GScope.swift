import ArgumentParser

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
        subcommands: [Train.self, Bench.self])

    static func main() {
        KernelSelection.reexecWithFastKernelsIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
