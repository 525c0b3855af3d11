import Experiments
import Foundation
import Testing
import Unlearning

@Suite("Experiment configs: defaults, resolved YAML, overrides")
struct ConfigLoadingTests {
    typealias S = ConfigTestSupport

    /// A config that sets every key, most of them away from the defaults.
    let full = """
        # every key
        name: full-run
        seed: 7
        threads: 1
        model:
          checkpoint: runs/x/checkpoint
        data:
          kind: qa
          dir: ../shared/data/tofu
          tokenizer: byte
          forget_split: forget05
          retain_split: retain90
          max_length: 96
          markov: B
        objective:
          forget:
            name: wtnpo
            beta: 4
            alpha: 1.5
            gamma: null
            beta1: null
            beta2: null
            layer: null
            c: null
          retain:
            name: rr
            layer: 2
          forget_weight: 0.25
          retain_weight: 2.0
        optimizer:
          name: sgd
          lr: 3.0e-4
          weight_decay: 0
          betas: [0.8, 0.95]
          eps: 1e-6
          max_grad_norm: 1.0
        schedule:
          name: linear
          warmup_steps: 0
        run:
          steps: null
          epochs: 3
          forget_batch: 8
          retain_batch: 16
          checkpoint_every: 5
          record_every: 2
          out: out/full
        """

    @Test func emptyFileGivesTheDefaults() throws {
        let c = try ExperimentConfig.load(yaml: "")
        #expect(c == ExperimentConfig.defaults)
        #expect(c.name == "experiment" && c.seed == 0 && c.threads == 2)
        #expect(c.model.checkpoint == "runs/synthetic/target/checkpoint")
        #expect(c.data.kind == .qa && c.data.forgetSplit == .forget01 && c.data.retainSplit == .retain99)
        #expect(c.data.maxLength == 128 && c.data.tokenizer == "runs/synthetic/tokenizer.json")
        #expect(c.objective.forget == .init(NPO.self) && c.objective.retain == .init())
        #expect(c.objective.forgetWeight == 1 && c.objective.retainWeight == 1)
        #expect(
            c.optimizer == .init(name: .adamw, lr: 1e-5, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8, maxGradNorm: nil))
        #expect(c.schedule == .init(name: .constant, warmupSteps: 0))
        #expect(c.run.length == .steps(20) && c.run.forgetBatch == 4 && c.run.retainBatch == 4)
        #expect(c.run.checkpointEvery == 0 && c.run.recordEvery == 1 && c.run.out == "runs/experiment")
        try ExperimentConfig.defaults.validate()
        // Empty sections keep their defaults too.
        #expect(try ExperimentConfig.load(yaml: "run:\nmodel:\n") == ExperimentConfig.defaults)
    }

    @Test func derivedDefaultsFollowTheirKeys() throws {
        let c = try ExperimentConfig.load(yaml: "data:\n  forget_split: forget10\n", file: "configs/my-run.yaml")
        #expect(c.name == "my-run" && c.run.out == "runs/my-run")
        #expect(c.data.retainSplit == .retain90)
        let e = try ExperimentConfig.load(yaml: "name: other\nrun:\n  epochs: 2\n", file: "configs/my-run.yaml")
        #expect(e.name == "other" && e.run.out == "runs/other")
        #expect(e.run.steps == nil && e.run.length == .epochs(2))
    }

    @Test func resolvedYAMLListsEveryKeyInSchemaOrder() throws {
        let text = ExperimentConfig.defaults.resolvedYAML
        let topLevel = text.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map { $0.split(separator: ":")[0] }
        #expect(topLevel == ["name", "seed", "threads", "model", "data", "objective", "optimizer", "schedule", "run", "eval"])
        #expect(
            text.contains(
                "objective:\n  forget:\n    name: npo\n    beta: 0.1\n  retain:\n    name: none\n  forget_weight: 1.0\n"),
            "the objective's own parameters, at their defaults, and nothing else")
        for line in [
            "  retain_split: retain99", "  lr: 1.0e-05",
            "  betas: [0.9, 0.999]", "  eps: 1.0e-08", "  max_grad_norm: null", "  epochs: null",
            "  forget_weight: 1.0", "  out: runs/experiment", "  markov_seed: 0", "  forget_pool: 0", "  chat_format: auto",
        ] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
        #expect(
            text.contains(
                "run:\n  steps: 20\n  epochs: null\n  forget_batch: 4\n  retain_batch: 4\n  checkpoint_every: 0\n  record_every: 1\n  geffect_retain_size: 100\n  geffect_forget_size: 0\n  risk_sets: []\n  risk_set_size: null\n  geffect_mode: exact\n  chunk: 16\n  interference_every: 0\n  interference_sets: [retain]\n  out: runs/experiment\n"
            ))
        #expect(
            text.hasSuffix(
                "eval:\n  every: 0\n  generate: true\n  retain_model: null\n  holdout_split: null\n  max_new_tokens: 200\n  markov_test_size: 256\n"
            ))
        #expect(text.contains("  retain_split: retain99\n  forget_file: null\n  retain_file: null\n  max_length: 128\n"))
        #expect(text.contains("  l1:\n    alpha: 0.0\n    schedule: linear\n    no_l1_epochs: 0\n"))
        #expect(text.contains("  mask:\n    method: none\n    ratio: 0.8\n    scope: global\n    gamma: 1.0e-06\n"))
        #expect(text.contains("  forget_subset: 0\n"))
        #expect(text.split(separator: "\n").count == 69, "one line per key and section")
    }

    @Test func aFullFileRoundTripsThroughResolvedYAML() throws {
        let c = try ExperimentConfig.load(yaml: full, file: "full.yaml")
        #expect(
            c.objective.forget
                == .init(
                    WTNPO.self,
                    {
                        var p = WTNPO.Parameters(); p.beta = 4; p.alpha = 1.5; return p
                    }()))
        #expect(
            c.objective.retain
                == .init(
                    RepresentationRetention.self,
                    {
                        var p = RepresentationRetention.Parameters(); p.layer = 2; return p
                    }()))
        #expect(c.optimizer.betas == [0.8, 0.95] && c.optimizer.eps == 1e-6 && c.optimizer.maxGradNorm == 1)
        #expect(c.run.length == .epochs(3) && c.run.out == "out/full" && c.data.retainSplit == .retain90)
        let text = c.resolvedYAML
        let again = try ExperimentConfig.load(yaml: text, file: "stored.yaml")
        #expect(again == c)
        #expect(again.resolvedYAML == text, "resolvedYAML is a fixed point")
        #expect(c.resolvedYAML == text, "and deterministic")
    }

    @Test func stringsThatLookLikeOtherTypesAreQuoted() throws {
        var c = ExperimentConfig.defaults
        c.name = "null"
        c.model.checkpoint = "1.5"
        c.data.dir = "yes"
        c.data.tokenizer = "a: b # c"
        c.run.out = "~"
        let text = c.resolvedYAML
        #expect(text.contains("name: \"null\"\n") && text.contains("checkpoint: \"1.5\"\n"), "\(text)")
        #expect(try ExperimentConfig.load(yaml: text) == c)
    }

    @Test func overridesSetNestedKeysListsAndNames() throws {
        let c = try ExperimentConfig.load(
            yaml: full, file: "full.yaml",
            overrides: [
                "objective.forget.beta=0.5", "run.epochs=null", "run.steps=40", "optimizer.betas=[0.9,0.95]",
                "data.forget_split=forget10", "objective.retain.name=kl", "objective.retain.layer=null",
                "optimizer.max_grad_norm=null", "name=renamed", "optimizer.lr=1e-3",
            ])
        #expect(c.objective.forget["beta"] == 0.5 && c.objective.forget["alpha"] == 1.5)
        #expect(c.run.length == .steps(40))
        #expect(c.optimizer.betas == [0.9, 0.95] && c.optimizer.maxGradNorm == nil && c.optimizer.lr == 1e-3)
        #expect(c.data.forgetSplit == .forget10 && c.data.retainSplit == .retain90)
        #expect(c.objective.retain == .init(RetainKL.self))
        #expect(c.name == "renamed" && c.run.out == "out/full", "an out written in the file stays")
        // The complement follows an overridden forget split when the file leaves retain_split out.
        let d = try ExperimentConfig.load(yaml: "", overrides: ["data.forget_split=forget05", "run.steps=40", "run.steps=41"])
        #expect(d.data.retainSplit == .retain95 && d.run.steps == 41, "the last override wins")
        // A value with '=' in it keeps everything after the first '='.
        #expect(try ExperimentConfig.load(yaml: "", overrides: ["run.out=runs/a=b"]).run.out == "runs/a=b")
    }

    @Test func typeErrorsNameTheLineOrTheOverride() throws {
        let e = try #require(S.loadError("seed: 0\nrun:\n  steps: ten\n"))
        #expect(e.kind == .wrongType && e.file == "test.yaml" && e.line == 3 && e.override == nil)
        #expect(e.keyPath == "run.steps" && e.message == "expected an integer, found 'ten'")
        #expect(e.description == "test.yaml:3: run.steps: expected an integer, found 'ten'")

        let o = try #require(S.loadError("seed: 1\n", ["run.steps=ten"]))
        #expect(o.kind == .wrongType && o.line == nil && o.override == "run.steps=ten" && o.keyPath == "run.steps")
        #expect(o.description == "test.yaml: --set run.steps=ten: run.steps: expected an integer, found 'ten'")

        let list = try #require(S.loadError("", ["optimizer.betas=[0.9,x]"]))
        #expect(list.keyPath == "optimizer.betas[1]" && list.message == "expected a number, found 'x'")
        let scalar = try #require(S.loadError("optimizer:\n  betas: 0.9\n"))
        #expect(scalar.line == 2 && scalar.message == "expected a list, found '0.9'")
        let quoted = try #require(S.loadError("optimizer:\n  lr: \"1e-5\"\n"))
        #expect(quoted.line == 2 && quoted.message == "expected a number, found the quoted string '1e-5'")
        let section = try #require(S.loadError("model: 3\n"))
        #expect(section.kind == .wrongType && section.line == 1 && section.keyPath == "model")
        #expect(section.message == "expected a mapping of checkpoint, found '3'")
        let null = try #require(S.loadError("threads: null\n"))
        #expect(null.kind == .wrongType && null.line == 1 && null.message.hasPrefix("must not be null"))
        let nullOverride = try #require(S.loadError("", ["seed=null"]))
        #expect(nullOverride.kind == .wrongType && nullOverride.override == "seed=null")
        let top = try #require(S.loadError("- 1\n- 2\n"))
        #expect(top.kind == .wrongType && top.line == 1 && top.message.contains("found a list"))
    }

    @Test func unknownKeysNameTheirLine() throws {
        let e = try #require(S.loadError("seed: 0\nobjective:\n  forget:\n    name: npo\n    bta: 0.5\n"))
        #expect(e.kind == .unknownKey && e.line == 5 && e.keyPath == "objective.forget.bta")
        let keys = ["name"] + ObjectiveRegistry.forgetParameterKeys
        #expect(e.message == "unknown key 'bta' (expected one of: \(keys.joined(separator: ", ")))")
        #expect(Set(keys).isSuperset(of: ["beta", "gamma", "delta", "alpha", "layer", "c"]))
        #expect(e.description.hasPrefix("test.yaml:5: objective.forget.bta: unknown key 'bta'"))
        let top = try #require(S.loadError("\n\nlr: 1\n"))
        #expect(top.kind == .unknownKey && top.line == 3 && top.keyPath == "lr")

        let o = try #require(S.loadError("", ["run.stepz=40"]))
        #expect(o.kind == .unknownKey && o.override == "run.stepz=40" && o.keyPath == "run.stepz" && o.line == nil)
        let deep = try #require(S.loadError("", ["run.steps.x=1"]))
        #expect(deep.kind == .unknownKey && deep.message == "run.steps has no keys")
        let section = try #require(S.loadError("", ["objective=npo"]))
        #expect(section.kind == .wrongType && section.message.hasPrefix("is a section"))
        let twice = try #require(S.loadError("seed: 1\nseed: 2\n"))
        #expect(twice.kind == .unknownKey && twice.message.contains("'seed' given twice"))
    }

    @Test func unknownNamesListTheAcceptedOnes() throws {
        let e = try #require(S.loadError("objective:\n  forget:\n    name: npx\n"))
        #expect(e.kind == .unknownName && e.line == 3 && e.keyPath == "objective.forget.name")
        #expect(
            e.message == "unknown forget objective 'npx' (expected one of: "
                + ObjectiveRegistry.forgetNames.joined(separator: ", ") + ")")
        #expect(ObjectiveRegistry.retainNames.first == "none")
        let cases: [(String, String, String)] = [
            ("objective.retain.name=l2", "objective.retain.name", "unknown retain term 'l2'"),
            ("optimizer.name=adam", "optimizer.name", "unknown optimizer 'adam' (expected one of: adamw, sgd)"),
            ("schedule.name=cosine", "schedule.name", "unknown schedule 'cosine' (expected one of: constant, linear)"),
            ("data.kind=text", "data.kind", "unknown data kind 'text' (expected one of: qa, markov)"),
            ("data.forget_split=forget02", "data.forget_split", "unknown forget split 'forget02'"),
            ("data.retain_split=retain60", "data.retain_split", "unknown retain split 'retain60'"),
            ("data.markov=C", "data.markov", "unknown Markov experiment 'C' (expected one of: A, B)"),
        ]
        for (override, keyPath, message) in cases {
            let o = try #require(S.loadError("", [override]))
            #expect(o.kind == .unknownName && o.keyPath == keyPath && o.override == override, "\(o)")
            #expect(o.message.hasPrefix(message), "\(o)")
        }
    }

    @Test func stepsAndEpochsCannotBothBeSet() throws {
        let e = try #require(S.loadError("run:\n  steps: 10\n  epochs: 2\n"))
        #expect(e.kind == .conflict && e.keyPath == "run.epochs" && e.line == 3)
        #expect(e.message.hasPrefix("set only one of run.steps and run.epochs"))
        let o = try #require(S.loadError("run:\n  steps: 10\n", ["run.epochs=2"]))
        #expect(o.kind == .conflict && o.override == "run.epochs=2")
        let c = try ExperimentConfig.load(yaml: "run:\n  steps: 10\n", overrides: ["run.steps=null", "run.epochs=2"])
        #expect(c.run.length == .epochs(2))
    }

    @Test func valuesOutOfRange() throws {
        let cases: [(String, String, ConfigError.Kind, Int?)] = [
            ("optimizer:\n  lr: 0\n", "optimizer.lr", .outOfRange, 2),
            ("optimizer:\n  lr: -1.0e-5\n", "optimizer.lr", .outOfRange, 2),
            ("optimizer:\n  lr: .inf\n", "optimizer.lr", .outOfRange, 2),
            ("optimizer:\n  eps: 0\n", "optimizer.eps", .outOfRange, 2),
            ("optimizer:\n  betas: [0.9]\n", "optimizer.betas", .outOfRange, 2),
            ("optimizer:\n  betas: [0.9, 1.0]\n", "optimizer.betas", .outOfRange, 2),
            ("optimizer:\n  max_grad_norm: 0\n", "optimizer.max_grad_norm", .outOfRange, 2),
            ("run:\n  forget_batch: 0\n", "run.forget_batch", .outOfRange, 2),
            ("run:\n  retain_batch: -1\n", "run.retain_batch", .outOfRange, 2),
            ("run:\n  steps: 0\n", "run.steps", .outOfRange, 2),
            ("run:\n  record_every: -1\n", "run.record_every", .outOfRange, 2),
            ("threads: 0\n", "threads", .outOfRange, 1),
            ("model:\n  checkpoint: ''\n", "model.checkpoint", .outOfRange, 2),
            ("data:\n  max_length: 0\n", "data.max_length", .outOfRange, 2),
            ("data:\n  forget_split: forget05\n  retain_split: retain99\n", "data.retain_split", .conflict, 3),
            ("objective:\n  forget:\n    beta: 0\n", "objective.forget.beta", .outOfRange, 3),
            ("objective:\n  forget:\n    name: rmu\n    layer: -1\n", "objective.forget.layer", .outOfRange, 4),
            ("objective:\n  forget:\n    alpha: 1\n", "objective.forget.alpha", .conflict, 3),
            ("objective:\n  retain:\n    name: kl\n    layer: 1\n", "objective.retain.layer", .conflict, 4),
            ("objective:\n  forget_weight: .inf\n", "objective.forget_weight", .outOfRange, 2),
            ("objective:\n  l1:\n    alpha: -1\n", "objective.l1.alpha", .outOfRange, 3),
            ("optimizer:\n  mask:\n    ratio: 0\n", "optimizer.mask.ratio", .outOfRange, 3),
            ("data:\n  forget_subset: -2\n", "data.forget_subset", .outOfRange, 2),
            ("schedule:\n  warmup_steps: 5\n", "schedule.warmup_steps", .conflict, 2),
            ("schedule:\n  name: linear\n  warmup_steps: 50\n", "schedule.warmup_steps", .outOfRange, 3),
        ]
        for (yaml, keyPath, kind, line) in cases {
            let e = try #require(S.loadError(yaml), "\(yaml) loads")
            #expect(e.kind == kind && e.keyPath == keyPath && e.line == line, "\(yaml) → \(e)")
        }
        let param = try #require(S.loadError("", ["objective.forget.name=ga", "objective.forget.beta=1"]))
        #expect(param.message == "ga does not read beta (it takes no hyper-parameters); leave it null")
        #expect(param.override == "objective.forget.beta=1")
        // A config changed in code is checked by validate().
        var c = ExperimentConfig.defaults
        c.run.forgetBatch = 0
        let v = try #require(S.configError { try c.validate(file: "cli") })
        #expect(v.description == "cli: run.forget_batch: must be at least 1, got 0")
    }

    @Test func syntaxAndFileErrors() throws {
        let e = try #require(S.loadError("seed: 0\noptimizer:\n  betas: [0.9, 0.99\n"))
        #expect(e.kind == .syntax && e.line != nil && e.message.hasPrefix("not valid YAML"), "\(e)")
        let noValue = try #require(S.loadError("", ["run.steps="]))
        #expect(noValue.kind == .syntax && noValue.message.hasPrefix("no value after '='"))
        let noEquals = try #require(S.loadError("", ["run.steps"]))
        #expect(noEquals.kind == .syntax && noEquals.message == "expected key.path=value")
        let emptyKey = try #require(S.loadError("", ["run..steps=1"]))
        #expect(emptyKey.kind == .syntax)
        let missing = try #require(S.configError { _ = try ExperimentConfig.load(path: "/nonexistent/x.yaml") })
        #expect(missing.kind == .unreadable && missing.file == "/nonexistent/x.yaml")
    }

    /// A YAML syntax error gives its line and column (issue 15, finding 10c: the column was missing).
    @Test func aSyntaxErrorGivesLineAndColumn() throws {
        let e = try #require(S.loadError("seed: 0\noptimizer:\n  betas: [0.9, 0.99\n"))
        #expect(e.line == 4 && e.column == 1, "\(e)")
        #expect(e.description.hasPrefix("test.yaml:4:1: not valid YAML"), "\(e)")
        let mid = try #require(S.loadError("seed: 0\nname: a: b\n"))
        #expect(mid.line == 2 && mid.column == 8 && mid.description.hasPrefix("test.yaml:2:8: "), "\(mid)")
        // An override has no line in the file, so no column either.
        let override = try #require(S.loadError("", ["run.steps=[1"]))
        #expect(
            override.line == nil && override.column == nil && override.description.hasPrefix("test.yaml: --set"), "\(override)")
    }

    /// Thread counts outside 1…256 are refused by the config, naming the key (issue 15, finding 4:
    /// `threads: 65` used to pass and trap in the worker pool; the pool takes up to 256 now).
    @Test func threadCountsOutsideOneTo256AreRefused() throws {
        for n in [1, 2, 65, 256] {
            #expect(try ExperimentConfig.load(yaml: "threads: \(n)\n").threads == n)
            #expect(ThreadCount.problem(n) == nil)
        }
        for n in [0, -1, 257, 1 << 40] {
            let e = try #require(S.loadError("threads: \(n)\n"), "threads: \(n) passed")
            #expect(e.kind == .outOfRange && e.keyPath == "threads" && e.line == 1, "\(e)")
            #expect(e.message == "must be between 1 and 256, got \(n)", "\(e)")
            let o = try #require(S.loadError("", ["threads=\(n)"]))
            #expect(o.description == "test.yaml: --set threads=\(n): threads: must be between 1 and 256, got \(n)", "\(o)")
        }
    }

    @Test func loadingAFileDerivesTheNameFromIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gscope-config-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("quick-npo.yaml").path
        try "objective:\n  forget:\n    name: npo\n    beta: 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let c = try ExperimentConfig.load(path: path, overrides: ["run.steps=5"])
        #expect(c.name == "quick-npo" && c.run.out == "runs/quick-npo" && c.run.steps == 5 && c.objective.forget["beta"] == 1)
        try "run:\n  stepz: 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let e = try #require(S.configError { _ = try ExperimentConfig.load(path: path) })
        #expect(e.description.hasPrefix("\(path):2: run.stepz: unknown key 'stepz'"))
        try? FileManager.default.removeItem(at: dir)
    }
}
