import Foundation
import TestSupport

/// Structure-aware edits of JSON documents (tokenizer files, `config.json`, safetensors headers,
/// TOFU lines): a value anywhere in the tree replaced by a hostile one, a member deleted or added,
/// an array emptied, shortened or grown. Object keys are visited in sorted order so that the same
/// seed always picks the same place.
enum JSONEdits {
    /// A step into a JSON tree: an object key or an array index.
    enum Step: CustomStringConvertible {
        case key(String), index(Int)
        /// The key of an object step.
        var key: String? {
            if case .key(let k) = self { return k }
            return nil
        }
        var description: String {
            switch self {
            case .key(let k): "." + k
            case .index(let i): "[\(i)]"
            }
        }
    }

    /// Numbers that break size arithmetic: zero, negatives, 2³¹, 2⁴⁰, 10⁹, 2⁶³−1, huge doubles.
    nonisolated(unsafe) static let absurdNumbers: [Any] = [
        0, -1, 1, 2, -2_147_483_648, 2_147_483_647, 2_147_483_648, 4_294_967_296, 1_000_000_000,
        1 << 40, 1 << 53, Int.max, Int.min, 1e300, -1e300, 1e-300, 0.5, -0.0, 3.75,
    ]

    /// Values of the wrong type or shape.
    nonisolated(unsafe) static let wrongTypes: [Any] = [
        "", "x", "12", "1e9", String(repeating: "ab", count: 5000), "\u{0}", "é\u{202E}", NSNull(), true, false,
        [Any](), [String: Any](), [1, 2, 3], ["a", "b"], ["k": 1], deeplyNested(40),
    ]

    /// `[[[…[0]…]]]` nested `depth` times.
    static func deeplyNested(_ depth: Int) -> Any {
        var value: Any = 0
        for _ in 0..<depth { value = [value] }
        return value
    }

    /// A hostile value: an absurd number two times in three, else a wrong type.
    static func hostileValue(_ rng: inout SplitMix) -> Any {
        rng.below(3) < 2 ? rng.pick(absurdNumbers) : rng.pick(wrongTypes)
    }

    /// Every path in `value`, containers before their members, keys sorted.
    static func paths(_ value: Any, prefix: [Step] = []) -> [[Step]] {
        var out = [prefix]
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() { out += paths(object[key]!, prefix: prefix + [.key(key)]) }
        } else if let array = value as? [Any] {
            for (i, element) in array.enumerated() { out += paths(element, prefix: prefix + [.index(i)]) }
        }
        return out
    }

    static func get(_ root: Any, _ path: ArraySlice<Step>) -> Any? {
        guard let first = path.first else { return root }
        switch first {
        case .key(let k): return (root as? [String: Any])?[k].flatMap { get($0, path.dropFirst()) }
        case .index(let i):
            guard let a = root as? [Any], i < a.count else { return nil }
            return get(a[i], path.dropFirst())
        }
    }

    /// `root` with the value at `path` replaced by `transform(old)` (nil deletes it).
    static func update(_ root: Any, _ path: ArraySlice<Step>, _ transform: (Any) -> Any?) -> Any? {
        guard let first = path.first else { return transform(root) }
        switch first {
        case .key(let k):
            guard var object = root as? [String: Any], let child = object[k] else { return root }
            object[k] = update(child, path.dropFirst(), transform)
            return object
        case .index(let i):
            guard var array = root as? [Any], i < array.count else { return root }
            if let v = update(array[i], path.dropFirst(), transform) { array[i] = v } else { array.remove(at: i) }
            return array
        }
    }

    /// One structural edit anywhere in `root`; `prefer` (when non-empty) restricts the edit to
    /// paths whose last key is one of these names. Returns the new tree and a description.
    static func edit(_ root: Any, rng: inout SplitMix, prefer: Set<String> = []) -> (Any, String) {
        var candidates = paths(root)
        if !prefer.isEmpty {
            let preferred = candidates.filter { path in path.contains { step in step.key.map(prefer.contains) ?? false } }
            if !preferred.isEmpty { candidates = preferred }
        }
        let path = rng.pick(candidates)
        let name = path.isEmpty ? "<root>" : path.map(\.description).joined()
        let old = get(root, path[...])
        switch rng.below(10) {
        case 0..<5:
            let value = hostileValue(&rng)
            return (update(root, path[...]) { _ in value } ?? root, "\(name) := \(short(value))")
        case 5:
            guard !path.isEmpty else { return (hostileValue(&rng), "document replaced") }
            return (update(root, path[...]) { _ in nil } ?? root, "deleted \(name)")
        case 6:
            if let array = old as? [Any], !array.isEmpty {
                let keep = rng.below(array.count)
                return (update(root, path[...]) { _ in Array(array.prefix(keep)) } ?? root, "\(name) cut to \(keep) elements")
            }
            return (update(root, path[...]) { _ in [Any]() } ?? root, "\(name) := []")
        case 7:
            if let array = old as? [Any], !array.isEmpty {
                let extra = rng.chance(0.5) ? array[rng.below(array.count)] : hostileValue(&rng)
                return (update(root, path[...]) { _ in array + [extra] } ?? root, "\(name) grown by \(short(extra))")
            }
            if var object = old as? [String: Any] {
                let value = hostileValue(&rng)
                object["fuzz_\(rng.below(100))"] = value
                return (update(root, path[...]) { _ in object } ?? root, "\(name) got an unknown member \(short(value))")
            }
            let value = hostileValue(&rng)
            return (update(root, path[...]) { _ in value } ?? root, "\(name) := \(short(value))")
        case 8:
            // A number nudged: ±1, doubled, negated, times 10⁶.
            if let number = old as? NSNumber, !(old is Bool) {
                let x = number.doubleValue
                let v = rng.pick([x + 1, x - 1, x * 2, -x, x * 1e6, x / 3])
                let integral: Any = v.rounded() == v && abs(v) < 9e15 ? Int(v) as Any : v as Any
                return (update(root, path[...]) { _ in integral } ?? root, "\(name) := \(integral) (was \(x))")
            }
            let value = hostileValue(&rng)
            return (update(root, path[...]) { _ in value } ?? root, "\(name) := \(short(value))")
        default:
            // The value's type changed: a number becomes a string of itself, a string a number.
            let value: Any
            if let s = old as? String {
                value = Int(s) ?? s.count
            } else if let n = old as? NSNumber {
                value = n.stringValue
            } else if let a = old as? [Any] {
                value = a.first ?? NSNull()
            } else {
                value = [old ?? NSNull()]
            }
            return (update(root, path[...]) { _ in value } ?? root, "\(name) retyped to \(short(value))")
        }
    }

    /// JSON text of a tree (keys sorted; fragments allowed), or nil when Foundation cannot write it.
    static func serialize(_ value: Any) -> Data? {
        guard JSONSerialization.isValidJSONObject([value]) else { return nil }
        guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else { return nil }
        // Strip the wrapping array so that fragments and top-level values come out as themselves.
        return data.dropFirst().dropLast()
    }

    /// A short printable form of a value, for mutation descriptions.
    static func short(_ value: Any) -> String {
        if let s = value as? String { return s.count > 20 ? "\"\(s.prefix(8))…\" (\(s.utf8.count) bytes)" : "\"\(s)\"" }
        if value is NSNull { return "null" }
        let text = serialize(value).map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        return text.count > 40 ? String(text.prefix(40)) + "…" : text
    }

    /// Literals that JSON or YAML parsers may choke on, for text-level number replacement.
    static let numberLiterals = [
        "1e999", "-1e999", "99999999999999999999999", "-9223372036854775809", "9223372036854775808",
        "18446744073709551616", "1.0e-400", "0.5", "-0", "00", "1e", "NaN", "Infinity", "-Infinity", "0x10",
        "-", "4294967296", "1000000000", "-1", "0", "2147483648", "1099511627776",
    ]

    /// Text with one number token (a run of digits, with sign, point and exponent) replaced by a
    /// hostile literal; nil when the text has no number.
    static func replaceNumber(in text: [UInt8], rng: inout SplitMix) -> ([UInt8], String)? {
        var spans: [Range<Int>] = []
        var i = 0
        func isNumberByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x65 || b == 0x45 || b == 0x2B || b == 0x2D
        }
        // Only whole tokens: digits inside a word or a path (a temporary directory's name) stay.
        func isWordByte(_ b: UInt8) -> Bool {
            (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x2F || b == 0x5F || (b >= 0x30 && b <= 0x39) || b == 0x2D
        }
        while i < text.count {
            if text[i] >= 0x30 && text[i] <= 0x39 {
                var start = i
                if start > 0 && text[start - 1] == 0x2D { start -= 1 }
                var end = i
                while end < text.count && isNumberByte(text[end]) { end += 1 }
                var tail = end
                while tail < text.count && isWordByte(text[tail]) { tail += 1 }
                if (start == 0 || !isWordByte(text[start - 1])) && tail == end { spans.append(start..<end) }
                i = tail
            } else {
                i += 1
            }
        }
        guard !spans.isEmpty else { return nil }
        let span = rng.pick(spans), literal = rng.pick(numberLiterals)
        var out = text
        out.replaceSubrange(span, with: Array(literal.utf8))
        return (out, "number \"\(String(decoding: text[span], as: UTF8.self))\" at byte \(span.lowerBound) := \(literal)")
    }
}
