import NumericCore

/// The worker-thread counts gscope accepts, from `--threads` and from the config key `threads`:
/// 1…`Parallel.maxThreads` (256). A count outside is refused with a message before any worker
/// pool exists (`Parallel.configure` would trap).
package enum ThreadCount {
    /// The accepted counts.
    package static let allowed = 1...Parallel.maxThreads

    /// Why `count` is refused ("must be between 1 and 256, got 65"), or nil when it is accepted.
    package static func problem(_ count: Int) -> String? {
        allowed.contains(count) ? nil : "must be between \(allowed.lowerBound) and \(allowed.upperBound), got \(count)"
    }
}
