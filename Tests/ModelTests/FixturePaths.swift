import Foundation

/// Where the committed test fixtures live, found from this source file's path (`#filePath`), so
/// tests read `Tests/Fixtures/...` without bundle resources and from any working directory.
enum FixturePaths {
    /// `Tests/Fixtures`.
    static var root: String {
        URL(fileURLWithPath: #filePath)   // Tests/ModelTests/FixturePaths.swift
            .deletingLastPathComponent()  // Tests/ModelTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures")
            .path
    }

    /// `Tests/Fixtures/parity/gpt`: the PyTorch GPT parity fixture
    /// (written by `notebooks-scripts/parity/gpt_fixture.py`).
    static var parityGPT: String { root + "/parity/gpt" }

    /// A file of the GPT parity fixture.
    static func parityGPT(_ name: String) -> String { parityGPT + "/" + name }
}
