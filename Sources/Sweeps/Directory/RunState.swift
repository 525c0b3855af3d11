import Experiments
import Foundation
import Store

/// Where one run of a sweep stands, read from its run file's root attribute `status`
/// (docs/run-file.md): finished runs are skipped on resume, the others (re)done.
package enum RunState: Sendable, Equatable {
    /// `status` = `complete`.
    case complete
    /// `status` = `diverged at step N`: a finished result (the hyper-parameters diverge), redone
    /// by nothing.
    case diverged(String)
    /// Not finished: the reason (`missing`, `running`, `interrupted at step N`, `unreadable: …`,
    /// or a config that differs from the plan's).
    case unfinished(String)

    /// Whether the run needs no more work.
    package var isFinished: Bool {
        switch self {
        case .complete, .diverged: return true
        case .unfinished: return false
        }
    }

    /// The state as text: `complete`, the divergence, or the reason.
    package var text: String {
        switch self {
        case .complete: return "complete"
        case .diverged(let status): return status
        case .unfinished(let reason): return reason
        }
    }

    /// The state of the run file at `runFile`. With `planned`, a finished run whose recorded
    /// config is not that one (the worker count aside, which changes no number) counts as
    /// unfinished: the plan changed after it ran.
    package static func of(runFile: String, planned: ExperimentConfig?) -> RunState {
        guard FileManager.default.fileExists(atPath: runFile) else { return .unfinished("missing") }
        let status: String
        let recorded: String
        do {
            let file = try H5File.open(runFile)
            defer { try? file.close() }
            status = try file.root.stringAttribute("status")
            recorded = try file.root.stringAttribute("config")
        } catch {
            return .unfinished("unreadable: \(error)")
        }
        let finished: RunState
        if status == "complete" {
            finished = .complete
        } else if status.hasPrefix("diverged") {
            finished = .diverged(status)
        } else {
            return .unfinished(status)
        }
        if let planned {
            guard var ran = try? ExperimentConfig.load(yaml: recorded, file: runFile) else {
                return .unfinished("unreadable: its config attribute is not a config")
            }
            ran.threads = planned.threads
            if ran != planned { return .unfinished("its config differs from the plan's (the plan changed after it ran)") }
        }
        return finished
    }
}
