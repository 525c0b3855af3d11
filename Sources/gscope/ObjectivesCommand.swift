import ArgumentParser
import Experiments
import Unlearning

/// `gscope objectives`: the registry of forget objectives and retain terms, as a list, as the
/// README's Markdown tables, or as the standard configs under data/configs.
struct Objectives: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the unlearning objectives and retain terms with their hyper-parameters.",
        discussion: """
            Every objective is one file under Sources/Unlearning/Objectives (Forget/ or Retain/) that \
            declares its name, a one-line description and its hyper-parameters with defaults and \
            allowed values; this list, config validation, `gscope unlearn --help`, the README's \
            table and the standard configs are all written from those files.

            In a config, `objective.forget.name` picks a forget objective and its hyper-parameters \
            sit beside the name (`objective.forget.beta: 0.5`); keys left out keep the defaults \
            shown here. open-unlearning's spellings are accepted where they differ (SimNPO's \
            `delta`, with γ = β·δ; WGA's `beta` for α).

            Examples:
              gscope objectives
              gscope objectives --markdown
              gscope objectives --write-configs data/configs
            """)

    @Flag(help: "Print the README's Markdown tables instead of the plain list.") var markdown = false
    @Option(
        help:
            "Write the standard configs (every objective × the synthetic, TOFU, Markov and SmolLM2 suites) under this directory.")
    var writeConfigs: String?

    func run() throws {
        if let directory = writeConfigs {
            try StandardConfigs.write(to: directory)
            print("wrote \(StandardConfigs.files.count) configs under \(directory)")
        } else if markdown {
            print(ObjectiveDescription.markdownTables, terminator: "")
        } else {
            print("Forget objectives (objective.forget.name; hyper-parameters objective.forget.KEY = default):")
            print(ObjectiveDescription.helpText(ObjectiveDescription.forget))
            print("\nRetain terms (objective.retain.name; added as objective.retain_weight × term):")
            print(ObjectiveDescription.helpText(ObjectiveDescription.retain))
        }
    }
}
