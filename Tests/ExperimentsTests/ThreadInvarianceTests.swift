import Foundation
import NumericCore
import Store
import Testing
import TestSupport

/// The same configuration and seed give the same numbers at 1, 2, 3 and 4 workers, also while
/// other processes compete for the cores: an unlearning run with G-effects, per-instance and
/// per-token shares, update effects and TOFU evaluations (with generations) at its first and last step.
@Suite("Thread-count invariance", .serialized)
struct ThreadInvarianceTests {
    @Test func anUnlearningRunIsTheSameAtEveryWorkerCount() throws {
        let differences = try withCPUBurners(2) {
            try differencesAcrossWorkerCounts {
                let (out, experiment) = try UnlearningRunTests.run(
                    ["objective.forget.name=npo", "objective.retain.name=gd", "eval.every=5", "eval.max_new_tokens=12"],
                    steps: 5, out: temporaryDirectory("threads-run"))
                defer { try? FileManager.default.removeItem(atPath: out) }
                let file = try H5File.open(out + "/run.h5")
                defer { try? file.close() }
                return try Self.numbers(in: file.root, at: "")
                    + [("final parameters", experiment.unlearner.model.parameters.array.doubles)]
            }
        }
        #expect(differences.isEmpty, "\(differences)")
    }

    /// Every dataset under `group` as numbers, by path: numeric datasets as their values, string
    /// datasets (the evaluations' JSON reports among them) as their UTF-8 bytes.
    static func numbers(in group: H5Group, at path: String) throws -> [(name: String, values: [Double])] {
        try group.memberNames().sorted().flatMap { name -> [(name: String, values: [Double])] in
            let full = path + "/" + name
            switch try group.kind(of: name) {
            case .group: return try numbers(in: try group.group(name), at: full)
            case .other: return []
            case .dataset:
                let d = try group.dataset(name)
                switch try d.elementType() {
                case .float32?: return [(full, try d.read(as: Float.self).values.doubles)]
                case .float64?: return [(full, try d.read(as: Double.self).values)]
                case .int32?: return [(full, try d.read(as: Int32.self).values.map(Double.init))]
                case .int64?: return [(full, try d.read(as: Int64.self).values.map(Double.init))]
                case .uint8?: return [(full, try d.read(as: UInt8.self).values.map(Double.init))]
                case .string?: return [(full, try d.readStrings().flatMap(\.utf8).map(Double.init))]
                case nil: return []
                }
            }
        }
    }
}
