import Foundation

/// Paths the Datasets tests read. TOFU is never committed: it is read from `../shared/data/tofu`
/// beside the repository (CI clones the project with `shared/` beside it).
enum TestData {
    /// The repository root, found from this file's path.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // TestData.swift, DatasetsTests, Tests
        return url.path
    }()

    /// The real TOFU JSON files (MIT licence), beside the repository.
    static let tofu = URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent()
        .appendingPathComponent("shared/data/tofu").path

    /// A fresh empty directory under the system's temporary directory.
    static func temporaryDirectory(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("gscope-\(label)-\(UUID().uuidString.prefix(8))").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
