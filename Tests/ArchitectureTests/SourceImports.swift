import Foundation

/// The `import` declarations of a module's Swift files.
enum SourceImports {
    /// One `import` line: where it is and the module it names.
    struct Import: Equatable {
        let file: String
        let line: Int
        let module: String
    }

    /// Modules of the toolchain and the platform, which any module may import without an arrow.
    static let toolchainModules: Set<String> = [
        "Swift", "_Concurrency", "Foundation", "FoundationEssentials", "FoundationInternationalization",
        "FoundationNetworking", "FoundationXML", "Dispatch", "Synchronization", "Glibc", "Musl", "Darwin", "Android",
    ]

    private static let accessModifiers: Set<String> = ["public", "package", "internal", "fileprivate", "private"]
    private static let importKinds: Set<String> = ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"]

    /// The module an `import` declaration on `line` names, or nil when the line is not one.
    /// Understands attributes (`@testable`, `@preconcurrency`, `@_implementationOnly`), access
    /// modifiers (`public import`) and imports of one declaration (`import struct Foundation.Data`).
    static func importedModule(_ line: some StringProtocol) -> String? {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        while let first = words.first, first.hasPrefix("@") || accessModifiers.contains(String(first)) { words.removeFirst() }
        guard words.first == "import" else { return nil }
        words.removeFirst()
        if let kind = words.first, importKinds.contains(String(kind)) { words.removeFirst() }
        guard let path = words.first, let module = path.split(separator: ".").first,
            LayerPicture.isModuleName(String(module))
        else { return nil }
        return String(module)
    }

    /// Every `import` in the Swift files under `directory` (recursively), with paths relative to
    /// `root`, sorted by file and line.
    static func imports(under directory: URL, relativeTo root: URL) throws -> [Import] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var found: [Import] = []
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            let file = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if let module = importedModule(line) { found.append(Import(file: file, line: index + 1, module: module)) }
            }
        }
        return found.sorted { ($0.file, $0.line) < ($1.file, $1.line) }
    }

    /// One line per disagreement between the imports of `module` and its arrows in `graph`: an
    /// import of a module without an arrow, an import of something that is neither a module of
    /// the graph nor a toolchain module, and an arrow that no file uses.
    static func differences(module: String, imports: [Import], graph: DependencyGraph) -> [String] {
        let arrows = graph.arrows[module] ?? []
        // A product `ArgumentParser (swift-argument-parser)` is imported as its module `ArgumentParser`.
        let importable = Dictionary(uniqueKeysWithValues: arrows.map { (String($0.prefix { $0 != " " }), $0) })
        let known = Set(graph.arrows.keys).union(graph.arrows.values.flatMap { $0.map { String($0.prefix { $0 != " " }) } })
        var lines: [String] = []
        for i in imports where importable[i.module] == nil && i.module != module {
            if known.contains(i.module) {
                lines.append(
                    "\(i.file):\(i.line): \(module) imports \(i.module), but docs/architecture.md has no arrow \(module) -> \(i.module)"
                )
            } else if !toolchainModules.contains(i.module) {
                lines.append(
                    "\(i.file):\(i.line): \(module) imports \(i.module), which is neither a module of docs/architecture.md nor a toolchain module"
                )
            }
        }
        let used = Set(imports.map(\.module))
        for (name, arrow) in importable.sorted(by: { $0.key < $1.key }) where !used.contains(name) {
            lines.append("the arrow \(module) -> \(arrow) is declared, but no file of \(module) imports \(name)")
        }
        return lines
    }
}
