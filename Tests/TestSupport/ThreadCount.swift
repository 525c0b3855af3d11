import Foundation

/// All test targets run in one process and share `Parallel`'s worker team. Tests that set its
/// thread count and rely on it staying put (a comparison across worker counts, a test of the team
/// itself) run their bodies under this lock, one at a time. Results never depend on the count.
private let threadCountLock = NSLock()

package func withFixedThreadCount<T>(_ body: () throws -> T) rethrows -> T {
    threadCountLock.lock()
    defer { threadCountLock.unlock() }
    return try body()
}
