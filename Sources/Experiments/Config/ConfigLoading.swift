import Foundation
import Datasets
import GGUF
import Unlearning
import Yams

extension ExperimentConfig {
    /// Reads a config file, applies `--set key.path=value` overrides, fills in the defaults and
    /// validates the result. Every problem is a `ConfigError` naming the file, the line or the
    /// override, and the key.
    ///
    /// - Parameters:
    ///   - path: a YAML file; its name without extension is the default `name`.
    ///   - overrides: `key.path=value` strings, applied in order after the file, e.g.
    ///     `objective.forget.beta=0.5`, `optimizer.betas=[0.9,0.95]`, `run.epochs=2`. The value is
    ///     read as YAML (a scalar or a flow list), `null` clears a key.
    package static func load(path: String, overrides: [String] = []) throws -> ExperimentConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(.unreadable, file: path, "cannot read the config file (\(FileErrorText.cause(error)))")
        }
        return try load(yaml: text, file: path, overrides: overrides)
    }

    /// Loads a config from YAML text, as `load(path:overrides:)` does from a file. `file` labels
    /// errors and gives the default name (its name without extension; "experiment" for a label
    /// in angle brackets such as the default).
    package static func load(yaml: String, file: String = "<yaml>", overrides: [String] = []) throws -> ExperimentConfig {
        var tree = try schema.merging(try parse(yaml, file: file), file: file)
        for text in overrides { try apply(override: text, to: &tree, file: file) }
        fillDerivedDefaults(&tree, file: file)
        try checkObjectiveKeys(tree, file: file)
        var config: ExperimentConfig
        do {
            config = try YAMLDecoder().decode(ExperimentConfig.self, from: tree.node)
        } catch let error as DecodingError {
            throw configError(error, tree: tree, file: file)
        }
        // TOFU's metric suite needs a TOFU forget split: a config file's eval.every (the SmolLM2
        // configs evaluate) is dropped for a forget file, while an override asking for it is refused.
        if config.data.kind == .qa, config.data.forgetFile != nil, config.eval.every > 0,
            tree.locate(["eval", "every"])?.override == nil
        {
            config.eval.every = 0
        }
        if let problem = config.problems().first {
            let origin = tree.locate(problem.keyPath.split(separator: ".").map(String.init))
            throw ConfigError(
                problem.kind, file: file, line: origin?.line, override: origin?.override,
                keyPath: problem.keyPath, problem.message)
        }
        return config
    }

    /// Checks the values' ranges and combinations (`load` does this already): throws the first
    /// problem, without a line, for a config built or changed in code.
    package func validate(file: String = "<config>") throws {
        if let problem = problems().first {
            throw ConfigError(problem.kind, file: file, keyPath: problem.keyPath, problem.message)
        }
    }

    /// The fully resolved config as YAML: every key in schema order, null written as `null`,
    /// lists in flow style. Deterministic; loading it gives an equal config. This is the text a
    /// run file stores.
    package var resolvedYAML: String {
        do {
            return try Yams.serialize(node: try NodeEncoder.encode(self), width: -1, allowUnicode: true)
        } catch {
            fatalError("a config always encodes to YAML: \(error)")
        }
    }
}

// MARK: - The steps of loading

extension ExperimentConfig {
    /// The keys whose default follows from other keys; they are null in the schema until
    /// `fillDerivedDefaults` runs.
    static let derivedKeys: [[String]] = [
        ["name"], ["data", "forget_split"], ["data", "retain_split"], ["run", "steps"], ["run", "out"],
    ]

    /// Every key with its default: `defaults` encoded, with the derived keys set to null. Keys
    /// whose default is null accept null.
    static var schema: ConfigTree {
        do {
            var tree = try ConfigTree(parsed: try NodeEncoder.encode(ExperimentConfig.defaults), file: "<defaults>")
            openObjectiveKeys(&tree)
            markNullable(&tree)
            for path in derivedKeys {
                setNullable(&tree, path[...])
                try tree.set(path[...], to: ConfigTree(value: .leaf(ConfigTree.null)), file: "<defaults>", override: "")
            }
            clearOverrides(&tree)
            return tree
        } catch {
            fatalError("the defaults always encode: \(error)")
        }
    }

    /// The parameter keys of `objective.forget` and `objective.retain` in the schema: every key
    /// some registered term reads (null: that term's default). Which of them the named term
    /// reads is `checkObjectiveKeys`'s business.
    private static func openObjectiveKeys(_ tree: inout ConfigTree) {
        for (side, keys) in [
            ("forget", ObjectiveRegistry.forgetParameterKeys), ("retain", ObjectiveRegistry.retainParameterKeys),
        ] {
            guard var section = tree.locate(["objective", side]), var entries = section.entries else { continue }
            entries.removeAll { $0.key != ObjectiveName.name.rawValue }
            for key in keys {
                entries.append(ConfigTree.Entry(key: key, tree: ConfigTree(value: .leaf(ConfigTree.null))))
            }
            section.value = .mapping(entries)
            tree.replace(["objective", side], with: section)
        }
    }

    private static func markNullable(_ tree: inout ConfigTree) {
        guard var entries = tree.entries else { tree.nullable = tree.isNull; return }
        for i in entries.indices { markNullable(&entries[i].tree) }
        tree.value = .mapping(entries)
    }

    private static func setNullable(_ tree: inout ConfigTree, _ path: ArraySlice<String>) {
        guard let key = path.first, var entries = tree.entries,
            let i = entries.firstIndex(where: { $0.key == key })
        else { return }
        if path.count == 1 { entries[i].tree.nullable = true } else { setNullable(&entries[i].tree, path.dropFirst()) }
        tree.value = .mapping(entries)
    }

    private static func clearOverrides(_ tree: inout ConfigTree) {
        tree.override = nil
        guard var entries = tree.entries else { return }
        for i in entries.indices { clearOverrides(&entries[i].tree) }
        tree.value = .mapping(entries)
    }

    /// The file's tree; an empty file is an empty mapping.
    static func parse(_ yaml: String, file: String) throws -> ConfigTree {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        }
        guard let node else { return ConfigTree(value: .mapping([])) }
        let tree = try ConfigTree(parsed: node, file: file)
        if tree.entries == nil && !tree.isNull {
            throw ConfigError(
                .wrongType, file: file, line: node.mark?.line,
                "expected a mapping of keys (name, seed, model, …), found \(ConfigTree.describe(node))")
        }
        return tree.entries == nil ? ConfigTree(value: .mapping([])) : tree
    }

    package static func syntaxError(_ error: YamlError, file: String, override: String? = nil) -> ConfigError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ConfigError(
                .syntax, file: file, line: override == nil ? mark.line : nil, column: mark.column,
                override: override, "not valid YAML: \(what)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(
                .unknownKey, file: file, line: override == nil ? context.mark.line : nil, override: override,
                "key \(keys) given twice in the mapping that starts here")
        default:
            return ConfigError(.syntax, file: file, override: override, "not valid YAML: \(error)")
        }
    }

    /// Applies one `key.path=value` override.
    static func apply(override text: String, to tree: inout ConfigTree, file: String) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw ConfigError(.syntax, file: file, override: text, "expected key.path=value")
        }
        let keyPath = text[..<eq].trimmingCharacters(in: .whitespaces)
        let path = keyPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !keyPath.isEmpty, !path.contains(where: \.isEmpty) else {
            throw ConfigError(.syntax, file: file, override: text, "expected key.path=value, with keys joined by dots")
        }
        let valueText = String(text[text.index(after: eq)...])
        let node: Node?
        do {
            node = try Yams.compose(yaml: valueText)
        } catch let error as YamlError {
            throw syntaxError(error, file: file, override: text)
        }
        guard let node else {
            throw ConfigError(
                .syntax, file: file, override: text, keyPath: keyPath,
                "no value after '=' (write null to clear a key)")
        }
        var value = try ConfigTree(parsed: node, file: file)
        value.line = nil
        try tree.set(path[...], to: value, file: file, override: text)
    }

    /// Fills the keys whose default follows from others, where they are still null.
    static func fillDerivedDefaults(_ tree: inout ConfigTree, file: String) {
        tree.fillNull(at: ["name"], with: defaultName(for: file))
        if let name = tree.scalar(at: ["name"]) { tree.fillNull(at: ["run", "out"], with: "runs/\(name)") }
        // A set named by a file has no split: forget01 and its complement only stand in for
        // sets that neither a split nor a file names.
        if tree.locate(["data", "forget_file"])?.isNull ?? true, let forget = defaults.data.forgetSplit {
            tree.fillNull(at: ["data", "forget_split"], with: forget.rawValue)
        }
        if tree.locate(["data", "retain_file"])?.isNull ?? true,
            let forget = tree.scalar(at: ["data", "forget_split"]).flatMap(TOFUForgetSet.init(rawValue:))
        {
            tree.fillNull(at: ["data", "retain_split"], with: forget.complement.rawValue)
        }
        if tree.scalar(at: ["run", "epochs"]) == nil, let steps = defaults.run.steps {
            tree.fillNull(at: ["run", "steps"], with: String(steps))
        }
    }

    /// Refuses a hyper-parameter the named objective (or retain term) does not read, and an
    /// alias given together with the key it sets (SimNPO's `delta` with `gamma`).
    static func checkObjectiveKeys(_ tree: ConfigTree, file: String) throws {
        for side in ["forget", "retain"] {
            guard let name = tree.scalar(at: ["objective", side, "name"]),
                let entries = tree.locate(["objective", side])?.entries
            else { continue }
            let term: (any RegisteredTerm.Type)? =
                side == "forget" ? ObjectiveRegistry.forget(named: name) : ObjectiveRegistry.retain(named: name)
            guard term != nil || (side == "retain" && name == ObjectiveRegistry.noRetainTerm) else { continue }
            let reads = term?.parameterKeys ?? []
            let given = entries.filter { $0.key != ObjectiveName.name.rawValue && !$0.tree.isNull }
            func error(_ entry: ConfigTree.Entry, _ message: String) -> ConfigError {
                ConfigError(
                    .conflict, file: file, line: entry.tree.line, override: entry.tree.override,
                    keyPath: "objective.\(side).\(entry.key)", message)
            }
            if let entry = given.first(where: { !reads.contains($0.key) }) {
                let list = reads.isEmpty ? "it takes no hyper-parameters" : "it reads \(reads.joined(separator: ", "))"
                throw error(entry, "\(name) does not read \(entry.key) (\(list)); leave it null")
            }
            for alias in term?.parameterAliases ?? [] {
                if let entry = given.first(where: { $0.key == alias.key }), given.contains(where: { $0.key == alias.sets }) {
                    throw error(entry, "\(alias.key) sets \(alias.sets); give only one of them")
                }
            }
        }
    }

    /// The run name a file gives by default: its name without extension.
    static func defaultName(for file: String) -> String {
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return stem.isEmpty || file.hasPrefix("<") ? defaults.name : stem
    }

    /// A decoder error said in the config's terms, located in the file or an override.
    static func configError(_ error: DecodingError, tree: ConfigTree, file: String) -> ConfigError {
        var kind = ConfigError.Kind.wrongType
        var message: String
        var codingPath: [any CodingKey]
        switch error {
        case let .typeMismatch(type, c), let .valueNotFound(type, c):
            codingPath = c.codingPath
            message = "expected \(expectation(type)), found \(found(at: codingPath, in: tree))"
        case let .keyNotFound(key, c):
            codingPath = c.codingPath + [key]
            message = "missing"
        case let .dataCorrupted(c):
            codingPath = c.codingPath
            message = c.debugDescription
            if message.hasPrefix("unknown ") { kind = .unknownName }
        @unknown default:
            return ConfigError(.wrongType, file: file, "\(error)")
        }
        let keys = codingPath.filter { $0.intValue == nil }.map(\.stringValue)
        var keyPath = keys.joined(separator: ".")
        for key in codingPath where key.intValue != nil { keyPath += "[\(key.intValue!)]" }
        let origin = tree.locate(keys)
        return ConfigError(kind, file: file, line: origin?.line, override: origin?.override, keyPath: keyPath, message)
    }

    /// "an integer", "a number", … for a type the decoder expected.
    static func expectation(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Node.Mapping.Type: return "a mapping"
        case is Node.Sequence.Type: return "a list"
        case is Node.Scalar.Type: return "a single value"
        default: return "\(type)"
        }
    }

    /// The value found at a decoder's coding path, for messages.
    static func found(at codingPath: [any CodingKey], in tree: ConfigTree) -> String {
        guard let origin = tree.locate(codingPath.filter { $0.intValue == nil }.map(\.stringValue)) else { return "nothing" }
        var node = origin.node
        for key in codingPath {
            guard let i = key.intValue else { continue }
            guard case let .sequence(items) = node, i < items.count else { break }
            node = items[i]
        }
        return ConfigTree.describe(node)
    }
}
