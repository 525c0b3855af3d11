import ArgumentParser
import Foundation
import Synchronization

/// How gscope's long-running commands meet signals.
///
/// SIGINT and SIGTERM, once ``catchStopRequests()`` has run, only record the request: the run
/// asks ``stopRequested`` between the phases of every step, abandons the step in flight, marks
/// and closes its file, and exits 130 or 143. A second signal of the same kind ends the process
/// at once, as without the handler.
enum Signals {
    /// The number of the first SIGINT or SIGTERM received, 0 before any.
    private static let received = Atomic<Int32>(0)

    /// Installs the SIGINT and SIGTERM handlers.
    static func catchStopRequests() {
        _ = received.load(ordering: .relaxed)   // initialised here, never inside the handler
        for number in [SIGINT, SIGTERM] {
            _ = signal(number) { number in
                // Async-signal-safe: one atomic store and signal(2).
                Signals.received.store(number, ordering: .relaxed)
                _ = signal(number, SIG_DFL)
            }
        }
        // A parent may start gscope with these signals blocked (Foundation's Process on Linux
        // passes on the mask of the thread that spawns): unblocked on this thread, they reach
        // the handler.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The signal that asked the run to stop, or nil.
    static func stopRequested() -> Int32? {
        let number = received.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    /// Ignores SIGXFSZ, so that a write beyond the file-size limit (`ulimit -f`) fails with
    /// EFBIG and is reported like a full disk, instead of killing the process.
    static func reportFileSizeLimitAsError() {
        _ = signal(SIGXFSZ, SIG_IGN)
    }
}

/// Ends a command with one line `gscope: <message>` on standard error and the exit status `code`.
func fail(_ message: String, exitCode code: Int32) -> ExitCode {
    FileHandle.standardError.write(Data("gscope: \(message)\n".utf8))
    return ExitCode(code)
}
