import Foundation
import Unlearning

/// The configs under `data/configs/`, written from a few suites and the objective registry: one
/// file per suite and objective (plus the combinations NPO+KL, GA+GD and WGA+KL), each objective
/// block listing the objective's own parameters with their meaning. `gscope objectives
/// --write-configs data/configs` rewrites them; a test checks that the committed files are what
/// this writes. A new objective gets its configs without editing anything here.
package enum StandardConfigs {
    /// One folder of configs sharing everything but the objective.
    struct Suite {
        /// The folder under `data/configs/`, e.g. `tofu/forget05`.
        var folder: String
        /// The file stem and run name of one objective: `npo` → (`npo`, `tofu-forget05-npo`).
        var stem: (String) -> String
        var runName: (String) -> String
        /// What is unlearned, for the first comment line.
        var what: String
        /// The end of the first comment line, after the objective.
        var lineEnd: String
        /// After the `--set run.steps=5` of the second comment line.
        var runNote: String = ""
        /// The objectives (file stems) of the suite.
        var objectives: [String]
        /// Values other than the objective's defaults: objective → key → value.
        var values: [String: [String: Double]] = [:]
        /// The YAML before `objective:` (after `name:`) and after the objective block, with
        /// `{out}` for the output directory.
        var yamlBeforeObjective: String
        var yamlAfterObjective: String
    }

    /// Every forget objective, then the combinations with a retain term.
    static var everyObjective: [String] { ObjectiveRegistry.forgetNames + combinations.keys.sorted() }

    /// The combinations of a forget objective and a retain term: stem → (forget, retain).
    static let combinations = ["npo_kl": ("npo", "kl"), "ga_gd": ("ga", "gd"), "wga_kl": ("wga", "kl")]

    static func qaHead(checkpoint: String, dir: String, tokenizer: String, split: String) -> String {
        """
        seed: 0
        threads: 2
        model:
          checkpoint: \(checkpoint)
        data:
          kind: qa
          dir: \(dir)
          tokenizer: \(tokenizer)
          forget_split: \(split)
          retain_split: null   # the complement
          max_length: 128

        """
    }

    static func optimizer(lr: String, weightDecay: String = "0.01", eps: String = "1.0e-8") -> String {
        """
        optimizer:
          name: adamw
          lr: \(lr)
          weight_decay: \(weightDecay)
          betas: [0.9, 0.999]
          eps: \(eps)
          max_grad_norm: null
        schedule:
          name: constant
          warmup_steps: 0

        """
    }

    static let shortRun = """
        run:
          steps: 20
          forget_batch: 4
          retain_batch: 4
          checkpoint_every: 0
          record_every: 1
          out: {out}

        """

    static var suites: [Suite] {
        var suites = [
            Suite(
                folder: "synthetic", stem: { $0 }, runName: { "synthetic-\($0)" },
                what: "the synthetic benchmark's forget01 authors", lineEnd: ", from runs/synthetic/target/checkpoint",
                objectives: everyObjective, values: ["npo": ["beta": 1]],
                yamlBeforeObjective: qaHead(
                    checkpoint: "runs/synthetic/target/checkpoint", dir: "runs/synthetic/data",
                    tokenizer: "runs/synthetic/tokenizer.json", split: "forget01"),
                yamlAfterObjective: optimizer(lr: "1.0e-4") + shortRun)
        ]
        for split in ["forget01", "forget05", "forget10"] {
            suites.append(
                Suite(
                    folder: "tofu/\(split)", stem: { $0 }, runName: { "tofu-\(split)-\($0)" },
                    what: "TOFU's \(split) authors", lineEnd: ", from runs/tofu/target/checkpoint",
                    objectives: everyObjective, values: split == "forget10" ? ["simnpo": ["beta": 4.5]] : [:],
                    yamlBeforeObjective: qaHead(
                        checkpoint: "runs/tofu/target/checkpoint", dir: "../shared/data/tofu",
                        tokenizer: "runs/tofu/tokenizer.json", split: split),
                    yamlAfterObjective: optimizer(lr: "1.0e-5") + shortRun))
        }
        for experiment in ["A", "B"] {
            suites.append(
                Suite(
                    folder: "markov", stem: { "\(experiment)_\($0)" }, runName: { "markov-\(experiment)-\($0)" },
                    what: "forget1 ∪ forget2 of SimNPO's Markov experiment \(experiment)",
                    lineEnd: ", 50 AdamW steps (REFERENCE.md §4)",
                    objectives: ["npo", "simnpo"], values: ["npo": ["beta": 1]],
                    yamlBeforeObjective: """
                        seed: 0
                        threads: 2
                        model:
                          checkpoint: runs/markov/\(experiment)/target/checkpoint
                        data:
                          kind: markov
                          dir: runs/markov/\(experiment)
                          tokenizer: byte
                          max_length: 20
                          markov: \(experiment)

                        """,
                    yamlAfterObjective: optimizer(lr: "5.0e-4", weightDecay: "0.0", eps: "1.0e-6") + """
                        run:
                          steps: 50
                          forget_batch: 4
                          retain_batch: 4
                          checkpoint_every: 0
                          record_every: 1
                          geffect_forget_size: 256
                          out: {out}
                        eval:
                          every: 1
                          markov_test_size: 256

                        """))
        }
        for experiment in ["A", "B"] {
            suites.append(markovReferenceSuite(experiment))
        }
        suites.append(
            Suite(
                folder: "smollm2", stem: { $0 }, runName: { "smollm2-\($0)" },
                what: "2 of the 20 synthetic authors SmolLM2-135M-Instruct was fine-tuned on", lineEnd: "",
                runNote: " (after smollm2_unlearn.sh fine-tuned the target)", objectives: everyObjective,
                yamlBeforeObjective: qaHead(
                    checkpoint: "runs/smollm2/target/checkpoint", dir: "runs/smollm2/data",
                    tokenizer: "models/SmolLM2-135M-Instruct.Q4_1.gguf", split: "forget10"),
                yamlAfterObjective: optimizer(lr: "5.0e-5") + """
                    run:
                      steps: 10
                      forget_batch: 4
                      retain_batch: 4
                      checkpoint_every: 0
                      record_every: 2
                      geffect_retain_size: 16
                      out: {out}
                    eval:
                      every: 10
                      holdout_split: holdout10
                      max_new_tokens: 64

                    """))
        return suites
    }

    /// SimNPO's reference protocol on its own model (`--model markov-reference`, REFERENCE §4):
    /// the model pre-trained as the other Markov configs' (`gscope train --markov A --model
    /// markov-reference`), then 50 AdamW steps (lr 5e-4, ε 1e-6, no weight decay) of batch 4 from a
    /// fixed pool of 200 forget sequences (`data.forget_pool`), evaluated after every step on every
    /// test sequence, as its public code does.
    static func markovReferenceSuite(_ experiment: String) -> Suite {
        Suite(
            folder: "markov/reference", stem: { "\(experiment)_\($0)" }, runName: { "markov-reference-\(experiment)-\($0)" },
            what:
                "a pool of 200 forget1 ∪ forget2 sequences of SimNPO's Markov experiment \(experiment) from its reference model",
            lineEnd: ", 50 AdamW steps of batch 4 as its public code (REFERENCE.md §4)",
            runNote:
                " (after gscope train --markov \(experiment) --model markov-reference --out runs/markov-reference/\(experiment)/target)",
            objectives: ["npo", "simnpo"], values: ["npo": ["beta": 1]],
            yamlBeforeObjective: """
                seed: 0
                threads: 2
                model:
                  checkpoint: runs/markov-reference/\(experiment)/target/checkpoint
                data:
                  kind: markov
                  dir: runs/markov-reference/\(experiment)
                  tokenizer: byte
                  max_length: 20
                  markov: \(experiment)
                  forget_pool: 200

                """,
            yamlAfterObjective: optimizer(lr: "5.0e-4", weightDecay: "0.0", eps: "1.0e-6") + """
                run:
                  steps: 50
                  forget_batch: 4
                  retain_batch: 4
                  checkpoint_every: 0
                  record_every: 1
                  geffect_forget_size: 0
                  out: {out}
                eval:
                  every: 1
                  markov_test_size: 0

                """)
    }

    /// Every standard config: its path under `data/configs/` and its text.
    package static var files: [(path: String, text: String)] {
        suites.flatMap { suite in
            suite.objectives.map { objective in
                let stem = suite.stem(objective), name = suite.runName(objective).replacingOccurrences(of: "_", with: "-")
                let path = "\(suite.folder)/\(stem).yaml"
                let (forget, retain) = combinations[objective] ?? (objective, ObjectiveRegistry.noRetainTerm)
                guard let entry = ObjectiveDescription.forget.first(where: { $0.name == forget }) else {
                    preconditionFailure("\(forget) is not a registered objective")
                }
                let values = suite.values[forget] ?? [:]
                func value(_ p: ObjectiveDescription.Parameter) -> String {
                    values[p.key].map(NodeEncoder.format) ?? p.defaultText
                }
                let settings = entry.parameters.map { "\($0.key) \(value($0))" }.joined(separator: ", ")
                var described = forget + (settings.isEmpty ? "" : " (\(settings))")
                if retain != ObjectiveRegistry.noRetainTerm { described += " and the \(retain) retain term" }
                var text = "# Unlearns \(suite.what) with \(described)\(suite.lineEnd).\n"
                text += "# Run: gscope unlearn --config data/configs/\(path) --set run.steps=5\(suite.runNote)\n"
                text +=
                    "name: \(name)\n" + suite.yamlBeforeObjective
                    + "objective:\n  forget:\n    name: \(forget)   # \(entry.summary)\n"
                for p in entry.parameters { text += "    \(p.key): \(value(p))   # \(p.summary)\n" }
                text += "  retain:\n    name: \(retain)\n  forget_weight: 1.0\n  retain_weight: 1.0\n"
                text += suite.yamlAfterObjective.replacingOccurrences(of: "{out}", with: "runs/\(name)")
                return (path, text)
            }
        }
    }

    /// Writes every standard config under `directory` (replacing files of the same name).
    package static func write(to directory: String) throws {
        for file in files {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.text.write(to: url, atomically: true, encoding: .utf8)
        }
    }
}
