import Foundation
import Testing
import Unlearning

/// The README's objective tables are what the registry writes (`gscope objectives --markdown`),
/// so they cannot drift from the code.
@Suite("The README's objective tables")
struct ReadmeObjectiveTableTests {
    @Test func theTablesAreTheRegistrys() throws {
        let readme = try String(contentsOfFile: ConfigTestSupport.repositoryRoot + "/README.md", encoding: .utf8)
        let begin = "<!-- objectives:begin -->\n", end = "<!-- objectives:end -->"
        let start = try #require(readme.range(of: begin), "README.md has the begin marker")
        let stop = try #require(readme.range(of: end, range: start.upperBound..<readme.endIndex), "and the end marker after it")
        let committed = String(readme[start.upperBound..<stop.lowerBound])
        #expect(
            committed == ObjectiveDescription.markdownTables,
            "README.md's objective tables are stale: replace them by the output of `gscope objectives --markdown`")
    }
}
