import Foundation

/// All test targets run in one process and share `Parallel`'s worker team. A few tests change its
/// thread count; a few others run the same computation twice and compare the bytes, which holds
/// only if the count stays put in between (OpenBLAS may pick another kernel for another band
/// size). Both kinds run their bodies under this lock, one at a time.
private let threadCountLock = NSLock()

public func withFixedThreadCount<T>(_ body: () throws -> T) rethrows -> T {
    threadCountLock.lock()
    defer { threadCountLock.unlock() }
    return try body()
}
