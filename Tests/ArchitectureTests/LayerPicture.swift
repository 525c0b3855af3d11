/// The dependency block of `docs/architecture.md`: a fenced code block whose info string is
/// `dependencies`, with one line `Module -> Dep1, Dep2` per module (nothing after `->` for a
/// module without dependencies).
enum LayerPicture {
    /// A line of the block that is not `Module -> Dep, …`, or a module listed twice.
    struct Malformed: Error, CustomStringConvertible {
        let line: Int
        let text: String
        let problem: String
        var description: String { "docs/architecture.md:\(line): \(problem): \(text)" }
    }

    /// The graph the block of `markdown` describes; lines are numbered from 1 in `markdown`.
    static func parse(_ markdown: String) throws(Malformed) -> DependencyGraph {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let open = lines.firstIndex(where: { $0.trimmingSpaces == "```dependencies" }) else {
            throw Malformed(line: 1, text: "", problem: "no ```dependencies block")
        }
        var arrows: [String: Set<String>] = [:]
        for index in (open + 1)..<lines.count {
            let text = lines[index].trimmingSpaces
            if text == "```" { return DependencyGraph(arrows: arrows) }
            if text.isEmpty || text.hasPrefix("#") { continue }
            let sides = text.split(separator: "->", maxSplits: 1, omittingEmptySubsequences: false)
                .map { String($0).trimmingSpaces }
            guard sides.count == 2, isModuleName(sides[0]) else {
                throw Malformed(line: index + 1, text: text, problem: "not of the form `Module -> Dep1, Dep2`")
            }
            let dependencies = sides[1].isEmpty ? [] : sides[1].split(separator: ",").map { String($0).trimmingSpaces }
            guard dependencies.allSatisfy(isDependencyName) else {
                throw Malformed(line: index + 1, text: text, problem: "a dependency is not `Module` or `Product (package)`")
            }
            guard arrows[sides[0]] == nil else {
                throw Malformed(line: index + 1, text: text, problem: "\(sides[0]) is listed twice")
            }
            guard Set(dependencies).count == dependencies.count else {
                throw Malformed(line: index + 1, text: text, problem: "a dependency is listed twice")
            }
            arrows[sides[0]] = Set(dependencies)
        }
        throw Malformed(line: open + 1, text: lines[open], problem: "the ```dependencies block is not closed")
    }

    /// A Swift module name.
    static func isModuleName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }

    /// `Module` or `Product (package)`.
    static func isDependencyName(_ s: String) -> Bool {
        guard let open = s.firstIndex(of: "(") else { return isModuleName(s) }
        let product = s[..<open].trimmingSpaces, package = s[s.index(after: open)...]
        return isModuleName(product) && package.hasSuffix(")") && package.count > 1 && !package.dropLast().contains(" ")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
