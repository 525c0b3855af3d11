import ArgumentParser
import Foundation

/// The length of one benchmark sample: all its ids, and how many of the last are the answer
/// (with its end token) the loss covers.
struct SampleLength: Equatable {
    let ids: Int
    let answer: Int
}

/// `gscope bench --lengths FILE`: the forget and retain sample lengths of a real data set
/// (`notebooks-scripts/bench/tofu_lengths.py` writes TOFU's), as
/// `{"forget": [[ids, answer], …], "retain": [[ids, answer], …], …}`.
struct BenchLengths {
    let forget: [SampleLength]
    let retain: [SampleLength]

    /// Reads and checks `path`: every sample has 2…`contextLength`+1 ids and 1…ids−1 answer ids.
    init(path: String, contextLength: Int) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("--lengths \(path): cannot read it (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("--lengths \(path): not a JSON object")
        }
        func read(_ key: String) throws -> [SampleLength] {
            guard let rows = object[key] as? [[Int]], !rows.isEmpty else {
                throw ValidationError("--lengths \(path): \"\(key)\" must be a non-empty list of [ids, answer ids] pairs")
            }
            return try rows.enumerated().map { i, row in
                guard row.count == 2, (2...(contextLength + 1)).contains(row[0]), (1..<row[0]).contains(row[1]) else {
                    throw ValidationError(
                        "--lengths \(path): \(key)[\(i)] is \(row); it needs [ids, answer ids] with 2 ≤ ids ≤ "
                            + "\(contextLength + 1) (the model's block size + 1) and 1 ≤ answer ids < ids")
                }
                return SampleLength(ids: row[0], answer: row[1])
            }
        }
        forget = try read("forget")
        retain = try read("retain")
    }
}
