import Foundation
import Model
import NumericCore

/// How two arrays differ bit for bit, summarised for a test message: the number of elements, how
/// many differ, the first that does and the largest difference. Large arrays are compared through
/// this, never element by element in the message.
package struct BitComparison: CustomStringConvertible, Sendable {
    package let count: Int, otherCount: Int
    package let differing: Int
    package let firstIndex: Int?
    package let largestDifference: Double

    /// Same length and the same bits everywhere (so NaN equals NaN, and 0 differs from −0).
    package var identical: Bool { count == otherCount && differing == 0 }

    package var description: String {
        if count != otherCount { return "lengths differ: \(count) vs \(otherCount)" }
        guard let firstIndex else { return "\(count) elements, identical bits" }
        return "\(differing) of \(count) elements differ, the first at index \(firstIndex), the largest by \(largestDifference)"
    }

    package init(_ a: [Double], _ b: [Double]) {
        count = a.count
        otherCount = b.count
        var differing = 0, first: Int?, largest = 0.0
        for i in 0..<min(a.count, b.count) where a[i].bitPattern != b[i].bitPattern {
            differing += 1
            if first == nil { first = i }
            let d = abs(a[i] - b[i])
            largest = d.isNaN ? .nan : max(largest, d)
        }
        self.differing = differing
        firstIndex = first
        largestDifference = largest
    }

    /// Float32 values compare through their exact Float64 images.
    package init(_ a: [Float], _ b: [Float]) { self.init(a.map(Double.init), b.map(Double.init)) }
}

/// Runs `body` with `count` processes beside it that each keep a core busy (`sh` spinning), as on
/// a machine shared with other work, and stops them afterwards.
package func withCPUBurners<T>(_ count: Int, _ body: () throws -> T) throws -> T {
    let burners = try (0..<count).map { _ in
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "while :; do :; done"]
        try p.run()
        return p
    }
    defer {
        for p in burners where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in burners { p.waitUntilExit() }
    }
    return try body()
}

/// Computes `body`'s named arrays with each worker count of `workers` (under the thread-count lock,
/// one worker afterwards) and returns, for every count after the first, the comparisons with the
/// first count's arrays that are not identical, as messages (empty: the same bits everywhere).
package func differencesAcrossWorkerCounts(
    _ workers: [Int] = [1, 2, 3, 4],
    _ body: () throws -> [(name: String, values: [Double])]
) throws -> [String] {
    try withFixedThreadCount {
        defer { Parallel.configure(threads: 1) }
        var reference: [(name: String, values: [Double])] = []
        var messages: [String] = []
        for w in workers {
            Parallel.configure(threads: w)
            let result = try body()
            if reference.isEmpty { reference = result; continue }
            if result.map(\.name) != reference.map(\.name) {
                messages.append("\(w) workers: other arrays \(result.map(\.name))"); continue
            }
            for (mine, theirs) in zip(result, reference) {
                let c = BitComparison(mine.values, theirs.values)
                if !c.identical { messages.append("\(mine.name), \(w) workers against \(workers[0]): \(c)") }
            }
        }
        return messages
    }
}

/// Sequence 2 of a batch of four random sequences of `T` tokens, against the same sequence run
/// alone: how the model's logits for it differ (identical when a sequence's numbers do not
/// depend on its batch).
package func thirdSequenceAloneAgainstInBatch(
    _ model: any CausalLanguageModel, T: Int, vocabSize V: Int,
    rng: inout RNG
) throws -> BitComparison {
    let B = 4
    let tokens = (0..<(B * T)).map { _ in Int32(rng.below(V)) }
    _ = try model.forward(tokens: tokens, targets: tokens, mask: [Float](repeating: 1, count: B * T), batch: B, seq: T)
    let inBatch = Array(model.logits[(2 * T * V)..<(3 * T * V)])
    let third = Array(tokens[(2 * T)..<(3 * T)])
    _ = try model.forward(tokens: third, targets: third, mask: [Float](repeating: 1, count: T), batch: 1, seq: T)
    return BitComparison(Array(model.logits), inBatch)
}
