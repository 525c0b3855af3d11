import Experiments
import Foundation
import Testing
import Unlearning

@Suite("The standard configs under data/configs/")
struct StandardConfigTests {
    static let objectives = ObjectiveRegistry.forgetNames + ["npo_kl", "ga_gd", "wga_kl"]

    /// Every `.yaml` file under `data/configs/`, as paths relative to the repository root.
    var files: [String] {
        let root = ConfigTestSupport.repositoryRoot
        let configs = root + "/data/configs"
        let all = FileManager.default.enumerator(atPath: configs)?.compactMap { $0 as? String } ?? []
        return all.filter { $0.hasSuffix(".yaml") }.sorted().map { "data/configs/" + $0 }
    }

    @Test func theExpectedFilesAreThere() {
        var expected = Self.objectives.map { "data/configs/synthetic/\($0).yaml" }
        for split in ["forget01", "forget05", "forget10"] {
            expected += Self.objectives.map { "data/configs/tofu/\(split)/\($0).yaml" }
        }
        expected += ["A_npo", "A_simnpo", "B_npo", "B_simnpo"].map { "data/configs/markov/\($0).yaml" }
        expected += ["A_npo", "A_simnpo", "B_npo", "B_simnpo"].map { "data/configs/markov/reference/\($0).yaml" }
        expected += Self.objectives.map { "data/configs/smollm2/\($0).yaml" }
        #expect(Set(files) == Set(expected))
    }

    /// The committed files are exactly what `gscope objectives --write-configs data/configs`
    /// writes from the suites and the objective registry.
    @Test func theFilesAreGeneratedFromTheRegistry() throws {
        let root = ConfigTestSupport.repositoryRoot
        let generated = StandardConfigs.files
        #expect(Set(generated.map { "data/configs/" + $0.path }) == Set(files))
        var stale: [String] = []
        for file in generated {
            let committed = try? String(contentsOfFile: root + "/data/configs/" + file.path, encoding: .utf8)
            if committed != file.text { stale.append(file.path) }
        }
        #expect(
            stale.isEmpty,
            "\(stale.count) files differ from the generated text (first: \(stale.first ?? "")); run gscope objectives --write-configs data/configs"
        )
    }

    @Test func everyFileLoadsValidatesAndRoundTrips() throws {
        let root = ConfigTestSupport.repositoryRoot
        for file in files {
            let c = try ExperimentConfig.load(path: root + "/" + file)
            try c.validate()
            #expect(try ExperimentConfig.load(yaml: c.resolvedYAML) == c, "\(file) round-trips")

            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0].hasPrefix("# ") && lines[1].hasPrefix("# "), "\(file) starts with a comment")
            #expect(lines[1].contains("gscope unlearn --config \(file) --set run.steps=5"), "\(file)")

            let parts = file.dropFirst("data/configs/".count).dropLast(".yaml".count).split(separator: "/").map(String.init)
            #expect(c.name == parts.joined(separator: "-").replacingOccurrences(of: "_", with: "-"), "\(file)")
            #expect(c.run.out == "runs/\(c.name)")
            switch parts[0] {
            case "synthetic":
                #expect(c.data.dir == "runs/synthetic/data" && c.model.checkpoint == "runs/synthetic/target/checkpoint")
                #expect(c.data.tokenizer == "runs/synthetic/tokenizer.json" && c.data.forgetSplit == .forget01)
                try checkObjective(c, file: parts[1], tofu: false)
            case "tofu":
                #expect(c.data.dir == "../shared/data/tofu" && c.model.checkpoint == "runs/tofu/target/checkpoint")
                #expect(c.data.forgetSplit?.rawValue == parts[1] && c.data.retainSplit == c.data.forgetSplit?.complement)
                try checkObjective(c, file: parts[2], tofu: true)
            case "markov":
                // markov/A_npo.yaml: the pre-LN GPT on the whole forget set; markov/reference/A_npo.yaml:
                // SimNPO's own model on its fixed pool of 200, evaluated on every test sequence.
                let reference = parts[1] == "reference"
                let experiment = parts[reference ? 2 : 1].split(separator: "_").map(String.init)
                #expect(c.data.kind == .markov && c.data.markov.rawValue == experiment[0])
                #expect(c.optimizer.lr == 5e-4 && c.optimizer.eps == 1e-6 && c.optimizer.weightDecay == 0)
                #expect(c.run.forgetBatch == 4 && c.run.length == .steps(50) && c.eval.every == 1)
                #expect(c.objective.forget["beta"] == (experiment[1] == "npo" ? 1 : 2.5))
                let checkpoint = reference ? "runs/markov-reference/\(experiment[0])" : "runs/markov/\(experiment[0])"
                #expect(c.model.checkpoint == checkpoint + "/target/checkpoint", "\(file)")
                #expect(c.data.forgetPool == (reference ? 200 : 0), "\(file)")
                #expect(c.eval.markovTestSize == (reference ? 0 : 256), "\(file)")
            case "smollm2":
                #expect(c.data.dir == "runs/smollm2/data" && c.model.checkpoint == "runs/smollm2/target/checkpoint")
                #expect(c.data.tokenizer.hasSuffix(".gguf") && c.data.forgetSplit == .forget10)
                #expect(c.optimizer.lr == 5e-5 && c.eval.every > 0 && c.eval.holdoutSplit == "holdout10")
                try checkObjective(c, file: parts[1], tofu: true)
            default:
                Issue.record("unexpected folder \(file)")
            }
        }
    }

    /// The objective and its hyper-parameters match the file name and REFERENCE.md §2.
    func checkObjective(_ c: ExperimentConfig, file: String, tofu: Bool) throws {
        let combos = ["npo_kl": ("npo", "kl"), "ga_gd": ("ga", "gd"), "wga_kl": ("wga", "kl")]
        let (forget, retain) = combos[file] ?? (file, "none")
        #expect(c.objective.forget.name == forget && c.objective.retain.name == retain, "\(file)")
        let f = c.objective.forget
        switch forget {
        case "npo": #expect(f["beta"] == (tofu ? 0.1 : 1))
        case "simnpo":
            #expect((f["beta"] == 2.5 || (tofu && c.data.forgetSplit == .forget10 && f["beta"] == 4.5)) && f["gamma"] == 0)
        case "wga": #expect(f["alpha"] == 1)
        case "tnpo": #expect(f["beta"] == 4)
        case "wtnpo": #expect(f["beta"] == 4 && f["alpha"] == 1.5)
        case "satimp": #expect(f["beta1"] == 5 && f["beta2"] == 1)
        case "idkdpo": #expect(f["beta"] == 0.1)
        case "rmu": #expect(f["layer"] == nil && f["c"] == 2)
        case "undial": #expect(f["beta"] == 10)
        case "ga", "po": #expect(f.parameters is NoParameters)
        default:
            #expect(f.parameters.isEqual(to: f.term.defaultParameters), "\(file): a new objective's configs use its defaults")
        }
    }
}
