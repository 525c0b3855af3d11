import TestSupport

/// Format-blind mutations of a file's bytes: bit flips, interesting bytes and integers written
/// over the data, truncations, deletions, duplications and splices. Positions favour the first
/// kilobyte, where headers and tables live.
enum ByteMutations {
    /// Integers that break size and offset arithmetic, written little-endian over 1, 2, 4 or 8 bytes.
    static let interestingIntegers: [UInt64] = [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        1_000_000_000, 1 << 32, 1 << 40, 1 << 48, UInt64(Int64.max), 1 << 63, UInt64.max, UInt64.max - 7,
    ]

    /// Applies one random byte-level mutation to `bytes`; `donor` (another valid file of any
    /// format) feeds splices. Returns a description of what was done.
    static func mutate(_ bytes: inout [UInt8], donor: [UInt8], rng: inout SplitMix) -> String {
        if bytes.isEmpty { bytes = Array(donor.prefix(64)); return "empty file replaced by 64 donor bytes" }
        switch rng.below(9) {
        case 0:
            let n = 1 + rng.below(8)
            var at: [Int] = []
            for _ in 0..<n {
                let p = position(in: bytes, rng: &rng)
                bytes[p] ^= 1 << UInt8(rng.below(8))
                at.append(p)
            }
            return "flip \(n) bit(s) at bytes \(at)"
        case 1:
            let p = position(in: bytes, rng: &rng), value = rng.pick([0x00, 0xFF, 0x7F, 0x80, 0x01, 0x20] as [UInt8])
            bytes[p] = value
            return "byte \(p) := 0x\(String(value, radix: 16))"
        case 2:
            let width = rng.pick([1, 2, 4, 8]), value = rng.pick(interestingIntegers)
            let p = min(position(in: bytes, rng: &rng), max(0, bytes.count - width))
            for k in 0..<min(width, bytes.count - p) { bytes[p + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            return "\(width)-byte integer \(value) written at byte \(p)"
        case 3:
            let keep = rng.chance(0.3) ? rng.below(min(bytes.count, 64) + 1) : rng.below(bytes.count)
            bytes.removeLast(bytes.count - keep)
            return "truncated to \(keep) bytes"
        case 4:
            let p = position(in: bytes, rng: &rng), n = min(bytes.count - p, 1 + rng.below(64))
            bytes.removeSubrange(p..<(p + n))
            return "deleted \(n) bytes at \(p)"
        case 5:
            let p = position(in: bytes, rng: &rng), n = min(bytes.count - p, 1 + rng.below(64))
            let chunk = Array(bytes[p..<(p + n)]), q = position(in: bytes, rng: &rng)
            bytes.insert(contentsOf: chunk, at: q)
            return "duplicated \(n) bytes from \(p) at \(q)"
        case 6:
            let from = rng.below(max(1, donor.count)), n = min(donor.count - from, 1 + rng.below(256))
            let q = position(in: bytes, rng: &rng)
            if n > 0 {
                let end = min(bytes.count, q + n)
                bytes.replaceSubrange(q..<end, with: donor[from..<(from + n)])
            }
            return "spliced \(max(n, 0)) donor bytes from \(from) over byte \(q)"
        case 7:
            let p = position(in: bytes, rng: &rng), n = min(bytes.count - p, 1 + rng.below(32))
            let q = position(in: bytes, rng: &rng), chunk = Array(bytes[p..<(p + n)])
            let end = min(bytes.count, q + n)
            bytes.replaceSubrange(q..<end, with: chunk)
            return "copied \(n) bytes from \(p) over byte \(q)"
        default:
            let n = 1 + rng.below(512)
            bytes += (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return "appended \(n) random bytes"
        }
    }

    /// A position in `bytes`, in the first kilobyte half of the time.
    static func position(in bytes: [UInt8], rng: inout SplitMix) -> Int {
        rng.chance(0.5) ? rng.below(min(bytes.count, 1024)) : rng.below(bytes.count)
    }
}
