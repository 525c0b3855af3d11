import Foundation
import Testing
import Store

/// A fresh directory under the system temporary directory, removed after `body` returns.
func withTemporaryDirectory<R>(_ body: (URL) throws -> R) throws -> R {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("gscope-store-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// The path of `name` inside `directory`.
func path(_ directory: URL, _ name: String) -> String {
    directory.appendingPathComponent(name).path
}

let h5dumpPath = "/usr/bin/h5dump"
let h5dumpInstalled = FileManager.default.isExecutableFile(atPath: h5dumpPath)

/// Runs h5dump with `arguments` and returns its exit status and standard output + error.
func runH5dump(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: h5dumpPath)
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
