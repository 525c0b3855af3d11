import Foundation
import Synchronization

/// Runs a plan's unfinished runs on this machine: at most `jobs` child processes at a time, each
/// `gscope sweep task DIR INDEX --threads T`, its output appended to `DIR/logs/<id>.log`.
///
/// A child is a whole gscope process, so a run that crashes or is killed takes nothing else with
/// it; its run file says how far it got and the next `gscope sweep run` redoes it. The numbers
/// do not depend on `threads` or on how many runs share the machine.
package struct LocalRunner: Sendable {
    /// The plan.
    package let directory: SweepDirectory
    /// The gscope binary the children run.
    package let executable: String
    /// Runs at the same time.
    package let jobs: Int
    /// Worker threads of each run.
    package let threads: Int

    package init(directory: SweepDirectory, executable: String, jobs: Int, threads: Int) {
        self.directory = directory
        self.executable = executable
        self.jobs = jobs
        self.threads = threads
    }

    /// How one child ended.
    package struct Outcome: Sendable {
        package let entry: ManifestEntry
        /// The run's state read after the child ended.
        package let state: RunState
        /// The child's exit status, or nil when a signal ended it (with the signal).
        package let exitStatus: Int32?
        package let signal: Int32?
        /// Wall time of the child, seconds.
        package let seconds: Double

        /// Whether the run is finished and the child said so.
        package var succeeded: Bool { exitStatus == 0 && state.isFinished }

        /// Why it failed, in a few words (`exit 1`, `killed by signal 9`), and the state.
        package var failure: String {
            let how = signal.map { "killed by signal \($0)" } ?? "exit \(exitStatus ?? -1)"
            return "\(how); \(state.text)"
        }
    }

    /// Runs `entries` (in order, `jobs` at a time) and returns their outcomes in the order they
    /// ended. `started` and `ended` are called on this thread; when `stopRequested` turns true no
    /// new child starts and the running ones get SIGTERM (they mark their run files interrupted).
    package func run(
        _ entries: [ManifestEntry], stopRequested: () -> Bool,
        started: (ManifestEntry) -> Void = { _ in }, ended: (Outcome) -> Void = { _ in }
    ) throws -> [Outcome] {
        try FileManager.default.createDirectory(atPath: directory.path + "/logs", withIntermediateDirectories: true)
        let finished = Mutex<[Int32]>([])   // process ids of children that ended, in order
        let wake = DispatchSemaphore(value: 0)
        var running: [Int32: (entry: ManifestEntry, process: Process, start: Date)] = [:]
        var queue = entries[...]
        var outcomes: [Outcome] = []
        var stopping = false
        while !queue.isEmpty || !running.isEmpty {
            if !stopping, stopRequested() {
                stopping = true
                for (pid, _) in running { kill(pid, SIGTERM) }
            }
            while !stopping, running.count < jobs, let entry = queue.popFirst() {
                let process = try launch(entry)
                process.terminationHandler = { ended in
                    finished.withLock { $0.append(ended.processIdentifier) }
                    wake.signal()
                }
                try process.run()
                running[process.processIdentifier] = (entry, process, Date())
                started(entry)
            }
            if stopping { queue.removeAll() }
            _ = wake.wait(timeout: .now() + 0.2)
            for pid in finished.withLock({ list in
                defer { list.removeAll() }; return list
            }) {
                guard let child = running.removeValue(forKey: pid) else { continue }
                child.process.waitUntilExit()
                let bySignal = child.process.terminationReason == .uncaughtSignal
                let outcome = Outcome(
                    entry: child.entry, state: directory.state(of: child.entry),
                    exitStatus: bySignal ? nil : child.process.terminationStatus,
                    signal: bySignal ? child.process.terminationStatus : nil,
                    seconds: Date().timeIntervalSince(child.start))
                outcomes.append(outcome)
                ended(outcome)
            }
        }
        return outcomes
    }

    /// The child process of one run, its output appended to the run's log.
    private func launch(_ entry: ManifestEntry) throws -> Process {
        let log = directory.logPath(entry)
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: log) else {
            throw SweepError(file: log, "cannot write the run's log")
        }
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["sweep", "task", directory.path, String(entry.index), "--threads", String(threads)]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        return process
    }
}
