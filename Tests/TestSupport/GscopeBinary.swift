import Foundation

/// The release binary the command tests run (`make test` builds it first).
package let gscopeBinary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(".build/release/gscope").path

/// What one run of the binary did: its exit status (or the signal that ended it) and its output.
package struct GscopeRun: Sendable {
    package let status: Int32
    /// Whether a signal (a trap, a crash) ended the process rather than an exit.
    package let signalled: Bool
    package let stdout: String
    package let stderr: String
}

/// Runs `gscope arguments` in `directory` (default: the test's working directory) to its end,
/// with `environment` (default: the test process's own). Standard output goes to a temporary file
/// and standard error to a pipe, so that neither can fill up and block the child.
package func runGscope(_ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil) throws
    -> GscopeRun
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gscopeBinary)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("gscope-stdout-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)   // FileHandle below throws if it failed
    defer { try? FileManager.default.removeItem(atPath: outPath) }
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    defer { try? out.close() }
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let outData = FileManager.default.contents(atPath: outPath) ?? Data()
    return GscopeRun(
        status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
        stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}
