import Experiments
import Foundation
import Sweeps

/// What `gscope sweep slurm` and `gscope sweep parallel` share: starting sbatch or parallel, and
/// the tally of finished runs after them.
enum SweepLauncher {
    /// Runs the program `words[0]`, found on PATH, with the other words as its arguments (no shell),
    /// standard input from /dev/null and standard error shared, to its end. Its standard output is
    /// shared too, unless `onFirstLine` is given: then its first line goes to `onFirstLine` as soon
    /// as it arrives and the rest is printed. The exit status (127: not found; 128 + N: signal N)
    /// and the first line.
    static func runTool(_ words: [String], onFirstLine: ((String) -> Void)? = nil) throws -> (status: Int32, firstLine: String?) {
        fflush(nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--"] + words
        process.standardInput = FileHandle.nullDevice
        let pipe = onFirstLine == nil ? nil : Pipe()
        if let pipe { process.standardOutput = pipe }
        do { try process.run() } catch { throw fail("\(words[0]): cannot start: \(error.localizedDescription)", exitCode: 1) }
        var firstLine: String?
        if let pipe, let onFirstLine {
            let handle = pipe.fileHandleForReading
            var buffer = Data()
            while firstLine == nil {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    firstLine = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer = Data(buffer[(newline + 1)...])
                }
            }
            if firstLine == nil, !buffer.isEmpty { firstLine = String(decoding: buffer, as: UTF8.self) }
            if let firstLine { onFirstLine(firstLine) }
            buffer.append(handle.readDataToEndOfFile())
            if firstLine != nil, !buffer.isEmpty { FileHandle.standardOutput.write(buffer) }
        }
        process.waitUntilExit()
        let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        return (status, firstLine)
    }

    /// After a launcher ran the sweep to its end: prints how many runs finished; exit 1 (one line
    /// naming the runs not finished and where the logs are) when some did not or the launcher failed.
    static func reportFinished(_ sweep: SweepDirectory, launcher: String, logs: String, status: Int32) throws {
        let unfinished = sweep.entries.filter { !sweep.state(of: $0).isFinished }
        let total = sweep.entries.count
        print("\(total - unfinished.count) of \(total) runs are finished.")
        guard unfinished.isEmpty, status == 0 else {
            let names = unfinished.prefix(5).map(\.id).joined(separator: ", ") + (unfinished.count > 5 ? ", …" : "")
            throw fail(
                "\(launcher) exited with status \(status); \(unfinished.count) of \(total) runs are not finished"
                    + (unfinished.isEmpty ? "" : " (\(names))") + "; logs: \(logs)",
                exitCode: 1)
        }
    }
}
