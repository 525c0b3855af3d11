import Foundation
import Testing

/// The user documentation — README.md, every page under docs/, plots/README.md and
/// data/README.md: every relative link and embedded figure points at a file of the repository
/// (and an in-page `#anchor` at one of the page's headings), the G-effects are spelled one way
/// (e_forget, e_retain; never e_u, e_r), and the README keeps the two markers the objectives
/// table is generated between (its contents are the registry's test's to check).
@Suite struct DocumentationTests {
    /// The repository root, found from this source file's path (`#filePath`).
    static let root = URL(fileURLWithPath: #filePath)   // Tests/ExperimentsTests/DocumentationTests.swift
        .deletingLastPathComponent()   // Tests/ExperimentsTests
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()   // the root

    /// The pages checked, as paths relative to the root.
    static var pages: [String] {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)) ?? []
        return ["README.md", "plots/README.md", "data/README.md"]
            + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    static func text(of page: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
    }

    /// The targets of a page's Markdown links and images, `[text](target)` and `![alt](target)`,
    /// outside fenced code blocks, with the line each is on.
    static func linkTargets(in text: String) -> [(line: Int, target: String)] {
        var found: [(Int, String)] = []
        var inFence = false
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inFence.toggle(); continue }
            if inFence { continue }
            for match in line.matches(of: /\]\(([^)\s]+)\)/) { found.append((index + 1, String(match.1))) }
        }
        return found
    }

    /// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens.
    static func anchor(ofHeading heading: String) -> String {
        String(
            heading.lowercased().compactMap { c -> Character? in
                if c == " " { return "-" }
                return c.isLetter || c.isNumber || c == "-" || c == "_" ? c : nil
            })
    }

    /// The anchors of a page's `#` headings.
    static func anchors(in text: String) -> Set<String> {
        Set(
            text.components(separatedBy: "\n").compactMap { line in
                guard let match = line.wholeMatch(of: /[#]{1,6}\s+(.+)/) else { return nil }
                return anchor(ofHeading: String(match.1).trimmingCharacters(in: .whitespaces))
            })
    }

    @Test func everyRelativeLinkAndFigureResolves() throws {
        var broken: [String] = []
        for page in Self.pages {
            let text = try Self.text(of: page)
            let directory = Self.root.appendingPathComponent(page).deletingLastPathComponent()
            for (line, target) in Self.linkTargets(in: text) {
                if target.contains("://") || target.hasPrefix("mailto:") { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let path = parts[0], fragment = parts.count > 1 ? parts[1] : nil
                if path.isEmpty {
                    if let fragment, !Self.anchors(in: text).contains(fragment) {
                        broken.append("\(page):\(line): #\(fragment) names no heading of the page")
                    }
                } else if !FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path) {
                    broken.append("\(page):\(line): \(path) does not exist")
                }
            }
        }
        #expect(broken.isEmpty, "\(broken.count) broken links:\n\(broken.joined(separator: "\n"))")
    }

    @Test func theGEffectsAreSpelledEForgetAndERetain() throws {
        var stray: [String] = []
        for page in Self.pages {
            for (index, line) in try Self.text(of: page).components(separatedBy: "\n").enumerated()
            where line.contains(/\be_[ur]\b/) {
                stray.append("\(page):\(index + 1): \(line.trimmingCharacters(in: .whitespaces).prefix(100))")
            }
        }
        #expect(
            stray.isEmpty, "e_u or e_r instead of e_forget or e_retain in \(stray.count) lines:\n\(stray.joined(separator: "\n"))"
        )
    }

    @Test func theReadmeKeepsTheObjectivesTableMarkers() throws {
        let lines = try Self.text(of: "README.md").components(separatedBy: "\n")
        let begins = lines.indices.filter { lines[$0] == "<!-- objectives:begin -->" }
        let ends = lines.indices.filter { lines[$0] == "<!-- objectives:end -->" }
        try #require(
            begins.count == 1 && ends.count == 1,
            "README.md has \(begins.count) begin and \(ends.count) end markers of the objectives table; one of each is expected")
        try #require(begins[0] < ends[0], "the objectives table's end marker comes before its begin marker")
        let rows = lines[(begins[0] + 1)..<ends[0]].filter { $0.hasPrefix("|") }
        #expect(
            rows.count >= 3,
            "between the markers are \(rows.count) table lines: a header, its rule and at least one row are expected")
    }
}
