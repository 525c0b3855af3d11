import Datasets
import Foundation
import Store

/// `gscope inspect --interference`: a run's forget × risk-set interference (`/interference`) at
/// one measured step, per set: its total, how the pairs of one author (or Markov chain) compare
/// with the others, and the most damaging pairs with their questions.
///
/// `I[i, j] = ⟨∇ℓ_j, ∇(γ·L_i)⟩`: a descent step on forget instance i's share of the objective
/// changes item j's risk by −η·I[i, j] to first order, so a negative pair is damage (for the forget
/// set itself, a negative pair is instance i's unlearning spilling over to item j).
package enum InterferenceReport {
    /// The report at recorded step `step` (nil: the last one measured), with the `top` most
    /// damaging pairs of each set.
    package static func text(of path: String, step requested: Int? = nil, top: Int = 10) throws -> String {
        let file = try H5File.open(path)
        defer { try? file.close() }
        let root = file.root
        guard root.contains("interference/steps") else {
            return "\(path): no interference recorded (set run.interference_every to measure it)"
        }
        let steps = try root.read("interference/steps", as: Int64.self).values.map(Int.init)
        guard let row = requested.map({ steps.firstIndex(of: $0) }) ?? (steps.isEmpty ? nil : steps.count - 1) else {
            return "\(path): step \(requested.map(String.init) ?? "?") has no interference (measured at steps "
                + steps.map(String.init).joined(separator: ", ") + ")"
        }
        let config = try? ExperimentConfig.load(yaml: try root.stringAttribute("config"))
        let tokenizer = config.flatMap { $0.data.kind == .qa ? try? loadTokenizer($0.data.tokenizer) : nil }
        let forget = try Items(root, set: "forget", config: config, tokenizer: tokenizer)
        var out = [
            "\(path): interference at step \(steps[row]) (measured at steps \(steps.map(String.init).joined(separator: ", ")))",
            "I[i,j] = <grad l_j, grad(gamma L_i)>: a step on forget instance i changes item j's risk by -lr*I; negative = damage",
        ]
        for set in try root.group("interference").memberNames() where set != "steps" {
            let (values, shape) = try root.read("interference/\(set)/instance", as: Double.self)
            guard shape.count == 3, shape[1] == forget.count else {
                out.append("\(set): /interference/\(set)/instance has shape \(shape), expected [S, \(forget.count), N]")
                continue
            }
            let items = try Items(root, set: set, config: config, tokenizer: tokenizer)
            guard shape[2] == items.count else {
                out.append("\(set): /interference/\(set)/instance has shape \(shape), /data/\(set) holds \(items.count) items")
                continue
            }
            let (Nf, Nr) = (shape[1], shape[2])
            let pairs = Array(values[(row * Nf * Nr)..<((row + 1) * Nf * Nr)])
            let negative = pairs.filter { $0 < 0 }.count
            out.append(
                String(
                    format:
                        "%@: %d forget instances x %d items; sum %+.4g (the forget term's G-effect on %@), %.0f %% of pairs negative",
                    set, Nf, Nr, pairs.reduce(0, +), set, 100 * Double(negative) / Double(max(pairs.count, 1))))
            var same: [Double] = [], other: [Double] = []
            for i in 0..<Nf {
                for j in 0..<Nr where !(set == "forget" && i == j) {
                    guard let a = forget.groups[i], let b = items.groups[j] else { continue }
                    if a == b { same.append(pairs[i * Nr + j]) } else { other.append(pairs[i * Nr + j]) }
                }
            }
            if !same.isEmpty || !other.isEmpty {
                func mean(_ v: [Double]) -> String { v.isEmpty ? "—" : String(format: "%+.4g", v.reduce(0, +) / Double(v.count)) }
                out.append(
                    "  pairs of one \(forget.groupKind) (\(same.count)): mean \(mean(same)); other pairs (\(other.count)): mean \(mean(other))"
                        + (set == "forget" ? "; an instance with itself left out" : ""))
            }
            out.append(
                "  most damaging pairs (most negative I" + (set == "forget" ? ", an instance with itself left out):" : "):"))
            let candidates = pairs.indices.filter { set != "forget" || $0 / Nr != $0 % Nr }
            let order = candidates.sorted { (pairs[$0], $0) < (pairs[$1], $1) }.prefix(top)
            for k in order {
                let (i, j) = (k / Nr, k % Nr)
                out.append(
                    String(format: "  %+.4g  forget %d x %@ %d", pairs[k], forget.index[i], set, items.index[j])
                        + "\n      forget instance: \(forget.text[i])\n      \(set) item: \(items.text[j])")
            }
        }
        return out.joined(separator: "\n")
    }

    /// A set's items as the run file holds them: their indices in their split, their author (or
    /// chain) when known, and their text when the tokenizer can be loaded.
    struct Items {
        let index: [Int]
        let groups: [String?]
        let text: [String]
        let groupKind: String
        var count: Int { index.count }

        init(_ root: H5Group, set: String, config: ExperimentConfig?, tokenizer: (any TextTokenizer)?) throws {
            let data = "data/\(set)"
            let index = try root.read(data + "/index", as: Int64.self).values.map(Int.init)
            self.index = index
            let (tokens, shape) = try root.read(data + "/tokens", as: Int32.self)
            let mask = try root.read(data + "/mask", as: Float.self).values
            // A hand-edited file may disagree with itself: text only where tokens and mask fit the index.
            let T = shape.count == 2 && shape[0] == index.count && mask.count == tokens.count ? shape[1] : 0
            var found: [String?]
            if root.contains(data + "/group") {
                found = try root.readStrings(data + "/group")
                groupKind = "chain"
            } else if config?.data.kind == .markov {
                found = index.map { _ in set }
                groupKind = "chain"
            } else if root.contains(data + "/author") {
                found = try root.read(data + "/author", as: Int64.self).values.map { "\(set) author \($0)" }
                groupKind = "author"
            } else {
                found = []
                groupKind = "author"
            }
            groups = found.count == index.count ? found : index.map { _ in nil }
            text = index.indices.map { n in
                guard let tokenizer, T > 0 else { return "(item \(index[n]))" }
                let row = Array(tokens[(n * T)..<((n + 1) * T)]), m = Array(mask[(n * T)..<((n + 1) * T)])
                let answerStart = m.firstIndex { $0 != 0 } ?? T
                func clean(_ ids: ArraySlice<Int32>) -> String {
                    tokenizer.decode(ids.filter { $0 >= 0 && $0 < tokenizer.vocabSize && $0 != tokenizer.special.padding })
                        .split(whereSeparator: \.isWhitespace).joined(separator: " ")
                }
                let answerEnd = m.lastIndex { $0 != 0 }.map { $0 + 2 } ?? T
                let line =
                    clean(row[..<min(answerStart + 1, T)]) + " | " + clean(row[min(answerStart + 1, T)..<min(answerEnd, T)])
                return line.count > 160 ? String(line.prefix(157)) + "..." : line
            }
        }
    }
}
