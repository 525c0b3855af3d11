import Foundation
import Yams

/// A config as a tree of keys, between parsing and decoding. Mappings keep their key order;
/// everything else (scalars, lists) is a leaf holding its YAML node. Each entry remembers where its
/// value came from — a line of the file or a `--set` override — so that errors can point there.
struct ConfigTree {
    indirect enum Value {
        case leaf(Node)
        case mapping([Entry])
    }

    struct Entry {
        var key: String
        var tree: ConfigTree
    }

    var value: Value
    /// The 1-based line of the key in the file.
    var line: Int? = nil
    /// The `key.path=value` text that set this value.
    var override: String? = nil
    /// In the schema: whether the key's default is null (so null is an accepted value).
    var nullable = false

    /// The null scalar.
    static var null: Node { Node("null", Tag(.null), .plain) }

    var isNull: Bool {
        if case let .leaf(node) = value { return node.null != nil }
        return false
    }

    /// The child entries, or nil for a leaf.
    var entries: [Entry]? {
        if case let .mapping(entries) = value { return entries }
        return nil
    }

    /// The tree at `path` (keys; stops at a leaf and returns it for any deeper path).
    func locate(_ path: [String]) -> ConfigTree? {
        guard let first = path.first else { return self }
        guard let entries else { return self }
        guard let entry = entries.first(where: { $0.key == first }) else { return nil }
        return entry.tree.locate(Array(path.dropFirst()))
    }

    /// The YAML node this tree stands for, for the decoder.
    var node: Node {
        switch value {
        case let .leaf(node): return node
        case let .mapping(entries): return Node(entries.map { (Node($0.key), $0.tree.node) })
        }
    }
}

// MARK: - From a parsed file

extension ConfigTree {
    /// A file's tree: mappings become entries (string keys, each once), everything else a leaf.
    init(parsed node: Node, file: String, path: [String] = []) throws {
        guard case let .mapping(mapping) = node else {
            self.init(value: .leaf(node))
            return
        }
        var entries: [Entry] = []
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line
            guard case let .scalar(scalar) = keyNode else {
                throw ConfigError(
                    .unknownKey, file: file, line: line, keyPath: path.joined(separator: "."),
                    "a key must be a plain name, not a list or a mapping")
            }
            let key = scalar.string
            let keyPath = (path + [key]).joined(separator: ".")
            if entries.contains(where: { $0.key == key }) {
                throw ConfigError(.unknownKey, file: file, line: line, keyPath: keyPath, "key '\(key)' given twice")
            }
            var child = try ConfigTree(parsed: valueNode, file: file, path: path + [key])
            child.line = line
            entries.append(Entry(key: key, tree: child))
        }
        self.init(value: .mapping(entries))
    }

    /// Puts `user`'s values into this schema tree (the defaults, every key present). A key the
    /// schema lacks is an error, and so are a scalar or list where the schema has a section, and
    /// null for a key whose default is not null. Other type errors are left to the decoder.
    func merging(_ user: ConfigTree, file: String, path: [String] = []) throws -> ConfigTree {
        guard let schemaEntries = entries else { return self }
        let here = path.joined(separator: ".")
        guard let userEntries = user.entries else {
            if user.isNull { return self }   // an empty section (`run:`) keeps the defaults
            throw ConfigError(
                .wrongType, file: file, line: user.line, override: user.override, keyPath: here,
                "expected a mapping of \(schemaEntries.map(\.key).joined(separator: ", ")), found \(Self.describe(user.node))")
        }
        var merged = schemaEntries
        for entry in userEntries {
            let keyPath = (path + [entry.key]).joined(separator: ".")
            guard let i = merged.firstIndex(where: { $0.key == entry.key }) else {
                throw ConfigError(
                    .unknownKey, file: file, line: entry.tree.line, override: entry.tree.override,
                    keyPath: keyPath, Self.unknownKeyMessage(entry.key, in: schemaEntries))
            }
            let schema = merged[i].tree
            if schema.entries != nil {
                merged[i].tree = try schema.merging(entry.tree, file: file, path: path + [entry.key])
                merged[i].tree.line = entry.tree.line
                merged[i].tree.override = entry.tree.override
            } else {
                if entry.tree.isNull && !schema.nullable {
                    throw ConfigError(
                        .wrongType, file: file, line: entry.tree.line, override: entry.tree.override,
                        keyPath: keyPath, "must not be null (its default is \(Self.describe(schema.node)))")
                }
                var value = entry.tree
                value.nullable = schema.nullable
                merged[i].tree = value
            }
        }
        var result = self
        result.value = .mapping(merged)
        return result
    }

    static func unknownKeyMessage(_ key: String, in entries: [Entry]) -> String {
        "unknown key '\(key)' (expected one of: \(entries.map(\.key).joined(separator: ", ")))"
    }

    /// A short description of a found value for messages: `'abc'`, `null`, `a list`, `a mapping`.
    static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(s):
            if node.null != nil { return "null" }
            return s.style == .singleQuoted || s.style == .doubleQuoted ? "the quoted string '\(s.string)'" : "'\(s.string)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}

// MARK: - Overrides and derived defaults

extension ConfigTree {
    /// Sets the leaf at `path` to `value`. Every key of the path must be in the tree (which holds
    /// every key of the schema), and the last must not be a section.
    mutating func set(
        _ path: ArraySlice<String>, to value: ConfigTree, file: String, override: String,
        walked: [String] = []
    ) throws {
        guard let key = path.first else { return }
        let keyPath = (walked + [key]).joined(separator: ".")
        guard var entries else {
            throw ConfigError(
                .unknownKey, file: file, override: override, keyPath: keyPath,
                "\(walked.joined(separator: ".")) has no keys")
        }
        guard let i = entries.firstIndex(where: { $0.key == key }) else {
            throw ConfigError(
                .unknownKey, file: file, override: override, keyPath: keyPath,
                Self.unknownKeyMessage(key, in: entries))
        }
        if path.count == 1 {
            if let section = entries[i].tree.entries {
                throw ConfigError(
                    .wrongType, file: file, override: override, keyPath: keyPath,
                    "is a section; set one of its keys (\(section.map(\.key).joined(separator: ", ")))")
            }
            if value.isNull && !entries[i].tree.nullable {
                throw ConfigError(
                    .wrongType, file: file, override: override, keyPath: keyPath,
                    "must not be null")
            }
            var leaf = value
            leaf.nullable = entries[i].tree.nullable
            leaf.override = override
            entries[i].tree = leaf
        } else {
            try entries[i].tree.set(path.dropFirst(), to: value, file: file, override: override, walked: walked + [key])
        }
        self.value = .mapping(entries)
    }

    /// The scalar text at `path`, when it is a non-null scalar.
    func scalar(at path: [String]) -> String? {
        guard let tree = locate(path), !tree.isNull, case let .leaf(node) = tree.value,
            case let .scalar(s) = node
        else { return nil }
        return s.string
    }

    /// Replaces the subtree at `path` (every key of which must exist).
    mutating func replace(_ path: [String], with subtree: ConfigTree) {
        guard let key = path.first else { self = subtree; return }
        guard var entries, let i = entries.firstIndex(where: { $0.key == key }) else { return }
        entries[i].tree.replace(Array(path.dropFirst()), with: subtree)
        value = .mapping(entries)
    }

    /// Replaces the leaf at `path` with a plain string, if it is null; keeps its origin.
    mutating func fillNull(at path: [String], with text: String) {
        guard let key = path.first, var entries, let i = entries.firstIndex(where: { $0.key == key }) else { return }
        if path.count == 1 {
            guard entries[i].tree.isNull else { return }
            entries[i].tree.value = .leaf(Node(text))
        } else {
            entries[i].tree.fillNull(at: Array(path.dropFirst()), with: text)
        }
        value = .mapping(entries)
    }
}
