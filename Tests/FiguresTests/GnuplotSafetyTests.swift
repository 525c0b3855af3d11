import Figures
import Foundation
import Testing
import TestSupport

/// Issue 15, finding 1: no text from a run file, its name or `--label` can make gnuplot run a
/// command. Every string reaches the `.gp` as a single-quoted gnuplot string with line breaks and
/// backticks replaced (`GnuplotString`).
@Suite("Gnuplot safety", .serialized)
struct GnuplotSafetyTests {
    /// Text that runs `touch CANARY` if gnuplot interprets it anywhere: backticks, `$(…)`,
    /// `system(…)`, a line break followed by a shell escape (`!`) or a `system` command, quotes of
    /// both kinds to break out of a string, a trailing backslash to continue a comment.
    static func hostile(_ tag: String) -> String {
        "\(tag)`touch CANARY`'\"$(touch CANARY)\" ' system(\"touch CANARY\")\n!touch CANARY\r\nsystem 'touch CANARY'\n\u{1B}[31m @x ~{a}_^ \\"
    }

    static let gscope = gscopeBinary

    /// The fixture files with every name and attribute made hostile, under a directory and with
    /// file names that are hostile too: NPO (every per-run figure but groups), Markov (groups; no
    /// `objective`, so its label is its file name), the evaluations (tradeoff, markov) and the NPO
    /// run marked as a relearning run (recovery).
    static func hostileRuns(in root: String) throws -> [String] {
        let directory = root + "/runs `touch CANARY` $(touch CANARY) 'q' \"d\""
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var npo = try RunFileImage(path: FigureFixtures.npo)
        npo.renameComponent("world_facts", to: hostile("set"))
        npo.setAttribute("objective", of: "", .strings([hostile("objective")]))
        npo.setAttribute("names", of: "geffect/forget/group", .strings((1...5).map { hostile("group\($0)") }))
        npo.setAttribute("names", of: "geffect/retain/group", .strings((1...5).map { hostile("group\($0)") }))
        if let names = npo.datasets["model/tensor_names"] {
            npo.datasets["model/tensor_names"] = .init(
                elements: .strings((0..<names.elements.count).map { hostile("tensor\($0)") }),
                shape: names.shape)
        }
        var markov = try RunFileImage(path: FigureFixtures.markovNPO)
        markov.attributes[""]?["objective"] = nil
        if case .strings(let labels)? = markov.datasets["data/forget/group"]?.elements {
            markov.datasets["data/forget/group"] = .init(elements: .strings(labels.map { hostile($0) }), shape: [labels.count])
        }
        markov.renameComponent("retain", to: hostile("retain"))
        var relearning = npo
        relearning.setAttribute("relearned_objective", of: "", .strings([hostile("relearned")]))
        relearning.setAttribute("relearn_risk_set", of: "", .strings([hostile("set")]))
        var evaluations = try RunFileImage(path: FigureFixtures.evaluations)
        evaluations.setAttribute("objective", of: "", .strings([hostile("eval-objective")]))
        evaluations.setNumbers([1, 2, 3], of: "eval/" + hostile("metric"), shape: [3])
        let paths = [
            directory + "/npo `touch CANARY` 'a' \"b\" $(touch CANARY).h5",
            directory + "/markov `touch CANARY`\n$(touch CANARY) 'c'.h5",
            directory + "/eval `touch CANARY`.h5",
            directory + "/relearn `touch CANARY` $(touch CANARY).h5",
        ]
        try npo.write(to: paths[0])
        try markov.write(to: paths[1])
        try evaluations.write(to: paths[2])
        try relearning.write(to: paths[3])
        return paths
    }

    /// Every file called CANARY under `root`.
    static func canaries(under root: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)
        var found: [String] = []
        while let name = enumerator?.nextObject() as? String {
            if (name as NSString).lastPathComponent == "CANARY" { found.append(name) }
        }
        return found
    }

    /// Runs `executable` with `arguments` in `directory`; returns its exit status and stderr.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func hostileNamesInEveryFigureRunNothing() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.gscope) else {
            Issue.record("\(Self.gscope) is missing: build it first (`make test` does)")
            return
        }
        let root = temporaryDirectory("gnuplot-safety")
        let paths = try Self.hostileRuns(in: root)
        let out = root + "/out `touch CANARY` $(touch CANARY) 'o' \"p\""
        let work = root + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let (status, stderr) = try Self.run(
            Self.gscope, ["plot"] + paths + ["--label", "x`touch CANARY`", "--out", out], in: work)
        #expect(status == 0, "gscope plot: \(stderr)")
        #expect(Self.canaries(under: root).isEmpty, "gscope plot ran a command: \(Self.canaries(under: root))")

        let scripts = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".gp") }.sorted()
        for kind in FigureKind.allCases {
            #expect(
                scripts.contains { $0 == "\(kind.rawValue).gp" || $0.hasPrefix("\(kind.rawValue)-") },
                "no \(kind.rawValue) figure drawn from the hostile files: \(scripts)")
        }
        var mentions = 0
        for script in scripts {
            let text = try String(contentsOfFile: out + "/" + script, encoding: .utf8)
            #expect(!text.contains("`"), "\(script) holds a backtick")
            if text.contains("touch CANARY") { mentions += 1 }
        }
        #expect(mentions >= FigureKind.allCases.count - 1, "the hostile names should show in the figures' titles and legends")

        // The saved scripts are safe to run again.
        let gnuplot = try #require(
            ["/usr/bin/gnuplot", "/usr/local/bin/gnuplot"].first { FileManager.default.isExecutableFile(atPath: $0) })
        for script in scripts {
            let (status, stderr) = try Self.run(gnuplot, [script], in: out)
            #expect(status == 0, "gnuplot \(script): \(stderr)")
        }
        #expect(Self.canaries(under: root).isEmpty, "a saved .gp ran a command: \(Self.canaries(under: root))")
    }

    /// What gnuplot 5 makes of a quoted string is the sanitized text, character for character:
    /// nothing inside single quotes is interpreted.
    @Test func gnuplotReadsAQuotedStringLiterally() throws {
        let gnuplot = try #require(
            ["/usr/bin/gnuplot", "/usr/local/bin/gnuplot"].first { FileManager.default.isExecutableFile(atPath: $0) })
        var texts = [
            Self.hostile("a"), "it's", "''", "'''a", "a'''''", "\\", "a\\nb\\t", "@macro", "$(id)", "é ⟨∇R⟩ 😀", "end\\", "",
        ]
        // And 300 seeded strings of the characters that matter.
        let pieces = ["'", "''", "\"", "`", "\\", "a", " ", "@", "$(", ")", "\n", "#", ";", "é", "{", "}", "\r", "!"]
        var rng = SplitMix(seed: 1)
        for _ in 0..<300 { texts.append((0..<rng.below(12)).map { _ in rng.pick(pieces) }.joined()) }
        let directory = temporaryDirectory("gnuplot-quoting")
        let script = texts.map { "print " + GnuplotString.quoted($0) }.joined(separator: "\n") + "\n"
        try Data(script.utf8).write(to: URL(fileURLWithPath: directory + "/print.gp"))
        let (status, printed) = try Self.run(gnuplot, ["print.gp"], in: directory)
        #expect(status == 0, "\(printed)")
        #expect(printed == texts.map { GnuplotString.sanitized($0) + "\n" }.joined())
        #expect(Self.canaries(under: directory).isEmpty)
        for text in texts {
            let quoted = GnuplotString.quoted(text)
            #expect(!quoted.contains("`") && !quoted.contains("\n") && !quoted.contains("\r"))
        }
        #expect(GnuplotString.comment("a\nb\\\\") == "a b")
        #expect(GnuplotString.literal("a_b") == "'a\\_b'")
    }
}
