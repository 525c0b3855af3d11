import Foundation
import Testing
import TestSupport

/// A run file from the reader fuzzer (run-inspect, GSCOPE_FUZZ_SEED=15, case 129: one byte set
/// and six bits flipped) whose damaged dense link table made HDF5 1.10 free memory twice when
/// its members were listed name by name (`H5Lget_name_by_idx`), so `gscope inspect` and `plot`
/// aborted. Listed in one native-order iteration, the damage is a checksum error.
@Suite("A damaged link table")
struct DamagedLinkTableTests {
    static let file = FixturePaths.root + "/damaged/dense-link-table.h5"

    @Test(arguments: [["inspect"], ["inspect", "--table"], ["plot", "--figure", "geffect", "--out", "/dev/null/never"]])
    func isAnErrorNamingTheFile(_ command: [String]) throws {
        let run = try runGscope(command + [Self.file])
        #expect(!run.signalled, "\(command): \(run.stderr)")
        #expect(run.status == 1 || run.status == 2, "\(command): exit \(run.status)")
        #expect(run.stderr.contains(Self.file) && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    }
}
