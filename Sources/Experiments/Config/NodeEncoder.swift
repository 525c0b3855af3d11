import Foundation
import Yams

/// Encodes a value into a YAML node the way a resolved config is written: mappings in the order
/// the keys are encoded, **nil written as null** (also through `encodeIfPresent`, so optional
/// keys are never dropped), lists in flow style (`[0.9, 0.999]`), and floating-point numbers in
/// their shortest exact form with a decimal point (`1.0e-05`, which YAML 1.1 readers such as
/// PyYAML also read as a float). Strings that would read as another type (`"null"`, `"1.5"`)
/// are quoted.
enum NodeEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> Node {
        let box = Box()
        try box.store(value, codingPath: [])
        return box.node
    }

    /// The YAML text of a floating-point number.
    static func format(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        var text = "\(value)"
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }), !text[..<e].contains(".") {
            text.insert(contentsOf: ".0", at: e)
        }
        return text
    }

    /// One node under construction.
    final class Box {
        enum Content {
            case empty
            case scalar(Node)
            case mapping([(String, Box)])
            case sequence([Box])
        }
        var content = Content.empty

        var node: Node {
            switch content {
            case .empty: return ConfigTree.null
            case let .scalar(node): return node
            case let .mapping(pairs): return Node(pairs.map { (Node($0.0, Tag(.str)), $0.1.node) }, Tag(.map), .block)
            case let .sequence(boxes): return Node(boxes.map(\.node), Tag(.seq), .flow)
            }
        }

        /// A new box for `key` (replacing an earlier one of the same key) in this mapping.
        func child(_ key: String) -> Box {
            let box = Box()
            var pairs: [(String, Box)] = []
            if case let .mapping(existing) = content { pairs = existing }
            if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = box } else { pairs.append((key, box)) }
            content = .mapping(pairs)
            return box
        }

        /// A new box appended to this sequence.
        func element() -> Box {
            let box = Box()
            var boxes: [Box] = []
            if case let .sequence(existing) = content { boxes = existing }
            boxes.append(box)
            content = .sequence(boxes)
            return box
        }

        func storeNil() { content = .scalar(ConfigTree.null) }

        func store<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
            switch value {
            case let v as Double: content = .scalar(Node(NodeEncoder.format(v), Tag(.float)))
            case let v as Float: content = .scalar(Node(NodeEncoder.format(Double(v)), Tag(.float)))
            case let v as String:
                // Quote a string that a YAML reader would take for a number, a boolean or null.
                let quote = Resolver.default.resolveTag(of: Node(v)) != .str
                content = .scalar(Node(v, Tag(.str), quote ? .doubleQuoted : .any))
            case let v as Bool: content = .scalar(Node(v ? "true" : "false", Tag(.bool)))
            case let v as any BinaryInteger: content = .scalar(Node("\(v)", Tag(.int)))
            default: try value.encode(to: Writer(box: self, codingPath: codingPath))
            }
        }
    }

    /// The `Encoder` handed to `encode(to:)`; writes into its box.
    struct Writer: Encoder {
        let box: Box
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .mapping = box.content {} else { box.content = .mapping([]) }
            return KeyedEncodingContainer(Keyed<Key>(box: box, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .sequence = box.content {} else { box.content = .sequence([]) }
            return Unkeyed(box: box, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(box: box, codingPath: codingPath) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: Box
        let codingPath: [any CodingKey]

        private func put<T: Encodable>(_ value: T?, _ key: Key) throws {
            let child = box.child(key.stringValue)
            if let value { try child.store(value, codingPath: codingPath + [key]) } else { child.storeNil() }
        }

        mutating func encodeNil(forKey key: Key) throws { try put(String?.none, key) }
        mutating func encode(_ v: Bool, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: String, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: Double, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: Float, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: Int, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: Int8, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: Int16, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: Int32, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: Int64, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: UInt, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: UInt8, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: UInt16, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: UInt32, forKey key: Key) throws { try put(v, key) }
        mutating func encode(_ v: UInt64, forKey key: Key) throws { try put(v, key) }
        mutating func encode<T: Encodable>(_ v: T, forKey key: Key) throws { try put(v, key) }

        // Optional keys are written as null rather than dropped.
        mutating func encodeIfPresent(_ v: Bool?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: String?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: Double?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: Float?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: Int?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: Int8?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: Int16?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: Int32?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: Int64?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: UInt?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: UInt8?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: UInt16?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: UInt32?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent(_ v: UInt64?, forKey key: Key) throws { try put(v, key) }
        mutating func encodeIfPresent<T: Encodable>(_ v: T?, forKey key: Key) throws { try put(v, key) }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type,
            forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            Writer(box: box.child(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            Writer(box: box.child(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { Writer(box: box.child("super"), codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            Writer(box: box.child(key.stringValue), codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let box: Box
        let codingPath: [any CodingKey]
        var count: Int {
            if case let .sequence(boxes) = box.content { return boxes.count }
            return 0
        }

        mutating func encodeNil() throws { box.element().storeNil() }
        mutating func encode<T: Encodable>(_ v: T) throws { try box.element().store(v, codingPath: codingPath) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            Writer(box: box.element(), codingPath: codingPath).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            Writer(box: box.element(), codingPath: codingPath).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { Writer(box: box.element(), codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let box: Box
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { box.storeNil() }
        mutating func encode<T: Encodable>(_ v: T) throws { try box.store(v, codingPath: codingPath) }
    }
}
