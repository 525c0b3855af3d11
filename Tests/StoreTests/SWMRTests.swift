import Foundation
import Testing
import Store

/// Files written in single-writer/multiple-reader mode, as run files are.
@Suite("SWMR files")
struct SWMRTests {
    /// After SWMR writing starts, rows are appended and attribute values overwritten in place;
    /// the file reads back like any other once closed, and h5dump reads it.
    @Test func rowsAndAttributeValuesAfterSWMRStarts() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "run.h5")
            do {
                let h5 = try H5File.create(file, singleWriterMultipleReaders: true)
                try h5.root.setAttribute("status", "running")
                try h5.root.setAttribute("nll_after", Double.nan)
                let rows = try h5.root.createExtendible("steps", rowShape: [], of: Int64.self)
                try h5.startSingleWriterMultipleReaders()
                for step in 0..<5 { try rows.append([Int64(step)]) }
                try h5.root.setAttribute("status", "interrupted at step 5")
                try h5.root.setAttribute("nll_after", 1.5)
                #expect(try h5.root.attributeNames().sorted() == ["nll_after", "status"])
            }
            let root = try H5File.open(file).root
            #expect(try root.read("steps", as: Int64.self).values == [0, 1, 2, 3, 4])
            #expect(try root.stringAttribute("status") == "interrupted at step 5")
            #expect(try root.doubleAttribute("nll_after") == 1.5)
            if h5dumpInstalled {
                let (status, output) = try runH5dump(["-A", file])
                #expect(status == 0 && output.contains("interrupted at step 5"))
            }
        }
    }

    /// Setting an attribute of another type or shape still replaces it.
    @Test func anAttributeOfAnotherTypeIsReplaced() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "a.h5")
            let h5 = try H5File.create(file)
            try h5.root.setAttribute("x", 1.0)
            try h5.root.setAttribute("x", "one")
            try h5.root.setAttribute("y", [1.0, 2.0])
            try h5.root.setAttribute("y", [3.0, 4.0, 5.0])
            #expect(try h5.root.stringAttribute("x") == "one")
            #expect(try h5.root.doubleArrayAttribute("y") == [3.0, 4.0, 5.0])
        }
    }
}
