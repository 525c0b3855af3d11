import Foundation
import NumericCore

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended, its wall time and its peak resident memory.
package struct ChildUsage: Sendable, Equatable {
    /// The exit status, or nil when a signal ended the child.
    package var exitStatus: Int32?
    /// The signal that ended the child, when one did.
    package var signal: Int32?
    /// Seconds from the spawn to the end (monotonic clock).
    package var wallSeconds: Double
    /// The child's peak resident set (`wait4`'s `ru_maxrss`, KiB on Linux; an `execve` keeps the
    /// peak, so gscope's re-execution of itself is covered).
    package var peakResidentKiB: Int

    /// "exited with status N" or "was ended by signal N".
    package var ending: String {
        if let exitStatus { return "exited with status \(exitStatus)" }
        return "was ended by signal \(signal ?? 0)"
    }
}

/// Running one child process to its end and measuring it: `posix_spawn` in the current directory
/// with this process's environment, standard output and error into a log file, then `wait4`,
/// whose resource usage gives the child's peak resident memory. (Foundation's `Process` reaps its
/// children itself and drops that usage.)
package enum MeasuredChild {
    /// Runs `executable` (a path) with `arguments`; its output replaces the file `log`.
    package static func run(_ executable: String, _ arguments: [String], log: String) throws(LaunchError) -> ChildUsage {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }

        let start = ContinuousClock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw .cannotStart(program: executable, reason: String(cString: strerror(spawned))) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 {
            guard errno == EINTR else {
                throw .cannotStart(program: executable, reason: "wait4: " + String(cString: strerror(errno)))
            }
        }
        let wall = (ContinuousClock.now - start).seconds
        // The wait status: low 7 bits the signal (0 = exited), bits 8–15 the exit status.
        let signal = status & 0x7f
        return ChildUsage(
            exitStatus: signal == 0 ? (status >> 8) & 0xff : nil, signal: signal == 0 ? nil : signal,
            wallSeconds: wall, peakResidentKiB: usage.ru_maxrss)
    }
}
