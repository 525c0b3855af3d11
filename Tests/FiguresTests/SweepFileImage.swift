import Foundation
import Store

/// A sweep file (`sweep.h5`, the layout of docs in sweep-spec) held in memory, written with Store:
/// the tests build a tiny sweep, edit it (damage it) and write it.
struct SweepFileImage {
    /// Root attributes (strings or string arrays).
    var rootAttributes: [String: [String]]
    /// String datasets by path.
    var strings: [String: [String]] = [:]
    /// Numeric datasets by path: values, shape and whether they are stored as int64.
    var numbers: [String: (values: [Double], shape: [Int], integer: Bool)] = [:]
    /// String-array attributes of datasets, by dataset path and name.
    var datasetAttributes: [String: [String: [String]]] = [:]

    /// A 2 (objective.forget.name: npo, simnpo) × 2 (objective.forget.beta: 1, 2.5; numeric) × 2
    /// seeds Markov sweep of R = 8 runs, S = 3 recorded steps (0, 1, 2) and E = 2 evaluations
    /// (0, 2). Run 5 (simnpo, beta 1, seed 1) diverged after step 1; run 7 is missing.
    /// Run r's G-effect on set k at step t is −(r + 1)·(t + 1)·(k + 1); its KL metrics are
    /// 0.1·(r + 1)·(m + 1) + t/10 for metric m; its final kl_forget1 is r.
    static func markov(axisValues: [String]? = nil) -> SweepFileImage {
        let names = axisValues ?? ["npo", "simnpo"]
        let runs = 8, steps = 3
        var image = SweepFileImage(
            rootAttributes: [
                "file_kind": ["gscope-sweep"], "gscope_version": ["test"], "sweep": ["name: tiny\n"],
                "axes": ["objective.forget.name", "objective.forget.beta", "seed"],
            ])
        let nameOf = (0..<runs).map { names[$0 / 4] }, betaOf = (0..<runs).map { [1.0, 2.5][($0 / 2) % 2] }
        image.strings["runs/id"] = (0..<runs).map { "\(String(format: "%04d", $0))-name=\(nameOf[$0])" }
        image.strings["runs/status"] = (0..<runs).map { $0 == 5 ? "diverged at step 1" : $0 == 7 ? "missing" : "complete" }
        image.strings["runs/objective"] = (0..<runs).map { $0 == 7 ? "" : nameOf[$0] }
        image.strings["runs/config"] = (0..<runs).map { "name: tiny-\($0)\n" }
        image.strings["axes/objective.forget.name"] = nameOf
        image.datasetAttributes["axes/objective.forget.name"] = ["levels": names]
        image.numbers["axes/objective.forget.beta"] = (betaOf, [runs], false)
        image.datasetAttributes["axes/objective.forget.beta"] = ["levels": ["1", "2.5"]]
        image.numbers["axes/seed"] = ((0..<runs).map { Double($0 % 2) }, [runs], false)
        image.datasetAttributes["axes/seed"] = ["levels": ["0", "1"]]
        let recorded: [[Int]] = (0..<runs).map { $0 == 5 ? [0, 1] : $0 == 7 ? [] : [0, 1, 2] }
        image.numbers["steps"] = (
            recorded.flatMap { row in (0..<steps).map { $0 < row.count ? Double(row[$0]) : -1 } }, [runs, steps], true
        )
        for (k, set) in ["forget", "retain"].enumerated() {
            let values = (0..<runs).flatMap { r in
                (0..<steps).map { t in t < recorded[r].count ? -Double((r + 1) * (t + 1) * (k + 1)) : .nan }
            }
            image.numbers["geffect/\(set)/total"] = (values, [runs, steps], false)
            image.numbers["risk/\(set)"] = (values.map { -$0 }, [runs, steps], false)
            image.numbers["geffect/\(set)/group"] = (values.flatMap { [$0 / 2, $0 / 2] }, [runs, steps, 2], false)
            image.datasetAttributes["geffect/\(set)/group"] = ["names": ["shallow", "deep"]]
            image.numbers["geffect/\(set)/term/forget"] = (values, [runs, steps], false)
        }
        image.numbers["weights/instance_quantiles"] = (Array(repeating: 1, count: runs * steps * 5), [runs, steps, 5], false)
        let evaluated: [[Int]] = (0..<runs).map { $0 == 7 ? [] : $0 == 5 ? [0] : [0, 2] }
        image.numbers["eval/steps"] = (
            evaluated.flatMap { row in (0..<2).map { $0 < row.count ? Double(row[$0]) : -1 } }, [runs, 2], true
        )
        for (m, metric) in ["kl_retain", "kl_forget1", "kl_forget2"].enumerated() {
            image.numbers["eval/\(metric)"] = (
                (0..<runs).flatMap { r in
                    (0..<2).map { e in
                        e < evaluated[r].count ? 0.1 * Double((r + 1) * (m + 1)) + Double(evaluated[r][e]) / 10 : .nan
                    }
                }, [runs, 2], false
            )
        }
        image.numbers["final/kl_forget1"] = ((0..<runs).map { $0 == 7 ? .nan : Double($0) }, [runs], false)
        image.numbers["final/forget_nll_after"] = ((0..<runs).map { $0 == 7 ? .nan : 2 + Double($0) }, [runs], false)
        return image
    }

    /// Writes the file.
    func write(to path: String) throws {
        let file = try H5File.create(path)
        let root = file.root
        for (name, values) in rootAttributes.sorted(by: { $0.key < $1.key }) {
            if name == "axes" { try root.setAttribute(name, values) } else { try root.setAttribute(name, values[0]) }
        }
        for (path, values) in strings.sorted(by: { $0.key < $1.key }) { try root.write(path, values) }
        for (path, data) in numbers.sorted(by: { $0.key < $1.key }) {
            if data.integer {
                try root.write(path, data.values.map { Int64($0) }, shape: data.shape)
            } else {
                try root.write(path, data.values, shape: data.shape)
            }
        }
        for (path, attributes) in datasetAttributes.sorted(by: { $0.key < $1.key }) {
            guard root.contains(path) else { continue }
            for (name, values) in attributes { try root.dataset(path).setAttribute(name, values) }
        }
        try file.close()
    }
}
