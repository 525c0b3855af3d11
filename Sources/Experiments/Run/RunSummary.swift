import Foundation
import Store

/// A run file's summary, as `gscope inspect RUN.h5` prints it (and
/// `notebooks-scripts/read_run.py` with h5py): what ran, and how the risks and G-effects moved.
package enum RunSummary {
    package static func text(of path: String) throws -> String {
        let file = try H5File.open(path)
        defer { try? file.close() }
        let root = file.root
        func fl(_ x: [Double]) -> String {
            guard let a = x.first, let b = x.last else { return "—" }
            return String(format: "%+.4g -> %+.4g", a, b)
        }
        func mean(_ v: ArraySlice<Double>) -> Double {
            let finite = v.filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
        func rowMeans(_ name: String) throws -> [Double] {
            let (v, shape) = try root.read(name, as: Double.self)
            let n = shape.dropFirst().reduce(1, *)
            return stride(from: 0, to: v.count, by: max(n, 1)).map { mean(v[$0..<($0 + n)]) }
        }
        var out: [String] = []
        out.append(
            "\(path): gscope \(try root.stringAttribute("gscope_version")), objective \(try root.stringAttribute("objective")), "
                + "seed \(try root.intAttribute("seed")), \(try root.intAttribute("blas_threads")) BLAS threads")
        let names = try root.readStrings("model/tensor_names")
        let blocks = try root.read("model/tensor_block", as: Int64.self).values
        let tokens = try root.read("data/forget/tokens", as: Int32.self).shape
        let answers = try root.read("data/forget/mask", as: Float.self).values.reduce(0, +)
        // A hand-edited file may hold anything here: count without trapping.
        let blockCount = blocks.max().map { $0 < Int64.max ? String($0 + 1) : "?" } ?? "0"
        let forgetShape = tokens.count == 2 ? "\(tokens[0]) instances x \(tokens[1]) positions" : "shape \(tokens)"
        let answerCount = answers.isFinite && abs(answers) < 1e15 ? String(Int(answers)) : "\(answers)"
        out.append(
            "model: \(names.count) tensors in \(blockCount) blocks; forget set: \(forgetShape), \(answerCount) answer tokens")
        let updates = try root.read("train/step", as: Int64.self).values
        out.append(
            "updates: \(updates.count)"
                + (updates.isEmpty ? "" : ", loss on the batch \(fl(try root.read("train/loss/total", as: Double.self).values))"))
        guard root.contains("steps") else {
            out.append("no G-effects recorded (run.record_every = 0)")
            return out.joined(separator: "\n")
        }
        let steps = try root.read("steps", as: Int64.self).values
        let mode = root.hasAttribute("geffect_mode") ? try root.stringAttribute("geffect_mode") : "exact"
        out.append(
            "recorded steps: \(steps.count) (\(steps.first ?? 0) ... \(steps.last ?? 0)), \(mode) G-effects; objective "
                + fl(try root.read("loss/total", as: Double.self).values))
        for name in try root.group("risk").memberNames() {
            let groupSet = try root.group("geffect/\(name)")
            let groupNames = try groupSet.dataset("group").stringArrayAttribute("names")
            let (g, shape) = try groupSet.read("group", as: Double.self)
            let last = g.suffix(shape.last ?? 0)
            out.append(
                "  " + name.padding(toLength: 7, withPad: " ", startingAt: 0)
                    + " R \(fl(try root.read("risk/\(name)/value", as: Double.self).values))   e \(fl(try groupSet.read("total", as: Double.self).values))   "
                    + "last e by group: "
                    + zip(groupNames, last).map { String(format: "%@ %+.3g", $0.0, $0.1) }.joined(separator: ", "))
            let u =
                root.contains("update_effect")
                ? try root.read("update_effect/\(name)/total", as: Double.self).values.filter(\.isFinite) : []
            if !u.isEmpty {
                out.append("          update effect \(fl(u))   PG-effect mean \(fl(try rowMeans("pgeffect/\(name)/instance")))")
            }
        }
        out.append(
            "instance weights: mean \(fl(try rowMeans("weights/instance"))); instance NLL mean \(fl(try rowMeans("instance_nll")))"
        )
        return out.joined(separator: "\n")
    }
}
