import Foundation
import Testing
import Store

@Suite("Errors")
struct ErrorTests {
    @Test("opening a missing file names the path")
    func missingFile() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "missing.h5")
            let error = #expect(throws: StoreError.self) { try H5File.open(file) }
            #expect(error == .cannotOpen(file: file, reason: "no such file"))
            #expect(error?.description == "\(file): no such file")
            #expect(throws: StoreError.self) { try H5File.open(file, writable: true) }
            let nowhere = path(directory, "no/such/dir/x.h5")
            let create = #expect(throws: StoreError.self) { try H5File.create(nowhere) }
            #expect(create?.file == nowhere)
            #expect(create?.description.hasPrefix("\(nowhere): cannot create") == true)
        }
    }

    @Test("opening a file that is not HDF5 says so")
    func notHDF5() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "text.h5")
            try "just text\n".write(toFile: file, atomically: true, encoding: .utf8)
            let error = #expect(throws: StoreError.self) { try H5File.open(file) }
            #expect(error == .cannotOpen(file: file, reason: "not an HDF5 file"))
            let empty = path(directory, "empty.h5")
            _ = FileManager.default.createFile(atPath: empty, contents: Data())
            #expect(throws: StoreError.self) { try H5File.open(empty) }
        }
    }

    @Test("missing datasets and groups, and wrong kinds, are named")
    func missingObjects() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "objects.h5")
            let h5 = try H5File.create(file)
            try h5.root.write("run/values", [Float(1), 2])
            let run = try h5.root.group("run")
            let missing = #expect(throws: StoreError.self) { try run.read("nope", as: Float.self) }
            #expect(missing == .notFound(file: file, object: "/run/nope"))
            #expect(missing?.description == "\(file): /run/nope: not found")
            #expect(throws: StoreError.notFound(file: file, object: "/a/b/c")) { try h5.root.readStrings("a/b/c") }
            #expect(throws: StoreError.notFound(file: file, object: "/x")) { try h5.root.group("x") }
            #expect(throws: StoreError.typeMismatch(file: file, object: "/run", expected: "dataset", found: "group")) {
                try h5.root.read("run", as: Float.self)
            }
            #expect(throws: StoreError.typeMismatch(file: file, object: "/run/values", expected: "group", found: "dataset")) {
                try h5.root.group("run/values")
            }
            #expect(throws: StoreError.self) { try h5.root.createGroup("run/values/inside") }
            #expect(throws: StoreError.alreadyExists(file: file, object: "/run")) { try h5.root.createGroup("run") }
            #expect(throws: StoreError.alreadyExists(file: file, object: "/run/values")) { try run.write("values", [1.0]) }
            #expect(throws: StoreError.self) { try h5.root.group("") }
            #expect(throws: StoreError.self) { try h5.root.write("a//b", [1.0]) }
        }
    }

    @Test("reading with the wrong element type is refused, not converted")
    func wrongElementType() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "types.h5")
            let h5 = try H5File.create(file)
            try h5.root.write("floats", [Float(1.5), 2.5])
            try h5.root.write("words", ["a"])
            try h5.root.write("bytes", [UInt8(1)])
            let error = #expect(throws: StoreError.self) { try h5.root.read("floats", as: Int32.self) }
            #expect(error == .typeMismatch(file: file, object: "/floats", expected: "int32", found: "float32"))
            #expect(error?.description == "\(file): /floats: expected int32, found float32")
            #expect(throws: StoreError.self) { try h5.root.read("floats", as: Double.self) }
            #expect(throws: StoreError.self) { try h5.root.read("words", as: Float.self) }
            #expect(throws: StoreError.self) { try h5.root.readStrings("floats") }
            #expect(throws: StoreError.typeMismatch(file: file, object: "/bytes", expected: "int64", found: "uint8")) {
                try h5.root.read("bytes", as: Int.self)
            }
        }
    }

    @Test("shape mismatches and bad strings are refused before anything is written")
    func badWrites() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "writes.h5")
            let h5 = try H5File.create(file)
            let shape = #expect(throws: StoreError.self) {
                try h5.root.write("m", [Float](repeating: 0, count: 5), shape: [2, 3])
            }
            #expect(shape?.description == "\(file): /m: 5 values do not fill shape [2, 3] (6 values)")
            #expect(throws: StoreError.self) { try h5.root.write("n", [Float](), shape: [-1]) }
            #expect(throws: StoreError.self) { try h5.root.write("s", ["ok", "bad\u{0}"]) }
            #expect(try h5.root.memberNames() == [])
        }
    }

    @Test("read-only and closed files refuse writes")
    func readOnlyAndClosed() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "ro.h5")
            try H5File.create(file).root.write("x", [1.0])
            let h5 = try H5File.open(file)
            #expect(!h5.isWritable)
            #expect(throws: StoreError.invalidArgument(file: file, object: "/y", detail: "the file is open read-only")) {
                try h5.root.write("y", [1.0])
            }
            #expect(throws: StoreError.self) { try h5.root.setAttribute("a", 1) }
            #expect(throws: StoreError.self) { try h5.root.createGroup("g") }
            let root = h5.root
            try h5.close()
            try h5.close()
            #expect(throws: StoreError.invalidArgument(file: file, object: "/x", detail: "the file has been closed")) {
                try root.read("x", as: Double.self)
            }
            #expect(!root.contains("x"))
            #expect(throws: StoreError.self) { try h5.flush() }
        }
    }
}
