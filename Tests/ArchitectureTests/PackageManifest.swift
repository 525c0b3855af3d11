import Foundation

/// `Package.swift`'s targets and their dependencies, as `swift package dump-package` gives them.
enum PackageManifest {
    /// What went wrong running or reading `dump-package`.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The graph of the package's layers: every target except test targets and those under
    /// `Tests/` (the shared test support), with its dependencies; a product dependency is written
    /// `Product (package)`.
    static func graph(packageRoot: URL) throws -> DependencyGraph {
        try graph(dumpJSON: dumpPackage(packageRoot: packageRoot))
    }

    /// The graph of a `dump-package` JSON text.
    static func graph(dumpJSON: Data) throws -> DependencyGraph {
        guard let root = try JSONSerialization.jsonObject(with: dumpJSON) as? [String: Any],
            let targets = root["targets"] as? [[String: Any]]
        else {
            throw Failure(description: "dump-package gave no `targets` list")
        }
        var arrows: [String: Set<String>] = [:]
        for target in targets {
            guard let name = target["name"] as? String, let type = target["type"] as? String else {
                throw Failure(description: "a target of dump-package has no name or type")
            }
            if type == "test" || (target["path"] as? String)?.hasPrefix("Tests/") == true { continue }
            var dependencies: Set<String> = []
            for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
                if let byName = (dependency["byName"] ?? dependency["target"]) as? [Any], let module = byName.first as? String {
                    dependencies.insert(module)
                } else if let product = dependency["product"] as? [Any], let productName = product.first as? String,
                    let package = product.dropFirst().first as? String
                {
                    dependencies.insert("\(productName) (\(package))")
                } else {
                    throw Failure(description: "\(name): a dependency of unknown kind: \(dependency)")
                }
            }
            arrows[name] = dependencies
        }
        return DependencyGraph(arrows: arrows)
    }

    /// The JSON of `swift package dump-package`, run in a scratch directory of its own so that it
    /// neither waits for the lock of the `swift test` that runs this test nor touches `.build`.
    static func dumpPackage(packageRoot: URL) throws -> Data {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gscope-dump-package-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let errorFile = scratch.appendingPathComponent("stderr")
        guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
            throw Failure(description: "cannot create \(errorFile.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "swift", "package", "--package-path", packageRoot.path, "--scratch-path", scratch.path,
            "--manifest-cache", "none", "dump-package",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            throw Failure(description: "swift package dump-package exited with status \(process.terminationStatus): \(errors)")
        }
        return data
    }
}
