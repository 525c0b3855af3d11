import Experiments
import Foundation

/// Helpers shared by the config tests.
enum ConfigTestSupport {
    /// The repository root, found from this source file's path (`#filePath`).
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath)   // Tests/ExperimentsTests/ConfigTestSupport.swift
            .deletingLastPathComponent()   // Tests/ExperimentsTests
            .deletingLastPathComponent()   // Tests
            .deletingLastPathComponent()   // the root
            .path
    }

    /// The ConfigError thrown by `body`, or nil (also when it throws something else).
    static func configError(_ body: () throws -> Void) -> ConfigError? {
        do { try body(); return nil } catch let e as ConfigError { return e } catch { return nil }
    }

    /// The ConfigError of loading `yaml` (labelled `test.yaml`) with `overrides`.
    static func loadError(_ yaml: String, _ overrides: [String] = []) -> ConfigError? {
        configError { _ = try ExperimentConfig.load(yaml: yaml, file: "test.yaml", overrides: overrides) }
    }
}
