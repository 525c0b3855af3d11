import Experiments
import Figures
import Foundation
import Store
import Testing
import TestSupport

/// Issue 15, finding 6: `plot` and `inspect` on damaged or hand-edited run files give a clean
/// error naming the file and the dataset (exit 2), never a trap or a huge allocation.
@Suite("Damaged run files", .serialized)
struct DamagedRunFileTests {
    /// A copy of the NPO fixture edited by `edit`, written under a new name; returns its path.
    static func edited(_ name: String, from source: String = FigureFixtures.npo, _ edit: (inout RunFileImage) throws -> Void)
        throws -> String
    {
        var image = try RunFileImage(path: source)
        try edit(&image)
        let path = temporaryDirectory("damaged-\(name)") + "/run.h5"
        try image.write(to: path)
        return path
    }

    /// The rows of `/steps` and `/train/step` in the NPO fixture.
    static let recorded = try! RunFileImage(path: FigureFixtures.npo).datasets["steps"]!.shape[0]
    static let updates = try! RunFileImage(path: FigureFixtures.npo).datasets["train/step"]!.shape[0]

    /// The error `RunData` and `RunFileLayout` give for `path`, which must be the same
    /// ``RunFileError`` about `object`.
    static func refusal(_ path: String) throws -> RunFileError {
        let fromLayout = try #require(throws: RunFileError.self) { try RunFileLayout.check(path: path) }
        let fromRunData = try #require(throws: RunFileError.self) { try RunData(path: path) }
        #expect(fromLayout == fromRunData)
        #expect(fromLayout.file == path)
        return fromLayout
    }

    @Test func aShortPerStepDatasetIsNamed() throws {
        let path = try Self.edited("short-total") { $0.keepRows(Self.recorded - 2, of: "geffect/forget/total") }
        let error = try Self.refusal(path)
        #expect(error.description == "\(path): /geffect/forget/total has \(Self.recorded - 2) rows, /steps has \(Self.recorded)")
    }

    @Test func aShortLearningRateIsNamed() throws {
        let path = try Self.edited("short-lr") { $0.keepRows(Self.updates - 1, of: "train/lr") }
        #expect(
            try Self.refusal(path).description
                == "\(path): /train/lr has \(Self.updates - 1) rows, /train/step has \(Self.updates)")
    }

    @Test(arguments: [Double.nan, 1e300, -1, 2.5, Double.infinity])
    func aStepThatIsNoStepIsNamed(value: Double) throws {
        let path = try Self.edited("bad-step") { $0.setNumber(value, at: 1, of: "steps") }
        let error = try Self.refusal(path)
        #expect(error.object == "/steps")
        #expect(error.problem.hasPrefix("holds \(value) at row 1"))
    }

    @Test func unequalEvaluationLengthsAreNamed() throws {
        let path = try Self.edited("short-eval", from: FigureFixtures.evaluations) { $0.keepRows(2, of: "eval/model_utility") }
        #expect(try Self.refusal(path).description == "\(path): /eval/model_utility has 2 rows, /eval/steps has 3")
    }

    @Test func wrongRanksAndWidthsAreNamed() throws {
        let flat = try Self.edited("flat-group") { image in
            image.setNumbers(
                image.datasets["geffect/forget/group"]!.elements.numbers, of: "geffect/forget/group",
                shape: [image.datasets["geffect/forget/group"]!.elements.count])
        }
        #expect(try Self.refusal(flat).object == "/geffect/forget/group")
        let narrow = try Self.edited("narrow-pgeffect") { image in
            let shape = image.datasets["pgeffect/retain/instance"]!.shape
            let values = image.datasets["pgeffect/retain/instance"]!.elements.numbers
            let kept = (0..<shape[0]).flatMap { row in values[(row * shape[1])..<((row + 1) * shape[1] - 1)] }
            image.setNumbers(kept, of: "pgeffect/retain/instance", shape: [shape[0], shape[1] - 1])
        }
        let error = try Self.refusal(narrow)
        #expect(error.object == "/pgeffect/retain/instance" && error.problem.contains("instances"), "\(error)")
        let names = try Self.edited("group-names") { $0.setAttribute("names", of: "geffect/forget/group", .strings(["a", "b"])) }
        #expect(try Self.refusal(names).description.hasSuffix("/geffect/forget/group has 5 columns but 2 group names"))
        let strings = try Self.edited("string-steps") { image in
            image.datasets["steps"] = .init(
                elements: .strings(["0", "1", "2", "3"].prefix(Self.recorded).map { $0 }), shape: [Self.recorded])
        }
        #expect(try Self.refusal(strings).description == "\(strings): /steps holds string, not numbers")
    }

    /// A dataset that declares 2^40 rows of [N, T] doubles in a file of a few hundred kilobytes:
    /// refused from its metadata, before anything is allocated. 2^62 rows overflow the byte count.
    @Test(arguments: [UInt64(1) << 40, UInt64(1) << 62])
    func aHugeDeclaredExtentIsRefusedBeforeReading(rows: UInt64) throws {
        let path = try Self.edited("huge-\(rows)") { $0.datasets["weights/token"] = nil }
        let source = try RunFileImage(path: FigureFixtures.npo).datasets["weights/token"]!
        do {   // the writer keeps the file open in HDF5 until it goes
            let file = try H5File.open(path, writable: true)
            let writer = try file.root.createExtendible(
                "weights/token", rowShape: Array(source.shape.dropFirst()), of: Double.self)
            let rowLength = source.shape.dropFirst().reduce(1, *)
            let values = source.elements.numbers
            for row in 0..<source.shape[0] { try writer.append(Array(values[(row * rowLength)..<((row + 1) * rowLength)])) }
            #expect(RunFileImage.declareHugeExtent(of: writer, rows: rows))
            try file.close()
        }
        let error = try Self.refusal(path)
        #expect(error.object == "/weights/token" && error.problem.hasPrefix("declares [\(rows), "), "\(error)")
    }

    /// The binary says the same in one line and exits 2, for `plot` and `inspect` (and --table).
    @Test func theCommandsExitTwoWithTheDataset() throws {
        let gscope = GnuplotSafetyTests.gscope
        guard FileManager.default.isExecutableFile(atPath: gscope) else {
            Issue.record("\(gscope) is missing: build it first (`make test` does)")
            return
        }
        let path = try Self.edited("binary") { $0.keepRows(Self.recorded - 1, of: "geffect/retain/total") }
        let expected = "gscope: \(path): /geffect/retain/total has \(Self.recorded - 1) rows, /steps has \(Self.recorded)\n"
        let work = temporaryDirectory("damaged-binary-out")
        for arguments in [["plot", path, "--out", work + "/plots"], ["inspect", path], ["inspect", "--table", path]] {
            let (status, stderr) = try GnuplotSafetyTests.run(gscope, arguments, in: work)
            #expect(status == 2 && stderr == expected, "\(arguments[0]): exit \(status), \(stderr)")
        }
        let steps = try Self.edited("binary-nan") { $0.setNumber(.nan, at: 2, of: "steps") }
        let (status, stderr) = try GnuplotSafetyTests.run(gscope, ["plot", steps, "--out", work + "/nan"], in: work)
        #expect(status == 2 && stderr.hasPrefix("gscope: \(steps): /steps holds nan at row 2"), "exit \(status), \(stderr)")
        // A file that lacks what inspect reads is bad input too, named in one line.
        let (lacking, message) = try GnuplotSafetyTests.run(gscope, ["inspect", FigureFixtures.evaluations], in: work)
        #expect(
            lacking == 2 && message == "gscope: \(FigureFixtures.evaluations): / attribute \"gscope_version\": not found\n",
            "exit \(lacking), \(message)")
    }
}
