import Foundation
import Model
import NumericCore

/// Where a training run stands after `step` updates, saved so that a stopped run can go on to the
/// same bits as one never stopped: the flat parameter buffer, AdamW's moments and step count, the
/// settings that determine the trajectory, and the log rows so far.
///
/// On disk it is a directory (`OUT/resume`) holding `state.safetensors` (tensors `parameters`,
/// `adam_m`, `adam_v`, each [P] in F32; metadata `step`, `adam_steps`, `settings`) and `log.tsv`.
/// `save` writes a sibling temporary directory and renames it into place, so a run killed while
/// saving leaves the previous snapshot whole.
package struct TrainingSnapshot: Sendable {
    /// Updates made.
    package let step: Int
    /// What determines the trajectory (data, model, optimiser and schedule settings), compared
    /// verbatim on resuming.
    package let settings: String
    /// The log rows of steps 1…`step`.
    package let log: String

    package init(step: Int, settings: String, log: String) {
        self.step = step
        self.settings = settings
        self.log = log
    }

    static let stateFile = "state.safetensors", logFile = "log.tsv"

    /// Writes the snapshot of `model` and `optimizer` into `directory`, replacing an older one.
    package func save(model: any CausalLanguageModel, optimizer: AdamW, to directory: String) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        let temp = target.deletingLastPathComponent().appendingPathComponent(
            ".\(target.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: temp)
        try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        let P = model.parameterCount
        var writer = SafetensorsWriter()
        writer.add("parameters", shape: [P], floats: UnsafeBufferPointer(start: model.parameters.base, count: P))
        writer.add("adam_m", shape: [P], floats: UnsafeBufferPointer(start: optimizer.moments.m.base, count: P))
        writer.add("adam_v", shape: [P], floats: UnsafeBufferPointer(start: optimizer.moments.v.base, count: P))
        try writer.write(
            to: temp.appendingPathComponent(Self.stateFile).path,
            metadata: ["step": "\(step)", "adam_steps": "\(optimizer.stepCount)", "settings": settings])
        try Data(log.utf8).write(to: temp.appendingPathComponent(Self.logFile))
        let old = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).old")
        try? fm.removeItem(at: old)
        if fm.fileExists(atPath: target.path) { try fm.moveItem(at: target, to: old) }
        try fm.moveItem(at: temp, to: target)
        try? fm.removeItem(at: old)
    }

    /// The snapshot in `directory`, loaded into `model` and `optimizer`; nil when there is none.
    /// Throws when it was saved with other `settings` or for another parameter count, naming the
    /// file.
    package static func resume(
        from directory: String, settings: String, model: any CausalLanguageModel, optimizer: AdamW
    ) throws -> TrainingSnapshot? {
        let path = directory + "/" + stateFile
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file = try SafetensorsFile.read(path)
        func fail(_ what: String) -> TrainingError { .invalidOptions("\(path): \(what)") }
        guard file.metadata["settings"] == settings else {
            throw fail("a snapshot of a run with other settings; remove \(directory) (or use --force) to start over")
        }
        guard let step = file.metadata["step"].flatMap(Int.init), step >= 0,
            let adamSteps = file.metadata["adam_steps"].flatMap(Int.init), adamSteps >= 0
        else { throw fail("no valid step or adam_steps in its metadata") }
        let P = model.parameterCount
        for name in ["parameters", "adam_m", "adam_v"] {
            guard file.contains(name), try file.shape(name) == [P], try file.dtype(name) == .f32 else {
                throw fail("tensor \(name) is missing or not F32 of shape [\(P)]")
            }
        }
        try file.floats("parameters", into: UnsafeMutableBufferPointer(start: model.parameters.base, count: P))
        try file.floats("adam_m", into: UnsafeMutableBufferPointer(start: optimizer.moments.m.base, count: P))
        try file.floats("adam_v", into: UnsafeMutableBufferPointer(start: optimizer.moments.v.base, count: P))
        optimizer.resume(afterSteps: adamSteps)
        let log = (try? String(contentsOfFile: directory + "/" + logFile, encoding: .utf8)) ?? ""
        return TrainingSnapshot(step: step, settings: settings, log: log)
    }
}
