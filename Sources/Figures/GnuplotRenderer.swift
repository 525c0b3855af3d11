import Foundation

/// Why rendering a figure failed.
package enum RenderError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No `gnuplot` executable on the PATH.
    case gnuplotMissing
    /// A file could not be written.
    case cannotWrite(path: String, reason: String)
    /// gnuplot exited with a non-zero status on figure `figure`; `stderr` is what it printed.
    case gnuplotFailed(figure: String, status: Int32, stderr: String)
    /// gnuplot succeeded but an image it should have written is missing or empty.
    case missingImage(figure: String, path: String)

    package var description: String {
        switch self {
        case .gnuplotMissing:
            return
                "gnuplot not found on the PATH: install gnuplot 5 with the cairo terminals (Debian: apt-get install gnuplot-nox)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .gnuplotFailed(let figure, let status, let stderr):
            return
                "gnuplot failed on figure \(figure) (exit \(status)):\n\(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .missingImage(let figure, let path): return "figure \(figure): gnuplot wrote no image \(path)"
        }
    }
}

/// Writes a figure's `.dat` and `.gp` into an output directory and runs gnuplot there, which
/// writes the `.png` (pngcairo) and `.pdf` (pdfcairo) beside them.
package struct GnuplotRenderer: Sendable {
    /// The directory the files go to (created if missing).
    package let outputDirectory: String
    /// The gnuplot executable.
    package let gnuplot: String

    /// What rendering a figure wrote.
    package struct Rendered: Sendable {
        /// The paths of the `.dat`, `.gp`, `.png` and `.pdf`.
        package let data, script, png, pdf: String
        /// Warnings gnuplot printed although it succeeded (empty when none).
        package let warnings: String
    }

    /// A renderer writing into `outputDirectory`, with gnuplot found on the PATH unless given.
    package init(outputDirectory: String, gnuplot: String? = nil) throws(RenderError) {
        guard let executable = gnuplot ?? Self.findOnPath("gnuplot") else { throw .gnuplotMissing }
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: outputDirectory, reason: error.localizedDescription)
        }
        self.outputDirectory = outputDirectory
        self.gnuplot = executable
    }

    /// Writes `figure.name`.dat and .gp (each atomically) and runs gnuplot on the script in the
    /// output directory.
    package func render(_ figure: Figure) throws(RenderError) -> Rendered {
        let base = URL(fileURLWithPath: outputDirectory).appendingPathComponent(figure.name).path
        try write(figure.data, to: base + ".dat")
        try write(figure.script, to: base + ".gp")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gnuplot)
        process.arguments = [figure.name + ".gp"]
        process.currentDirectoryURL = URL(fileURLWithPath: outputDirectory)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw .gnuplotFailed(
                figure: figure.name, status: -1, stderr: "cannot start \(gnuplot): \(error.localizedDescription)")
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .gnuplotFailed(figure: figure.name, status: process.terminationStatus, stderr: stderr)
        }
        for image in [base + ".png", base + ".pdf"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: image)[.size] as? Int) ?? 0
            guard size > 0 else { throw .missingImage(figure: figure.name, path: image) }
        }
        return Rendered(
            data: base + ".dat", script: base + ".gp", png: base + ".png", pdf: base + ".pdf",
            warnings: stderr.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func write(_ text: String, to path: String) throws(RenderError) {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    /// The first executable called `name` in the directories of `PATH`.
    static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
