import Experiments
import Foundation
import Store
import Testing
import TestSupport

/// `objective.l1`: the penalty's rows in the run file, and its G-effect as a term of the total.
@Suite("ℓ1-sparse unlearning in a run")
struct SparsityRunTests {
    @Test func thePenaltyHasItsRowsAndItsTerm() throws {
        let (out, _) = try UnlearningRunTests.run(
            ["objective.forget.name=ga", "objective.retain.name=gd", "objective.l1.alpha=1e-4"], steps: 2)
        let root = try H5File.open(out + "/run.h5").root
        #expect(try root.stringAttribute("objective") == "ga+gd+l1")
        let penalty = try root.read("loss/l1", as: Double.self).values,
            train = try root.read("train/loss/l1", as: Double.self).values
        #expect(penalty.count == 3 && train.count == 2 && penalty.allSatisfy { $0 > 0 })
        // A forget10 run of forget batch 4 has 10 batches per epoch: both steps are in epoch 0 of 1, full α.
        #expect(abs(train[0] - penalty[0]) <= 1e-12 * penalty[0])
        for set in ["forget", "retain"] {
            let total = try root.read("geffect/\(set)/total", as: Double.self).values
            let parts = try ["forget", "retain", "l1"].map { try root.read("geffect/\(set)/term/\($0)", as: Double.self).values }
            for k in total.indices {
                let sum = parts[0][k] + parts[1][k] + parts[2][k]
                #expect(abs(sum - total[k]) <= 1e-9 * abs(total[k]), "\(set) row \(k): terms \(sum) vs total \(total[k])")
            }
            #expect(parts[2].allSatisfy { $0 != 0 })
        }
    }
}
