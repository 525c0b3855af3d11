/// The modules of the package and their arrows: module → the modules and external products it
/// depends on. An external product is written `Product (package)`.
struct DependencyGraph: Equatable {
    var arrows: [String: Set<String>]

    /// Every module, in name order.
    var modules: [String] { arrows.keys.sorted() }

    /// One line per difference, `self` being what `selfName` says and `other` what `otherName`
    /// says: a module only one of them has, or an arrow only one of them has.
    func differences(from other: DependencyGraph, selfName: String, otherName: String) -> [String] {
        var lines: [String] = []
        for module in Set(arrows.keys).union(other.arrows.keys).sorted() {
            switch (arrows[module], other.arrows[module]) {
            case (nil, _): lines.append("\(otherName) has the module \(module), \(selfName) does not")
            case (_, nil): lines.append("\(selfName) has the module \(module), \(otherName) does not")
            case (let mine?, let theirs?):
                for dependency in mine.subtracting(theirs).sorted() {
                    lines.append("\(selfName) has the arrow \(module) -> \(dependency), \(otherName) does not")
                }
                for dependency in theirs.subtracting(mine).sorted() {
                    lines.append("\(otherName) has the arrow \(module) -> \(dependency), \(selfName) does not")
                }
            }
        }
        return lines
    }

    /// A cycle of arrows among the modules, as `A -> B -> A`, or nil when the arrows all point one
    /// way. Arrows to names that are not modules (external products) end a path.
    var cycle: String? {
        var state: [String: Bool] = [:]   // false: on the current path; true: finished
        var path: [String] = []
        func visit(_ module: String) -> String? {
            if let finished = state[module] {
                if finished { return nil }
                let start = path.firstIndex(of: module)!
                return (path[start...] + [module]).joined(separator: " -> ")
            }
            state[module] = false
            path.append(module)
            for next in (arrows[module] ?? []).sorted() where arrows[next] != nil {
                if let found = visit(next) { return found }
            }
            path.removeLast()
            state[module] = true
            return nil
        }
        for module in modules {
            if let found = visit(module) { return found }
        }
        return nil
    }
}
