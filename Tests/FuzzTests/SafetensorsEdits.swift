import Foundation
import TestSupport

/// Field-aware edits of a safetensors file (an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets}}`, then the tensor bytes): the header length, a tensor's
/// dtype, shape or offsets, a tensor dropped, renamed or duplicated, the data cut short.
enum SafetensorsEdits {
    nonisolated(unsafe) static let dtypes: [Any] = [
        "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", "F8_E4M3", "X", "", "f32", 3, NSNull(),
    ]

    /// The header as a JSON object and the data section, or nil when `bytes` is not a safetensors file.
    static func split(_ bytes: [UInt8]) -> (header: [String: Any], data: [UInt8])? {
        guard bytes.count >= 8 else { return nil }
        let n = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(bytes.count - 8),
            let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + Int(n))])) as? [String: Any]
        else { return nil }
        return (header, Array(bytes[(8 + Int(n))...]))
    }

    static func join(header: Any, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8]? {
        guard var json = JSONEdits.serialize(header).map(Array.init) else { return nil }
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        let n = declaredLength ?? UInt64(json.count)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
        return out + json + data
    }

    /// One field-aware edit; nil when `bytes` does not parse (the caller falls back to byte edits).
    static func edit(_ bytes: [UInt8], rng: inout SplitMix) -> ([UInt8], String)? {
        guard let parts = split(bytes) else { return nil }
        var header = parts.header, data = parts.data
        let names = header.keys.filter { $0 != "__metadata__" }.sorted()
        guard !names.isEmpty else { return nil }
        let name = rng.pick(names)
        guard var entry = header[name] as? [String: Any] else { return nil }
        var what: String
        switch rng.below(10) {
        case 0:
            let length = rng.pick(
                [
                    0, 1, 7, UInt64(bytes.count), UInt64(bytes.count - 7), 1 << 40, 1 << 63, UInt64.max,
                    UInt64(bytes.count) * 2,
                ] as [UInt64])
            var out = bytes
            for k in 0..<8 { out[k] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(k))) }
            return (out, "header length := \(length)")
        case 1:
            let dtype = rng.pick(dtypes)
            entry["dtype"] = dtype
            what = "\(name).dtype := \(JSONEdits.short(dtype))"
        case 2, 3:
            var shape = entry["shape"] as? [Any] ?? []
            if shape.isEmpty || rng.chance(0.25) {
                shape = rng.chance(0.5) ? [] : shape + [rng.pick([0, 1, 2, 1 << 31, 1 << 40, -1] as [Int])]
            } else {
                shape[rng.below(shape.count)] = rng.pick(
                    [0, -1, 1, 3, 1 << 20, 1 << 31, 1 << 32, 1 << 40, 1 << 62, Int.max, 1.5, "4"] as [Any])
            }
            entry["shape"] = shape
            what = "\(name).shape := \(JSONEdits.short(shape))"
        case 4, 5:
            var offsets = entry["data_offsets"] as? [Any] ?? [0, 0]
            let begin = (offsets.first as? Int) ?? 0, end = (offsets.last as? Int) ?? 0
            offsets = rng.pick(
                [
                    [end, begin], [begin, end + 4], [begin, end - 4], [begin + 4, end], [begin, data.count + 1],
                    [begin, 1 << 40], [1 << 62, (1 << 62) + 4], [-4, end], [begin, Int.max], [begin], [begin, end, end],
                    [0, end - begin], [begin, begin], [data.count, data.count + end - begin],
                ] as [[Any]])
            entry["data_offsets"] = offsets
            what = "\(name).data_offsets := \(JSONEdits.short(offsets))"
        case 6:
            header[name] = nil
            return join(header: header, data: data).map { ($0, "tensor \(name) removed from the header") }
        case 7:
            let other = rng.pick(names)
            header[name] = nil
            header[other + rng.pick(["", ".x", "_"])] = entry
            return join(header: header, data: data).map { ($0, "tensor \(name) renamed or put over \(other)") }
        case 8:
            let keep = rng.below(max(1, data.count))
            data = Array(data.prefix(keep))
            return join(header: header, data: data).map { ($0, "data section cut to \(keep) bytes") }
        default:
            let (edited, description) = JSONEdits.edit(header, rng: &rng)
            return join(header: edited, data: data).map { ($0, "header: \(description)") }
        }
        header[name] = entry
        return join(header: header, data: data).map { ($0, what) }
    }
}
