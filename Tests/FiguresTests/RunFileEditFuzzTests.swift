import Experiments
import Figures
import Foundation
import Store
import Testing
import TestSupport

/// Issue 15, finding 6 at scale: seeded semantic edits of real run files (rows cut, values made
/// NaN, infinite or huge, ranks changed, datasets and attributes removed or retyped), each read
/// in-process the way `gscope plot` (RunData, every figure) and `gscope inspect` (RunFileLayout,
/// RunSummary, RunTable) read it. Every case must end in success or an error naming the file —
/// a trap would end the test process.
@Suite("Run-file edit fuzz", .serialized)
struct RunFileEditFuzzTests {
    static let oddValues: [Double] = [.nan, .infinity, -.infinity, 1e300, -1e300, -1, 0.5, 1e15, 9.3e18, -0.0, 2e9]

    /// One random semantic edit of `image`; returns what it did.
    static func edit(_ image: inout RunFileImage, _ rng: inout SplitMix) -> String {
        let names = image.datasets.keys.sorted()
        let name = rng.pick(names)
        guard var dataset = image.datasets[name] else { return "nothing" }
        switch rng.below(9) {
        case 0, 1:
            let rows = dataset.shape.first ?? 0
            let kept = rng.below(rows + 1)
            image.keepRows(kept, of: name)
            return "\(name): keep \(kept) of \(rows) rows"
        case 2, 3:
            let count = dataset.elements.numbers.count
            guard count > 0 else { return "nothing" }
            let index = rng.below(count), value = rng.pick(oddValues)
            image.setNumber(value, at: index, of: name)
            return "\(name)[\(index)] = \(value)"
        case 4:
            dataset.shape = [dataset.elements.count]
            image.datasets[name] = dataset
            return "\(name): flattened"
        case 5:
            dataset.shape = [1] + dataset.shape
            image.datasets[name] = dataset
            return "\(name): one more dimension"
        case 6:
            image.datasets[name] = nil
            return "\(name): removed"
        case 7:
            let values = dataset.elements.numbers
            guard !values.isEmpty else { return "nothing" }
            image.datasets[name] = .init(elements: .strings(values.map { "\($0)" }), shape: [values.count])
            return "\(name): strings"
        default:
            let objects = image.attributes.keys.sorted()
            let object = rng.pick(objects)
            guard let attribute = image.attributes[object]?.keys.sorted().first else { return "nothing" }
            if rng.below(2) == 0 {
                image.attributes[object]?[attribute] = nil
                return "\(object) attribute \(attribute): removed"
            }
            image.attributes[object]?[attribute] = .ints([1, 2, 3])
            return "\(object) attribute \(attribute): [1, 2, 3]"
        }
    }

    /// Reads `path` as plot and inspect do; returns "ok" or the error, which must name the file.
    static func read(_ path: String) -> (plot: String, inspect: String) {
        var plot = "ok", inspect = "ok"
        do {
            let run = try RunData(path: path)
            for kind in FigureKind.allCases {
                _ = FigureCatalog.build(kind, runs: kind.rawValue == "compare" ? [run, run] : [run])
            }
        } catch {
            plot = "\(type(of: error))"
            #expect("\(error)".contains(path), "plot: \(error)")
        }
        do {
            do {   // RunFileLayout.check(path:) without its second look, which only costs time here
                let file = try H5File.open(path)
                defer { try? file.close() }
                _ = try RunFileLayout.check(file)
            }
            _ = try RunSummary.text(of: path)
            _ = try RunTable.text(of: [path])
        } catch {
            inspect = "\(type(of: error))"
            #expect("\(error)".contains(path), "inspect: \(error)")
        }
        return (plot, inspect)
    }

    @Test func threeHundredSeededEditsNeverTrap() throws {
        let sources = [
            FigureFixtures.npo, FigureFixtures.npo, FigureFixtures.ga, FigureFixtures.markovNPO, FigureFixtures.evaluations,
        ]
        let images = try sources.map { try RunFileImage(path: $0) }
        let directory = temporaryDirectory("edit-fuzz")
        var rng = SplitMix(seed: 15)
        var outcomes: [String: Int] = [:]
        for number in 0..<300 {
            var image = images[number % images.count]
            let edits = (0...rng.below(2)).map { _ in Self.edit(&image, &rng) }
            let path = directory + "/case-\(number).h5"
            try image.write(to: path)
            let (plot, inspect) = Self.read(path)
            _ = edits   // to replay case N, print them here
            outcomes["plot \(plot)", default: 0] += 1
            outcomes["inspect \(inspect)", default: 0] += 1
            try? FileManager.default.removeItem(atPath: path)
        }
        print(
            "run-file edit fuzz, 300 cases:",
            outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        #expect((outcomes["plot RunFileError"] ?? 0) > 0)
    }
}
