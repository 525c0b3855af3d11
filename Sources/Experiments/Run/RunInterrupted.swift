#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An unlearning run stopped by a signal (SIGINT, SIGTERM) before step `step` was finished: that
/// step was abandoned, and the run file (if it had been created) was closed with `status`
/// `interrupted at step N`.
package struct RunInterrupted: Error, CustomStringConvertible {
    /// The signal number that asked for the stop.
    package let signal: Int32
    /// The step in flight, of which nothing was written.
    package let step: Int
    /// The run file, nil when the stop came before it was created.
    package let runFile: String?

    package init(signal: Int32, step: Int, runFile: String?) {
        self.signal = signal
        self.step = step
        self.runFile = runFile
    }

    /// The signal's name: `SIGINT`, `SIGTERM`, or `signal N`.
    package var signalName: String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }

    /// The conventional exit status of a program ended by the signal: 128 + its number.
    package var exitStatus: Int32 { 128 + signal }

    package var description: String {
        guard let runFile else { return "interrupted by \(signalName) before the run file was created" }
        return step <= 1
            ? "interrupted by \(signalName) at step \(step); \(runFile) holds no step yet (status: interrupted at step \(step))"
            : "interrupted by \(signalName) at step \(step); \(runFile) holds the steps before it (status: interrupted at step \(step))"
    }
}
