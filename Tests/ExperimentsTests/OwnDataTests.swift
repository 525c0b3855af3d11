import Datasets
import Experiments
import Foundation
import NumericCore
import Store
import Testing
import TestSupport
import Unlearning

/// Forget and retain sets of the user's own (`data.forget_file`, `data.retain_file`,
/// `gscope unlearn --forget-file/--retain-file`), the larger TOFU splits, and risk sets from files:
/// the config keys, their refusals, the batches they give and a text-mode run's G-effects.
@Suite("Own forget and retain data")
struct OwnDataTests {
    typealias S = ConfigTestSupport

    /// A generated benchmark (20 authors) and a small random checkpoint for the byte tokenizer.
    static let setup = syntheticRunSetup("own-data")

    /// Texts of the generated benchmark: each author's answers joined, so that a text is longer
    /// than a window of 128 bytes and is cut into several.
    static func texts(authors: Range<Int>) throws -> [String] {
        let full = try TOFUDirectory(path: setup.data).load(.full)
        return authors.map { a in full[(a * 20)..<(a * 20 + 20)].map(\.answer).joined(separator: " ") }
    }

    /// A JSON-lines file of `{"text": …}` rows.
    static func textFile(_ texts: [String], _ name: String) throws -> String {
        let path = temporaryDirectory("own-data-files") + "/" + name
        let lines = try texts.map { String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: - The config keys

    @Test func theFileKeysLoadAndRoundTrip() throws {
        let c = try ExperimentConfig.load(
            yaml: "data:\n  forget_file: own/forget.jsonl\n  retain_file: own/retain.jsonl\n", file: "own.yaml")
        #expect(c.data.forgetFile == "own/forget.jsonl" && c.data.retainFile == "own/retain.jsonl")
        #expect(c.data.forgetSplit == nil && c.data.retainSplit == nil, "a file names the set: no split stands in")
        let yaml = c.resolvedYAML
        #expect(
            yaml.contains(
                "  forget_split: null\n  retain_split: null\n  forget_file: own/forget.jsonl\n  retain_file: own/retain.jsonl\n"),
            "\(yaml)")
        #expect(try ExperimentConfig.load(yaml: yaml, file: "own.yaml") == c)

        // A file beside a split: the other set comes from the TOFU directory.
        let mixed = try ExperimentConfig.load(yaml: "data:\n  forget_file: f.jsonl\n  retain_split: retain90\n")
        #expect(mixed.data.forgetSplit == nil && mixed.data.retainSplit == .retain90 && mixed.data.retainFile == nil)
        let other = try ExperimentConfig.load(yaml: "", overrides: ["data.forget_split=forget05", "data.retain_file=r.jsonl"])
        #expect(other.data.forgetSplit == .forget05 && other.data.retainSplit == nil && other.data.retainFile == "r.jsonl")
        // Without files nothing changes: forget01 and its complement.
        let plain = try ExperimentConfig.load(yaml: "")
        #expect(plain.data.forgetSplit == .forget01 && plain.data.retainSplit == .retain99 && plain.data.forgetFile == nil)
    }

    @Test func theLargerTOFUSplitsLoadWithTheirComplement() throws {
        for (forget, retain) in [
            ("forget20", "retain80"), ("forget30", "retain70"), ("forget50", "retain50"), ("forget90", "retain10"),
        ] {
            let c = try ExperimentConfig.load(yaml: "data:\n  forget_split: \(forget)\n")
            #expect(c.data.forgetSplit?.rawValue == forget && c.data.retainSplit?.rawValue == retain)
        }
        let overlap = try #require(S.loadError("data:\n  forget_split: forget20\n  retain_split: retain90\n"))
        #expect(overlap.kind == .conflict && overlap.keyPath == "data.retain_split" && overlap.line == 3, "\(overlap)")
        #expect(overlap.message == "retain90 overlaps forget20 (use retain80 or a smaller retain split)")
        #expect(
            try ExperimentConfig.load(yaml: "data:\n  forget_split: forget20\n  retain_split: retain10\n").data.retainSplit
                == .retain10)
    }

    @Test func badCombinationsNameTheirKeys() throws {
        let cases: [(yaml: String, overrides: [String], keyPath: String, line: Int?, message: String)] = [
            (
                "data:\n  forget_split: forget05\n  forget_file: f.jsonl\n", [], "data.forget_file", 3,
                "data.forget_file and data.forget_split (forget05) both name the forget set"
            ),
            (
                "data:\n  retain_split: retain90\n  forget_file: f.jsonl\n  retain_file: r.jsonl\n", [], "data.retain_file", 4,
                "data.retain_file and data.retain_split (retain90) both name the retain set"
            ),
            (
                "data:\n  forget_file: f.jsonl\n", [], "data.retain_file", nil,
                "a forget set from data.forget_file has no complement split"
            ),
            (
                "data:\n  kind: markov\n  forget_file: f.jsonl\n", [], "data.forget_file", 3,
                "Markov runs generate their sequences"
            ),
            ("data:\n  forget_file: ''\n  retain_file: r.jsonl\n", [], "data.forget_file", 2, "must not be empty"),
            (
                "data:\n  forget_file: f.jsonl\n  retain_file: r.jsonl\n", ["eval.every=5"], "eval.every", nil,
                "TOFU's metric suite evaluates a TOFU forget split"
            ),
            ("data:\n  forget_file: [a, b]\n", [], "data.forget_file", 2, "expected a single value, found a list"),
        ]
        for c in cases {
            let e = try #require(S.loadError(c.yaml, c.overrides), "\(c.yaml) loads")
            #expect(e.keyPath == c.keyPath && e.line == c.line, "\(c.yaml) → \(e)")
            #expect(e.message.hasPrefix(c.message), "\(c.yaml) → \(e)")
        }
        // The override that asks for evaluation is named.
        let o = try #require(S.loadError("data:\n  forget_file: f.jsonl\n  retain_file: r.jsonl\n", ["eval.every=5"]))
        #expect(o.override == "eval.every=5")
        // A config file's own eval.every (the SmolLM2 configs evaluate) is dropped for a forget file.
        let c = try ExperimentConfig.load(yaml: "data:\n  forget_file: f.jsonl\n  retain_file: r.jsonl\neval:\n  every: 5\n")
        #expect(c.eval.every == 0)
        // A config changed in code is checked by validate().
        var v = ExperimentConfig.defaults
        v.data.forgetFile = "f.jsonl"
        let both = try #require(S.configError { try v.validate(file: "cli") })
        #expect(both.keyPath == "data.forget_file" && both.message.contains("data.forget_split (forget01)"))
    }

    // MARK: - The data

    /// The config of a run on the generated benchmark, with `more` overrides.
    static func config(_ more: [String], out: String = temporaryDirectory("own-data-out")) throws -> ExperimentConfig {
        try ExperimentConfig.load(
            yaml: "",
            overrides: [
                "model.checkpoint=\(setup.checkpoint)", "data.dir=\(setup.data)", "data.tokenizer=byte",
                "data.forget_split=forget10", "data.max_length=128", "run.geffect_retain_size=8", "run.steps=2",
                "optimizer.lr=1.0e-3", "run.out=\(out)",
            ] + more)
    }

    static func load(_ config: ExperimentConfig, refusals: Bool = false) throws -> ExperimentData {
        var rng = RNG(seed: 5)
        return try ExperimentData.load(
            config.data, blockSize: 320, refusals: refusals, riskSets: config.run.riskSets, rng: &rng)
    }

    @Test func aQuestionAnswerFileGivesTheSplitsBatchesBitForBit() throws {
        // The split's rows rewritten: other key order, extra keys, a blank line.
        let dir = temporaryDirectory("own-data-qa")
        let items = try TOFUDirectory(path: Self.setup.data).load(.forget10)
        var lines: [String] = []
        func json(_ text: String) throws -> String { String(decoding: try JSONEncoder().encode(text), as: UTF8.self) }
        for (i, item) in items.enumerated() {
            lines.append(#"{"id": \#(i), "answer": \#(try json(item.answer)), "question": \#(try json(item.question))}"#)
            if i == 3 { lines.append("") }
        }
        try lines.joined(separator: "\n").write(toFile: dir + "/forget.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.setup.data + "/retain90.json", toPath: dir + "/retain.json")

        let split = try Self.load(try Self.config([]), refusals: true)
        let file = try Self.load(
            try Self.config([
                "data.forget_split=null", "data.forget_file=\(dir)/forget.jsonl", "data.retain_file=\(dir)/retain.json",
            ]), refusals: true)
        let a = split.unlearning, b = file.unlearning
        #expect(a.forget.count == 40 && b.forget.count == 40 && a.retain.count == 360)
        #expect(a.forget == b.forget && a.retain == b.retain && a.refusal == b.refusal, "ids, answer spans and refusal draws")
        let indices = Array(0..<8)
        func batch(_ x: UnlearningData) -> ObjectiveBatch {
            ObjectiveBatch(
                forget: indices.map { x.forget[$0] }, forgetIndices: indices, refusal: indices.map { x.refusal[$0] },
                retain: Array(x.retain.prefix(8)), padding: x.padding, fixedLength: x.sequenceLength)
        }
        let p = batch(a), q = batch(b)
        #expect(p.tokens == q.tokens, "tokens, targets and masks of one step's batch")
        #expect(p.tokens.mask.contains(0) && p.tokens.maskedCount > 0, "the answer-only mask")
        #expect(file.summary.hasPrefix("forget \(dir)/forget.jsonl (40 question–answer items); retain \(dir)/retain.json"))
    }

    @Test func textFilesGiveWindowsWithEveryTokenInTheLoss() throws {
        let forgetTexts = try Self.texts(authors: 18..<20), retainTexts = try Self.texts(authors: 0..<3)
        let forget = try Self.textFile(forgetTexts, "forget.jsonl"), retain = try Self.textFile(retainTexts, "retain.jsonl")
        let config = try Self.config(["data.forget_split=null", "data.forget_file=\(forget)", "data.retain_file=\(retain)"])
        let data = try Self.load(config)
        let tokens = forgetTexts.map { $0.utf8.count }
        #expect(data.unlearning.forget.count == tokens.map { ($0 + 127) / 128 }.reduce(0, +))
        #expect(data.unlearning.forget.flatMap { $0.ids.dropFirst() } == forgetTexts.flatMap { ByteTokenizer().encode($0) })
        #expect(data.unlearning.forget.allSatisfy { $0.length <= 128 && $0.mask.allSatisfy { $0 == 1 } })
        #expect(data.unlearning.retain.reduce(0) { $0 + $1.length } == retainTexts.reduce(0) { $0 + $1.utf8.count })
        #expect(
            data.summary.contains("(2 texts: \(data.unlearning.forget.count) windows of at most 128 tokens"), "\(data.summary)")

        // PO and IdkDPO answer forget questions with refusals: a text file has none.
        let refused = try #require(throws: DataError.self) { _ = try Self.load(config, refusals: true) }
        #expect(refused.file == forget && refused.message.contains("text rows, which have no question"), "\(refused)")
    }

    @Test func riskSetsFromFilesBesideSplits() throws {
        let extra = try Self.textFile(try Self.texts(authors: 5..<6), "my_set.jsonl")
        let data = try Self.load(try Self.config(["run.risk_sets=[world_facts, \(extra)]"]))
        #expect(data.extraRiskSets.map(\.name) == ["world_facts", "my_set"])
        #expect(data.extraRiskSets[1].samples.allSatisfy { $0.mask.allSatisfy { $0 == 1 } })
        // Two sets of one name, and an entry that is neither a split nor a file.
        let twice = try #require(throws: DataError.self) {
            _ = try Self.load(try Self.config(["run.risk_sets=[\(extra), \(extra)]"]))
        }
        #expect(twice.message.contains("a risk set named 'my_set' is already measured"), "\(twice)")
        let unknown = try #require(throws: DataError.self) { _ = try Self.load(try Self.config(["run.risk_sets=[wiki]"])) }
        #expect(unknown.message.contains("'wiki' is not a TOFU split") && unknown.message.contains("nor a JSON-lines file"))
        let bad = try Self.textFile([""], "bad.jsonl")
        let line = try #require(throws: DataError.self) { _ = try Self.load(try Self.config(["run.risk_sets=[\(bad)]"])) }
        #expect(line.file == bad && line.line == 1, "\(line)")
    }

    // MARK: - A text-mode run

    @Test func aTextRunMeasuresGEffectsOnEveryToken() throws {
        let forgetTexts = try Self.texts(authors: 17..<20), retainTexts = try Self.texts(authors: 0..<4)
        let forget = try Self.textFile(forgetTexts, "forget.jsonl"), retain = try Self.textFile(retainTexts, "retain.jsonl")
        let out = temporaryDirectory("own-data-text-run")
        let config = try Self.config(
            [
                "data.forget_split=null", "data.forget_file=\(forget)", "data.retain_file=\(retain)",
                "objective.forget.name=npo", "objective.retain.name=gd", "run.risk_sets=[world_facts]",
            ], out: out)
        let experiment = try UnlearningExperiment(config: config)
        _ = try experiment.run(into: out) { _, _ in }
        let windows = experiment.data.unlearning.forget
        let tokens = windows.reduce(0) { $0 + $1.length }
        print(
            "text-mode run: \(forgetTexts.count) forget texts (\(forgetTexts.map(\.utf8.count)) bytes) → \(windows.count) windows, "
                + "\(tokens) forget tokens; \(retainTexts.count) retain texts → \(experiment.data.unlearning.retain.count) windows; "
                + "run.h5 \((try FileManager.default.attributesOfItem(atPath: out + "/run.h5")[.size] as? Int) ?? -1) bytes")

        let root = try H5File.open(out + "/run.h5").root
        let mask = try root.read("data/forget/mask", as: Float.self)
        let N = windows.count, T = mask.shape[1]
        #expect(mask.shape == [N, T])
        for (i, w) in windows.enumerated() {
            let row = mask.values[(i * T)..<((i + 1) * T)]
            #expect(row.prefix(w.length).allSatisfy { $0 == 1 } && row.dropFirst(w.length).allSatisfy { $0 == 0 }, "window \(i)")
        }
        for set in ["forget", "retain", "world_facts"] {
            let token = try root.read("geffect/\(set)/token", as: Double.self)
            let instance = try root.read("geffect/\(set)/instance", as: Double.self).values
            #expect(token.shape == [3, N, T], "steps 0, 1, 2")
            // Every token of every window has a share; padding has none; the shares add up to the instance's.
            var uncovered = 0, padded = 0, firstUncovered: Int?, worst = 0.0
            for r in 0..<3 {
                for i in 0..<N {
                    let base = (r * N + i) * T
                    for t in 0..<T {
                        let v = token.values[base + t]
                        if mask.values[i * T + t] == 1, v == 0 || !v.isFinite {
                            uncovered += 1
                            if firstUncovered == nil { firstUncovered = base + t }
                        }
                        if mask.values[i * T + t] == 0, v != 0 { padded += 1 }
                    }
                    let sum = token.values[base..<(base + T)].reduce(0, +)
                    worst = max(worst, abs(sum - instance[r * N + i]) / max(abs(instance[r * N + i]), 1e-30))
                }
            }
            #expect(uncovered == 0, "\(set): \(uncovered) tokens without a share, first at \(firstUncovered ?? -1)")
            #expect(padded == 0, "\(set): \(padded) padding positions with a share")
            #expect(worst < 1e-6, "\(set): token shares vs instance G-effect, worst relative \(worst)")
        }
    }

    /// Every forget objective on text windows: those that read refusal rows are refused naming
    /// the file; the others take a step, and their per-token G-effect on the forget risk has a
    /// share at every token of every window and none on the padding.
    @Test func everyObjectiveOnText() throws {
        let forget = try Self.textFile(try Self.texts(authors: 19..<20), "forget.jsonl")
        let retain = try Self.textFile(try Self.texts(authors: 0..<2), "retain.jsonl")
        var ran: [String] = [], refused: [String] = []
        for name in ObjectiveRegistry.forgetNames {
            let out = temporaryDirectory("own-data-objective")
            let config = try Self.config(
                [
                    "data.forget_split=null", "data.forget_file=\(forget)", "data.retain_file=\(retain)",
                    "objective.forget.name=\(name)", "run.steps=1",
                ], out: out)
            let experiment: UnlearningExperiment
            do {
                experiment = try UnlearningExperiment(config: config)
            } catch let error as DataError {
                #expect(error.file == forget && error.message.contains("have no question"), "\(name): \(error)")
                refused.append(name)
                continue
            }
            _ = try experiment.run(into: out) { _, _ in }
            ran.append(name)
            let root = try H5File.open(out + "/run.h5").root
            let mask = try root.read("data/forget/mask", as: Float.self).values
            let token = try root.read("geffect/forget/token", as: Double.self).values
            #expect(token.count == 2 * mask.count, "\(name): steps 0 and 1")
            let covered = token.indices.filter { (token[$0] != 0) == (mask[$0 % mask.count] != 0) }.count
            #expect(covered == token.count, "\(name): \(token.count - covered) positions where share and mask disagree")
        }
        #expect(Set(refused) == ["po", "idkdpo"], "\(refused)")
        #expect(ran.count == ObjectiveRegistry.forgetNames.count - 2)
    }

    // MARK: - The command line

    @Test func unlearnTakesFilesOnTheCommandLine() throws {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else {
            Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
            return
        }
        let forget = try Self.textFile(try Self.texts(authors: 19..<20), "forget.jsonl")
        let retain = try Self.textFile(try Self.texts(authors: 0..<2), "retain.jsonl")
        let root = temporaryDirectory("own-data-cli")
        func unlearn(_ more: [String], out: String) throws -> GscopeRun {
            try runGscope(
                [
                    "unlearn", "--model", Self.setup.checkpoint, "--data", Self.setup.data, "--tokenizer", "byte", "--steps", "1",
                    "--threads", "1", "--set", "run.geffect_retain_size=4", "--quiet", "--out", root + "/" + out,
                ] + more)
        }
        // --forget-file replaces the config's split; the data line says what was read.
        let run = try unlearn(["--forget-split", "forget10", "--forget-file", forget, "--retain-file", retain], out: "both")
        #expect(run.status == 2 && run.stderr.contains("--forget-split also names the forget set"), "\(run.stderr)")
        let ok = try unlearn(["--forget-file", forget, "--retain-file", retain], out: "text")
        #expect(!ok.signalled && ok.status == 0, "\(ok.status): \(ok.stderr)")
        #expect(ok.stdout.contains("data: forget \(forget) (1 texts: "), "\(ok.stdout)")
        #expect(ok.stdout.contains("eval: TOFU's metric suite skipped"), "\(ok.stdout)")
        let resolved = try H5File.open(root + "/text/run.h5").root.stringAttribute("config")
        #expect(
            resolved.contains("  forget_split: null\n  retain_split: null\n  forget_file: \(forget)\n  retain_file: \(retain)\n"),
            "\(resolved)")

        // A bad line: the file and the line, exit 2.
        let bad = try Self.textFile(["fine"], "bad.jsonl")
        try (try String(contentsOfFile: bad, encoding: .utf8) + #"{"text": 3}"# + "\n").write(
            toFile: bad, atomically: true, encoding: .utf8)
        let refused = try unlearn(["--forget-file", bad, "--retain-file", retain], out: "bad")
        #expect(refused.status == 2, "\(refused.status): \(refused.stderr)")
        #expect(
            refused.stderr.contains("gscope: \(bad):2: field \"text\" has the wrong type: expected a string"), "\(refused.stderr)"
        )
        #expect(!FileManager.default.fileExists(atPath: root + "/bad/run.h5"))
    }
}
