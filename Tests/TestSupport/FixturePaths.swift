import Foundation

/// Where the committed test fixtures live, found from this source file's path (`#filePath`), so
/// tests read `Tests/Fixtures/...` without bundle resources and from any working directory.
package enum FixturePaths {
    /// `Tests/Fixtures`.
    package static var root: String {
        URL(fileURLWithPath: #filePath)   // Tests/TestSupport/FixturePaths.swift
            .deletingLastPathComponent()   // Tests/TestSupport
            .deletingLastPathComponent()   // Tests
            .appendingPathComponent("Fixtures")
            .path
    }

    /// `Tests/Fixtures/parity/gpt`: the PyTorch GPT parity fixture
    /// (written by `notebooks-scripts/parity/gpt_fixture.py`).
    package static var parityGPT: String { root + "/parity/gpt" }

    /// A file of the GPT parity fixture.
    package static func parityGPT(_ name: String) -> String { parityGPT + "/" + name }
}

extension FixturePaths {
    /// `Tests/Fixtures/parity/objectives`: the PyTorch objectives parity fixture
    /// (written by `notebooks-scripts/parity/objectives_fixture.py`).
    package static var parityObjectives: String { root + "/parity/objectives" }

    /// `Tests/Fixtures/parity/metrics/metrics.json`: the TOFU-metrics parity fixture (scipy,
    /// scikit-learn, rouge_score, nltk; written by `notebooks-scripts/parity/metrics_fixture.py`).
    package static var parityMetrics: String { root + "/parity/metrics/metrics.json" }
}

/// A fresh empty directory under the system's temporary directory.
package func temporaryDirectory(_ label: String) -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("gscope-\(label)-\(UUID().uuidString.prefix(8))").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

extension FixturePaths {
    /// `Tests/Fixtures/parity/llama`: the Hugging Face Llama parity fixture
    /// (written by `notebooks-scripts/parity/llama_fixture.py`).
    package static var parityLlama: String { root + "/parity/llama" }
}

extension FixturePaths {
    /// `Tests/Fixtures/parity/smollm2/logprobs.json`: SmolLM2's token ids and log-probabilities
    /// from transformers (written by `notebooks-scripts/parity/smollm2_logprobs_fixture.py`).
    package static var paritySmolLM2: String { root + "/parity/smollm2/logprobs.json" }

    /// `models/SmolLM2-135M-Instruct.Q4_1.gguf` (fetched by `make model`, never committed), or nil
    /// with a printed note when it is missing.
    package static var smolLM2Model: String? {
        let path = URL(fileURLWithPath: root).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        if FileManager.default.fileExists(atPath: path) { return path }
        print("note: \(path) is missing (make model fetches it): the SmolLM2 tests are skipped")
        return nil
    }
}
