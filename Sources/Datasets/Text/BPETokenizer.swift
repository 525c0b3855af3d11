import Foundation

/// Two adjacent token ids that a BPE merge joins into one new token.
package struct BPEPair: Hashable, Comparable, Sendable {
    package var left: Int32
    package var right: Int32

    package init(_ left: Int32, _ right: Int32) {
        self.left = left
        self.right = right
    }

    /// Pairs order by left id, then right id (the trainer's tie-break).
    package static func < (a: BPEPair, b: BPEPair) -> Bool { a.key < b.key }

    /// The pair as one 64-bit key, ordered like the pair.
    var key: UInt64 { UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right)) }
}

/// A GPT-2-style byte-level BPE tokenizer.
///
/// Ids 0–255 are the bytes; id 256 + r is the token made by merge r (its `left` and `right` ids
/// are always smaller), so merges are listed in rank order; the last three ids are begin, end and
/// padding: `vocabSize = 256 + merges.count + 3`.
///
/// Encoding: the text's UTF-8 bytes are split into chunks by `PreTokenizer` (merges never cross a
/// chunk boundary). Within a chunk, starting from one token per byte, the standard BPE loop runs:
/// find the adjacent pair with the lowest merge rank, replace each of its non-overlapping
/// occurrences (left to right) by the merged token, and repeat until no adjacent pair has a merge.
/// The ids of each distinct chunk are cached, so repeated words cost one dictionary look-up. The
/// cache is shared by copies of the tokenizer and locked for the length of an `encode` call, so
/// encoding from several threads is safe (the calls take turns).
///
/// Decoding concatenates the bytes of each token (special and unknown ids are skipped) and reads
/// them as UTF-8. Since every token stands for its exact bytes, `decode(encode(s)) == s` for every
/// string `s`.
package struct BPETokenizer: TextTokenizer {
    /// The merges in rank order; merge r creates id 256 + r.
    package let merges: [BPEPair]
    /// The bytes each non-special id stands for (256 + merges.count entries).
    let tokenBytes: [[UInt8]]
    /// Merge key → rank.
    let ranks: [UInt64: Int32]
    let cache = ChunkCache()

    /// A tokenizer from merges in rank order. Each merge may only use ids created before it
    /// (bytes and earlier merges), and no pair may be merged twice; `BPETokenizer.problem(in:)`
    /// says what is wrong otherwise, and this initialiser traps.
    package init(merges: [BPEPair]) {
        if let problem = Self.problem(in: merges) { preconditionFailure(problem) }
        self.merges = merges
        var bytes = (0..<256).map { [UInt8($0)] }
        bytes.reserveCapacity(256 + merges.count)
        var ranks: [UInt64: Int32] = [:]
        ranks.reserveCapacity(merges.count)
        for (r, m) in merges.enumerated() {
            bytes.append(bytes[Int(m.left)] + bytes[Int(m.right)])
            ranks[m.key] = Int32(r)
        }
        self.tokenBytes = bytes
        self.ranks = ranks
    }

    /// Why `merges` do not make a tokenizer (an id not yet defined, a repeated pair), or nil.
    package static func problem(in merges: [BPEPair]) -> String? {
        var seen: [UInt64: Int] = [:]
        for (r, m) in merges.enumerated() {
            let known = 256 + r
            for id in [m.left, m.right] where id < 0 || Int(id) >= known {
                return "merge \(r) [\(m.left), \(m.right)] uses id \(id), unknown at that point (ids 0–\(known - 1) exist)"
            }
            if let first = seen[m.key] { return "merge \(r) [\(m.left), \(m.right)] repeats merge \(first)" }
            seen[m.key] = r
        }
        return nil
    }

    /// 256 bytes + one id per merge + begin, end, padding.
    package var vocabSize: Int { 256 + merges.count + 3 }

    /// Begin, end and padding: the last three ids.
    package var special: SpecialTokens {
        let first = Int32(256 + merges.count)
        return SpecialTokens(begin: first, end: first + 1, padding: first + 2)
    }

    /// The bytes that `id` stands for; empty for special and unknown ids.
    package func bytes(of id: Int32) -> [UInt8] {
        id >= 0 && Int(id) < tokenBytes.count ? tokenBytes[Int(id)] : []
    }

    /// `id` as readable text: the special tokens as `<|begin|>`, `<|end|>`, `<|pad|>`; otherwise its
    /// bytes, with valid UTF-8 shown as text, a backslash as `\\` and control characters and bytes
    /// that are not (complete) UTF-8 as `\xNN`.
    package func piece(_ id: Int32) -> String {
        let s = special
        switch id {
        case s.begin: return "<|begin|>"
        case s.end: return "<|end|>"
        case s.padding: return "<|pad|>"
        default: return Self.render(bytes(of: id))
        }
    }

    /// The ids of `text`, without special tokens.
    package func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 1)
        append(text, to: &ids)
        return ids
    }

    /// The ids of `text`, with the begin token before and the end token after when asked for.
    package func encode(_ text: String, begin: Bool, end: Bool) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 3)
        if begin { ids.append(special.begin) }
        append(text, to: &ids)
        if end { ids.append(special.end) }
        return ids
    }

    /// The text of `ids`: their bytes concatenated and read as UTF-8; special and unknown ids are
    /// skipped (invalid UTF-8, possible only for id sequences that `encode` never makes, is
    /// replaced by U+FFFD).
    package func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where id >= 0 && Int(id) < tokenBytes.count { bytes.append(contentsOf: tokenBytes[Int(id)]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the ids of `text` to `ids`, chunk by chunk, through the cache.
    func append(_ text: String, to ids: inout [Int32]) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return }
        cache.lock.lock()
        defer { cache.lock.unlock() }
        bytes.withUnsafeBufferPointer { buffer in
            PreTokenizer.forEachChunk(in: buffer) { range in
                let chunk = bytes[range]
                if let cached = cache.ids[chunk] {
                    ids.append(contentsOf: cached)
                } else {
                    let encoded = encodeChunk(chunk)
                    if cache.ids.count >= ChunkCache.capacity { cache.ids.removeAll(keepingCapacity: true) }
                    cache.ids[ArraySlice(Array(chunk))] = encoded
                    ids.append(contentsOf: encoded)
                }
            }
        }
    }

    /// The BPE loop on one chunk: merge the lowest-rank adjacent pair everywhere, until none has a rank.
    func encodeChunk(_ chunk: ArraySlice<UInt8>) -> [Int32] {
        var symbols = chunk.map { Int32($0) }
        while symbols.count >= 2 {
            var bestRank = Int32.max
            var at = -1
            for i in 0..<(symbols.count - 1) {
                if let r = ranks[BPEPair(symbols[i], symbols[i + 1]).key], r < bestRank { bestRank = r; at = i }
            }
            if at < 0 { break }
            let m = merges[Int(bestRank)], merged = Int32(256) + bestRank
            var out = Array(symbols[..<at])
            out.reserveCapacity(symbols.count - 1)
            var i = at
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == m.left, symbols[i + 1] == m.right {
                    out.append(merged); i += 2
                } else {
                    out.append(symbols[i]); i += 1
                }
            }
            symbols = out
        }
        return symbols
    }

    /// Bytes as readable text (see `piece`).
    static func render(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        func hex(_ b: UInt8) { out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true) }
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xC2 && b < 0xE0 ? 2 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xF0 && b < 0xF5 ? 4 : 0
            if length == 0 || i + length > bytes.count { hex(b); i += 1; continue }
            if length == 1 {
                if b == 0x5C {
                    out += "\\\\"
                } else if b < 0x20 || b == 0x7F {
                    hex(b)
                } else {
                    out.unicodeScalars.append(Unicode.Scalar(b))
                }
                i += 1; continue
            }
            let slice = bytes[i..<(i + length)]
            let s = String(decoding: slice, as: UTF8.self)
            if let scalar = s.unicodeScalars.first, s.unicodeScalars.count == 1,
                scalar != "\u{FFFD}" || slice.elementsEqual([0xEF, 0xBF, 0xBD]),
                scalar.properties.generalCategory != .control
            {
                out += s
            } else {
                hex(b); i += 1; continue
            }
            i += length
        }
        return out
    }
}

/// Chunk bytes → ids, shared by copies of a tokenizer and guarded by a lock; emptied when it
/// reaches `capacity` entries so it stays bounded.
final class ChunkCache: @unchecked Sendable {
    static let capacity = 1 << 18
    let lock = NSLock()
    var ids: [ArraySlice<UInt8>: [Int32]] = [:]
}
