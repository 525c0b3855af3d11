import CHDF5

/// The element types a Store dataset can hold.
///
/// Numbers are stored little-endian (`H5T_IEEE_F32LE`, `H5T_STD_I64LE`, …) whatever the writing
/// machine; strings are variable-length UTF-8, which h5py reads as `str`.
package enum H5ElementType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float64, int32, int64, uint8, string

    /// The name used in error messages: `float32`, `int64`, `string`, …
    package var description: String { rawValue }

    /// Bytes per element in memory (strings: one C pointer).
    var size: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8: return 1
        case .string: return MemoryLayout<UnsafePointer<CChar>>.size
        }
    }

    /// The HDF5 type of an element in memory. Not for `.string`, whose type is created per use.
    var memoryType: hid_t {
        switch self {
        case .float32: return gs_H5T_NATIVE_FLOAT()
        case .float64: return gs_H5T_NATIVE_DOUBLE()
        case .int32: return gs_H5T_NATIVE_INT32()
        case .int64: return gs_H5T_NATIVE_INT64()
        case .uint8: return gs_H5T_NATIVE_UINT8()
        case .string: return -1
        }
    }

    /// The HDF5 type of an element in the file. Not for `.string`.
    var fileType: hid_t {
        switch self {
        case .float32: return gs_H5T_IEEE_F32LE()
        case .float64: return gs_H5T_IEEE_F64LE()
        case .int32: return gs_H5T_STD_I32LE()
        case .int64: return gs_H5T_STD_I64LE()
        case .uint8: return gs_H5T_STD_U8LE()
        case .string: return -1
        }
    }

    /// The element type of a stored HDF5 datatype, or nil when it is none of these (for example
    /// `int16` or a compound type). Strings of any length and character set count as `.string`.
    init?(hdf5Type type: hid_t) {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT where size == 4: self = .float32
        case H5T_FLOAT where size == 8: self = .float64
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) != H5T_SGN_NONE
            switch (size, signed) {
            case (4, true): self = .int32
            case (8, true): self = .int64
            case (1, false): self = .uint8
            default: return nil
            }
        case H5T_STRING: self = .string
        default: return nil
        }
    }
}

/// A numeric type that Store datasets hold: `Float`, `Double`, `Int32`, `Int64`, `Int` (stored as
/// `int64`) and `UInt8`.
///
/// A conforming type must have exactly the in-memory layout of its ``elementType`` (size and
/// representation); Store copies its bytes straight to and from HDF5. `.string` is not a valid
/// element type here: strings have their own calls.
package protocol H5Element: BitwiseCopyable, Sendable {
    /// How an element is stored.
    static var elementType: H5ElementType { get }
}

extension Float: H5Element {
    /// Stored as `float32`.
    package static var elementType: H5ElementType { .float32 }
}

extension Double: H5Element {
    /// Stored as `float64`.
    package static var elementType: H5ElementType { .float64 }
}

extension Int32: H5Element {
    /// Stored as `int32`.
    package static var elementType: H5ElementType { .int32 }
}

extension Int64: H5Element {
    /// Stored as `int64`.
    package static var elementType: H5ElementType { .int64 }
}

extension UInt8: H5Element {
    /// Stored as `uint8`.
    package static var elementType: H5ElementType { .uint8 }
}

#if arch(x86_64) || arch(arm64)
extension Int: H5Element {
    /// Stored as `int64` (`Int` is 64 bits on every platform gscope builds for).
    package static var elementType: H5ElementType { .int64 }
}
#endif

/// Checks that `T` is a numeric element whose size matches its declared element type.
func validElement<T: H5Element>(_: T.Type) -> Bool {
    T.elementType != .string && MemoryLayout<T>.size == T.elementType.size
        && MemoryLayout<T>.stride == T.elementType.size
}
