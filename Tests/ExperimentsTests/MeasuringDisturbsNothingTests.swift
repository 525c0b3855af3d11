import Foundation
import Store
import Testing
import TestSupport

/// Measuring never disturbs: a run's trajectory — every checkpoint, every `/train/…` row and the
/// final weights — has the same bits whether G-effects are recorded at every step, every k steps
/// or never (with the interference or without), and whether the run evaluates along the way or not.
@Suite("Measuring disturbs nothing")
struct MeasuringDisturbsNothingTests {
    /// The bits of a run's trajectory: its checkpoints' bytes and its `/train/…` rows.
    struct Trajectory: Equatable {
        var checkpoints: [String: Data] = [:]
        var train: [String: [UInt64]] = [:]
    }

    static func trajectory(_ settings: [String], steps: Int = 4) throws -> Trajectory {
        let (out, _) = try UnlearningRunTests.run(settings + ["run.checkpoint_every=2"], steps: steps)
        var t = Trajectory()
        for path in ["checkpoints/step-000002", "checkpoint"] {
            t.checkpoints[path] = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(path)/model.safetensors"))
        }
        let train = try H5File.open(out + "/run.h5").root.group("train")
        for name in ["step", "forget_index"] {
            t.train[name] = try train.read(name, as: Int64.self).values.map { UInt64(bitPattern: $0) }
        }
        for name in ["lr", "grad_norm", "loss/total", "loss/forget", "loss/retain", "instance_weight"]
        where train.contains(name) {
            t.train[name] = try train.read(name, as: Double.self).values.map(\.bitPattern)
        }
        return t
    }

    /// Which parts of two trajectories differ, for the failure message.
    static func differences(_ a: Trajectory, _ b: Trajectory) -> [String] {
        a.checkpoints.keys.sorted().filter { a.checkpoints[$0] != b.checkpoints[$0] }
            + a.train.keys.sorted().filter { a.train[$0] != b.train[$0] }.map { "train/" + $0 }
    }

    /// NPO + KL: a frozen reference model (whose log-probabilities are cached) and a retain term,
    /// on mini-batches, recorded every step, every third step and never, evaluated every second
    /// step or not, with the forget × set interference every second step.
    @Test func recordingAndEvaluatingLeaveTheTrajectoryAlone() throws {
        try withFixedThreadCount {
            let objective = ["objective.forget.name=npo", "objective.retain.name=kl", "run.forget_batch=4"]
            let evaluate = [
                "eval.every=2", "eval.generate=false", "eval.retain_model=\(UnlearningRunTests.setup.checkpoint)",
            ]
            let plain = try Self.trajectory(objective + ["run.record_every=0"])
            #expect(plain.train["loss/retain"]?.count == 4 && plain.checkpoints.count == 2)
            for variant in [
                ["run.record_every=1"], ["run.record_every=3"], ["run.record_every=0"] + evaluate,
                ["run.record_every=1"] + evaluate,
                [
                    "run.record_every=1", "run.interference_every=2", "run.geffect_forget_size=8",
                    "run.interference_sets=[retain,forget]",
                ],
            ] {
                let measured = try Self.trajectory(objective + variant)
                #expect(measured == plain, "\(variant): \(Self.differences(measured, plain)) differ")
            }
        }
    }

    /// A batch that is the whole forget set: the measured full-set gradient is not the step's
    /// (it sums chunks padded to another length), so the step takes its own.
    @Test func aWholeSetBatchTakesItsOwnGradient() throws {
        try withFixedThreadCount {
            let objective = ["objective.forget.name=npo", "run.forget_batch=40"]
            let plain = try Self.trajectory(objective + ["run.record_every=0"], steps: 3)
            let measured = try Self.trajectory(objective + ["run.record_every=1"], steps: 3)
            #expect(measured == plain, "\(Self.differences(measured, plain)) differ")
        }
    }
}
