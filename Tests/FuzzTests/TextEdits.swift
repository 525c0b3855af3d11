import Foundation
import TestSupport

/// Line-aware edits of text files: JSON-lines records (TOFU splits) and YAML configurations.
enum TextEdits {
    /// Byte sequences that are not valid UTF-8 (or are valid but awkward: NUL, a BOM, a bidi control).
    static let badUTF8: [[UInt8]] = [
        [0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
        [0x00], [0xEF, 0xBB, 0xBF], [0xE2, 0x80, 0xAE], [0x80, 0x80, 0x80],
    ]

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    static func join(_ lines: [[UInt8]]) -> [UInt8] { Array(lines.joined(separator: [0x0A])) }

    /// One edit of a JSON-lines file: a record's fields edited as JSON, a line broken, cut, joined,
    /// duplicated or removed, bad UTF-8 or a bad escape put into a line, CRLF endings, a BOM.
    static func editJSONLines(_ bytes: [UInt8], rng: inout SplitMix) -> ([UInt8], String) {
        var lines = lines(bytes)
        let nonEmpty = lines.indices.filter { !lines[$0].isEmpty }
        guard !nonEmpty.isEmpty else { return (bytes + Array("{\"question\":1}\n".utf8), "a record appended to an empty file") }
        let n = rng.pick(nonEmpty)
        switch rng.below(12) {
        case 0..<4:
            guard let record = try? JSONSerialization.jsonObject(with: Data(lines[n]), options: [.fragmentsAllowed]) else {
                lines[n] = []
                return (join(lines), "line \(n + 1) emptied")
            }
            let (edited, what) = JSONEdits.edit(record, rng: &rng)
            guard let data = JSONEdits.serialize(edited) else { return (bytes, "no edit (unserialisable)") }
            lines[n] = Array(data)
            return (join(lines), "line \(n + 1): \(what)")
        case 4:
            let cut = rng.below(lines[n].count)
            lines.insert(Array(lines[n][cut...]), at: n + 1)
            lines[n] = Array(lines[n][..<cut])
            return (join(lines), "line \(n + 1) broken in two at column \(cut + 1)")
        case 5:
            let cut = rng.below(lines[n].count)
            lines[n] = Array(lines[n][..<cut])
            return (join(lines), "line \(n + 1) cut to \(cut) bytes")
        case 6:
            let bad = rng.pick(badUTF8), at = rng.below(lines[n].count + 1)
            lines[n].insert(contentsOf: bad, at: at)
            return (join(lines), "bytes \(bad.map { String($0, radix: 16) }) inserted in line \(n + 1) at column \(at + 1)")
        case 7:
            // A JSON escape that is no character: a lone surrogate, a short \u, an unknown escape.
            let escape = rng.pick(["\\ud800", "\\udfff\\ud800", "\\u12", "\\x41", "\\", "\\u0000"])
            if let q = lines[n].lastIndex(of: 0x22), q > 0 {
                lines[n].insert(contentsOf: Array(escape.utf8), at: q)
                return (join(lines), "escape \(escape) before the last quote of line \(n + 1)")
            }
            lines[n] += Array(escape.utf8)
            return (join(lines), "escape \(escape) appended to line \(n + 1)")
        case 8:
            lines.insert(lines[n], at: n)
            if rng.chance(0.5) { lines[n] = [] }
            return (join(lines), "line \(n + 1) duplicated (or a blank line inserted)")
        case 9:
            lines.remove(at: n)
            if n < lines.count, n > 0, rng.chance(0.5) {
                let next = lines.remove(at: n)
                lines[n - 1] += next
            }
            return (join(lines), "line \(n + 1) removed (and maybe two joined)")
        case 10:
            let junk = rng.pick(["[", "]", "{}", "[]", "null", "1", "\"s\"", "{\"question\": }", "{,}", "\u{FEFF}{}", "  \t"])
            lines.insert(Array(junk.utf8), at: n)
            return (join(lines), "line \(junk) inserted before line \(n + 1)")
        default:
            if rng.chance(0.5) {
                return (Array(join(lines.map { $0 + [0x0D] })), "CRLF line endings")
            }
            return ([0xEF, 0xBB, 0xBF] + bytes, "a UTF-8 byte-order mark at the start")
        }
    }

    /// YAML values of every wrong kind: absurd numbers, special floats, nulls, collections where a
    /// scalar belongs, unterminated quotes and flows, tags, undefined aliases.
    static let yamlValues = [
        "-1", "0", "1", "65", "257", "1000000000", "1e309", "-1e309", "99999999999999999999", "1099511627776",
        "9223372036854775807", "-9223372036854775808", ".nan", ".inf", "-.inf", "~", "null", "", "[]", "{}",
        "[1, 2", "{a: 1", "\"unterminated", "'x", "!!binary aGVsbG8=", "!!float x", "*undefined", "&anchor 3",
        "yes", "0x7fffffff", "0o17", "1_000", "2001-12-14", "[[[[[[[[[[1]]]]]]]]]]", "{a: {b: {c: 1}}}",
        "\"\\xFF\"", "|\n  block", "- a\n- b", "? complex key", "@reserved", "`tick",
        String(repeating: "x", count: 4096), "0.0", "1.0e-300", "-0.5", "2.5", "true", "false",
    ]

    /// The numeric knobs of an experiment config: sizes, counts, rates and seeds.
    static let numericKeys = [
        "seed", "threads", "max_length", "beta", "forget_weight", "retain_weight", "lr", "weight_decay", "eps",
        "max_grad_norm", "warmup_steps", "steps", "forget_batch", "retain_batch", "checkpoint_every", "record_every",
        "geffect_forget_size", "geffect_retain_size", "every",
    ]

    /// Absurd values for them: past the limits (65 and 257 threads), zero, negative, huge, non-finite.
    static let absurdNumbers = [
        "65", "256", "257", "0", "-1", "-7", "1000000000", "1099511627776", "9223372036854775807", "-9223372036854775808",
        "1e308", "1e309", ".nan", ".inf", "-.inf", "0.5", "1.0e-300", "-1.0e-5", "4294967297", "2147483648",
    ]

    /// A field-aware YAML edit: a numeric knob (present in the file, or added where it belongs
    /// when it is not) set to an absurd number, or a value turned into a list or a mapping.
    static func editYAMLField(_ bytes: [UInt8], rng: inout SplitMix) -> ([UInt8], String) {
        var lines = lines(bytes)
        let key = rng.pick(numericKeys)
        let value = rng.chance(0.85) ? rng.pick(absurdNumbers) : rng.pick(["[1, 2]", "{a: 1}", "\"12\"", "~", "true", "x"])
        guard
            let n = lines.firstIndex(where: {
                String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces).hasPrefix(key + ":")
            })
        else { return (bytes, "no \(key) line") }
        let indent = lines[n].prefix { $0 == 0x20 }
        lines[n] = Array(indent) + Array("\(key): \(value)".utf8)
        return (join(lines), "\(key): \(value)")
    }

    /// One edit of a YAML file: a `key: value` line given a hostile value, a line deleted,
    /// duplicated, re-indented or tab-indented, bad UTF-8, an alias bomb, an unknown key.
    static func editYAML(_ bytes: [UInt8], rng: inout SplitMix) -> ([UInt8], String) {
        var lines = lines(bytes)
        let valued = lines.indices.filter { i in
            let s = String(decoding: lines[i], as: UTF8.self)
            // Not the lines naming files: a wrong path is an error about that path, not about the config.
            return !s.hasPrefix("#") && s.contains(":") && !s.contains(": /")
        }
        guard !valued.isEmpty else { return (bytes + Array("threads: -1\n".utf8), "threads: -1 appended") }
        let n = rng.pick(valued)
        let line = String(decoding: lines[n], as: UTF8.self)
        let colon = line.firstIndex(of: ":")!
        let key = String(line[..<colon])
        switch rng.below(12) {
        case 0..<6:
            let value = rng.pick(yamlValues)
            lines[n] = Array((key + ": " + value).utf8)
            return (join(lines), "\(key.trimmingCharacters(in: .whitespaces)): \(JSONEdits.short(value))")
        case 6:
            lines.remove(at: n)
            return (join(lines), "line \(n + 1) (\(key.trimmingCharacters(in: .whitespaces))) deleted")
        case 7:
            lines.insert(lines[n], at: n)
            return (join(lines), "line \(n + 1) (\(key.trimmingCharacters(in: .whitespaces))) duplicated")
        case 8:
            let indent = rng.pick(["  ", "\t", " ", "    "])
            if rng.chance(0.5) || !line.hasPrefix(" ") {
                lines[n] = Array(indent.utf8) + lines[n]
                return (join(lines), "line \(n + 1) indented by \(JSONEdits.short(indent))")
            }
            lines[n] = Array(lines[n].drop { $0 == 0x20 })
            return (join(lines), "line \(n + 1) de-indented")
        case 9:
            let bad = rng.pick(TextEdits.badUTF8), at = rng.below(lines[n].count + 1)
            lines[n].insert(contentsOf: bad, at: at)
            return (join(lines), "bytes \(bad.map { String($0, radix: 16) }) inserted in line \(n + 1)")
        case 10:
            // Nested aliases: each level repeats the one before nine times.
            let levels = 2 + rng.below(8)
            var bomb = ["fuzz_a0: &a0 [x, x, x, x, x, x, x, x, x]"]
            for l in 1..<levels {
                let p = "*a\(l - 1)"
                bomb.append("fuzz_a\(l): &a\(l) [\(Array(repeating: p, count: 9).joined(separator: ", "))]")
            }
            lines += bomb.map { Array($0.utf8) }
            return (join(lines), "alias bomb of \(levels) levels (9^\(levels) nodes) appended")
        default:
            let child = key.prefix { $0 == " " } + "  fuzz_unknown: " + rng.pick(yamlValues)
            lines.insert(Array(child.utf8), at: n + 1)
            return (join(lines), "unknown member under \(key.trimmingCharacters(in: .whitespaces))")
        }
    }
}
