import Foundation

/// Progress of a long stage. On a terminal, one status line redrawn in place — a bar, the step
/// count, the time per step and the time left — with the permanent lines printed above it;
/// otherwise (a log file, CI) only the permanent lines.
struct ProgressBar {
    let total: Int
    let interactive = isatty(STDOUT_FILENO) != 0
    private let start = Date()
    private var shown = false

    init(total: Int) { self.total = total }

    /// Seconds since the bar was made.
    var elapsed: Double { Date().timeIntervalSince(start) }

    /// The estimated seconds left after `done` of `total` steps.
    func remaining(after done: Int) -> Double { done > 0 ? elapsed / Double(done) * Double(total - done) : .nan }

    /// Prints a permanent line (above the status line on a terminal).
    mutating func log(_ line: String) {
        if shown { print("\r\u{1B}[K", terminator: "") }
        print(line)
        fflush(nil)   // a log file or pipe sees each line as it happens
        shown = false
    }

    /// Redraws the status line after `done` steps (terminal only); ends it at the last step.
    mutating func update(_ done: Int) {
        guard interactive else { return }
        let width = 30, filled = total > 0 ? width * done / total : width
        let perStep = done > 0 ? elapsed / Double(done) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        print(
            "\r\u{1B}[K[\(bar)] \(done)/\(total)  " + String(format: "%.0f ms/step", perStep * 1000)
                + "  ETA " + Self.duration(remaining(after: done)), terminator: done >= total ? "\n" : "")
        fflush(nil)   // the status line has no newline
        shown = done < total
    }

    /// `42s`, `3m07s`, `1h05m`.
    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600
            ? String(format: "%dh%02dm", t / 3600, t / 60 % 60)
            : t >= 60 ? String(format: "%dm%02ds", t / 60, t % 60) : "\(t)s"
    }
}
