import ArgumentParser

@main
struct GScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gscope",
        abstract: "A workbench for analysing LLM unlearning objectives.")
}
