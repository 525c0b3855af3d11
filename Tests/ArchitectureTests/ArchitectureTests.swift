import Foundation
import Testing

/// The package's root directory, found from this source file's path.
private let packageRoot = URL(fileURLWithPath: #filePath)   // Tests/ArchitectureTests/ArchitectureTests.swift
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The picture of the layers in `docs/architecture.md` against `Package.swift` and the sources.
@Suite("Architecture")
struct ArchitectureTests {
    static func picture() throws -> DependencyGraph {
        try LayerPicture.parse(String(contentsOf: packageRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8))
    }

    @Test func pictureMatchesPackageSwift() throws {
        let differences = try Self.picture().differences(
            from: PackageManifest.graph(packageRoot: packageRoot),
            selfName: "docs/architecture.md", otherName: "Package.swift")
        #expect(differences.isEmpty, "\(differences.count) differences:\n\(differences.joined(separator: "\n"))")
    }

    @Test func arrowsPointOneWay() throws {
        let cycle = try Self.picture().cycle
        #expect(cycle == nil, "docs/architecture.md has a cycle: \(cycle ?? "")")
    }

    /// The compiler lets a module import anything one of its dependencies reaches; this holds
    /// every module to its own arrows, and every arrow to an import.
    @Test func importsAreTheArrows() throws {
        let picture = try Self.picture()
        var differences: [String] = []
        for module in picture.modules {
            let directory = packageRoot.appendingPathComponent("Sources/\(module)")
            let imports = try SourceImports.imports(under: directory, relativeTo: packageRoot)
            differences += SourceImports.differences(module: module, imports: imports, graph: picture)
        }
        #expect(differences.isEmpty, "\(differences.count) differences:\n\(differences.joined(separator: "\n"))")
    }
}

/// The checkers themselves: each must see what it is there to see.
@Suite("Architecture checkers")
struct ArchitectureCheckerTests {
    static let markdown = """
        # Title

        ```dependencies
        C ->
        B -> C
        A -> B, C, Ext (ext-package)
        ```
        """

    @Test func pictureIsParsed() throws {
        #expect(
            try LayerPicture.parse(Self.markdown)
                == DependencyGraph(arrows: ["A": ["B", "C", "Ext (ext-package)"], "B": ["C"], "C": []]))
    }

    @Test func malformedPictureLinesAreReported() {
        #expect(throws: LayerPicture.Malformed.self) { try LayerPicture.parse("```dependencies\nA => B\n```") }
        #expect(throws: LayerPicture.Malformed.self) { try LayerPicture.parse("```dependencies\nA -> B\nA -> C\n```") }
        #expect(throws: LayerPicture.Malformed.self) { try LayerPicture.parse("```dependencies\nA -> B\n") }
        #expect(throws: LayerPicture.Malformed.self) { try LayerPicture.parse("no block") }
        let twice = #expect(throws: LayerPicture.Malformed.self) {
            try LayerPicture.parse("intro\n```dependencies\nA -> B\nA -> C\n```")
        }
        #expect(twice?.description == "docs/architecture.md:4: A is listed twice: A -> C")
    }

    @Test func differencesNameTheArrow() {
        let doc = DependencyGraph(arrows: ["A": ["B"], "B": [], "D": []])
        let package = DependencyGraph(arrows: ["A": ["B", "C"], "B": [], "C": []])
        #expect(
            doc.differences(from: package, selfName: "doc", otherName: "pkg") == [
                "pkg has the arrow A -> C, doc does not",
                "pkg has the module C, doc does not",
                "doc has the module D, pkg does not",
            ])
        #expect(doc.differences(from: doc, selfName: "doc", otherName: "pkg").isEmpty)
    }

    @Test func cyclesAreFound() {
        #expect(DependencyGraph(arrows: ["A": ["B", "Ext (p)"], "B": ["C"], "C": []]).cycle == nil)
        #expect(DependencyGraph(arrows: ["A": ["B"], "B": ["C"], "C": ["A"]]).cycle == "A -> B -> C -> A")
        #expect(DependencyGraph(arrows: ["A": ["A"]]).cycle == "A -> A")
    }

    @Test func importLinesAreRecognised() {
        #expect(SourceImports.importedModule("import Foundation") == "Foundation")
        #expect(SourceImports.importedModule("  @testable import Model") == "Model")
        #expect(SourceImports.importedModule("@preconcurrency public import Datasets") == "Datasets")
        #expect(SourceImports.importedModule("import struct Foundation.Data") == "Foundation")
        #expect(SourceImports.importedModule("@_implementationOnly import CHDF5") == "CHDF5")
        #expect(SourceImports.importedModule("// import Model") == nil)
        #expect(SourceImports.importedModule("let importance = 1") == nil)
        #expect(SourceImports.importedModule("importer()") == nil)
    }

    @Test func importsAreCheckedBothWays() {
        let graph = DependencyGraph(arrows: ["A": ["B", "Ext (ext-package)"], "B": ["C"], "C": []])
        func imports(_ modules: String...) -> [SourceImports.Import] {
            modules.enumerated().map { SourceImports.Import(file: "Sources/A/a.swift", line: $0.offset + 1, module: $0.element) }
        }
        #expect(SourceImports.differences(module: "A", imports: imports("Foundation", "B", "Ext"), graph: graph).isEmpty)
        #expect(
            SourceImports.differences(module: "A", imports: imports("B", "Ext", "C", "Mystery"), graph: graph) == [
                "Sources/A/a.swift:3: A imports C, but docs/architecture.md has no arrow A -> C",
                "Sources/A/a.swift:4: A imports Mystery, which is neither a module of docs/architecture.md nor a toolchain module",
            ])
        #expect(
            SourceImports.differences(module: "A", imports: imports("B"), graph: graph) == [
                "the arrow A -> Ext (ext-package) is declared, but no file of A imports Ext"
            ])
    }

    @Test func manifestJSONIsRead() throws {
        let json = """
            {"targets": [
              {"name": "CLib", "type": "system", "dependencies": []},
              {"name": "Core", "type": "regular", "dependencies": [{"byName": ["CLib", null]}]},
              {"name": "App", "type": "executable", "dependencies": [
                {"byName": ["Core", null]}, {"target": ["CLib", null]},
                {"product": ["ArgumentParser", "swift-argument-parser", null, null]}]},
              {"name": "Support", "type": "regular", "path": "Tests/Support", "dependencies": [{"byName": ["Core", null]}]},
              {"name": "CoreTests", "type": "test", "dependencies": [{"byName": ["Core", null]}]}
            ]}
            """
        #expect(
            try PackageManifest.graph(dumpJSON: Data(json.utf8))
                == DependencyGraph(arrows: [
                    "CLib": [], "Core": ["CLib"], "App": ["Core", "CLib", "ArgumentParser (swift-argument-parser)"],
                ]))
    }
}
