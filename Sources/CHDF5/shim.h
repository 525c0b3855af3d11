#ifndef GSCOPE_CHDF5_SHIM_H
#define GSCOPE_CHDF5_SHIM_H
#include <hdf5.h>
#include <fcntl.h>
#include <string.h>

// HDF5 exposes these as macros that expand to global variables behind H5open(); Swift cannot
// import them, so each is returned from a static inline function.
static inline hid_t gs_H5T_NATIVE_FLOAT(void)  { return H5T_NATIVE_FLOAT; }
static inline hid_t gs_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t gs_H5T_NATIVE_INT32(void)  { return H5T_NATIVE_INT32; }
static inline hid_t gs_H5T_NATIVE_INT64(void)  { return H5T_NATIVE_INT64; }
static inline hid_t gs_H5T_NATIVE_UINT8(void)  { return H5T_NATIVE_UINT8; }
static inline hid_t gs_H5T_C_S1(void)          { return H5T_C_S1; }
static inline hid_t gs_H5P_DEFAULT(void)       { return H5P_DEFAULT; }
static inline hid_t gs_H5P_FILE_ACCESS(void)   { return H5P_FILE_ACCESS; }
static inline hid_t gs_H5P_FILE_CREATE(void)   { return H5P_FILE_CREATE; }
static inline hid_t gs_H5P_GROUP_CREATE(void)  { return H5P_GROUP_CREATE; }
static inline hid_t gs_H5P_DATASET_CREATE(void){ return H5P_DATASET_CREATE; }
static inline hid_t gs_H5P_ATTRIBUTE_CREATE(void){ return H5P_ATTRIBUTE_CREATE; }
static inline hid_t gs_H5S_ALL(void)           { return H5S_ALL; }
static inline unsigned gs_H5F_ACC_TRUNC(void)  { return H5F_ACC_TRUNC; }
static inline unsigned gs_H5F_ACC_EXCL(void)   { return H5F_ACC_EXCL; }
static inline unsigned gs_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned gs_H5F_ACC_RDWR(void)   { return H5F_ACC_RDWR; }
static inline unsigned gs_H5F_ACC_SWMR_READ(void) { return H5F_ACC_SWMR_READ; }
static inline H5F_libver_t gs_H5F_LIBVER_LATEST(void) { return H5F_LIBVER_LATEST; }
static inline hsize_t gs_H5S_UNLIMITED(void)   { return H5S_UNLIMITED; }
static inline size_t gs_H5T_VARIABLE(void)     { return H5T_VARIABLE; }
static inline hid_t gs_H5E_DEFAULT(void)       { return H5E_DEFAULT; }
static inline hid_t gs_H5E_CANTLOCKFILE(void) { return H5E_CANTLOCKFILE; }
static inline unsigned gs_H5F_OBJ_ALL(void)   { return H5F_OBJ_ALL; }
// Little-endian file types, so a file's bytes do not depend on the writing machine.
static inline hid_t gs_H5T_IEEE_F32LE(void)    { return H5T_IEEE_F32LE; }
static inline hid_t gs_H5T_IEEE_F64LE(void)    { return H5T_IEEE_F64LE; }
static inline hid_t gs_H5T_STD_I32LE(void)     { return H5T_STD_I32LE; }
static inline hid_t gs_H5T_STD_I64LE(void)     { return H5T_STD_I64LE; }
static inline hid_t gs_H5T_STD_U8LE(void)      { return H5T_STD_U8LE; }

// Frees the memory HDF5 allocated while reading variable-length data (strings) into `buf`.
// H5Dvlen_reclaim is deprecated from 1.12 on, where H5Treclaim replaces it.
static inline herr_t gs_vlen_reclaim(hid_t type_id, hid_t space_id, void *buf) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(type_id, space_id, H5P_DEFAULT, buf);
#else
    return H5Dvlen_reclaim(type_id, space_id, H5P_DEFAULT, buf);
#endif
}

// Number of attributes attached to an object, or -1 on error. The unnumbered H5Oget_info and
// H5O_info_t are macros whose targets change between releases (and Debian's 1.10 defaults to the
// 1.8 API, where H5Oget_info takes two arguments), so the numbered call is chosen here.
static inline long long gs_object_num_attrs(hid_t obj_id) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(obj_id, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#else
    H5O_info_t info;
    if (H5Oget_info2(obj_id, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#endif
    return (long long)info.num_attrs;
}
// Marks an open file's descriptor close-on-exec, so that a child process started while the file
// is open (h5dump, gnuplot) does not inherit it, and with it HDF5's flock, for its whole life.
// HDF5 opens files without O_CLOEXEC. Valid for the default (sec2) driver, whose handle is an int
// descriptor. Returns -1 on failure.
static inline int gs_set_close_on_exec(hid_t file_id) {
    void *handle = NULL;
    if (H5Fget_vfd_handle(file_id, H5P_DEFAULT, &handle) < 0 || handle == NULL) return -1;
    int fd = *(int *)handle;
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}
// The names of a group's direct links, NUL-separated, through one H5Literate pass. Writes at most
// `capacity` bytes into `buffer` and sets *needed to the bytes all names take; returns the link
// count, or -1 when the iteration fails. One pass in the library's native order, where asking name
// by name would rebuild the group's link table once per member.
struct gs_names_sink { char *buffer; size_t capacity; size_t used; long count; };
static inline herr_t gs_collect_name(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)group; (void)info;
    struct gs_names_sink *sink = (struct gs_names_sink *)data;
    size_t length = strlen(name) + 1;
    if (sink->used + length <= sink->capacity) memcpy(sink->buffer + sink->used, name, length);
    sink->used += length;
    sink->count += 1;
    return 0;
}
static inline long gs_link_names(hid_t group, char *buffer, size_t capacity, size_t *needed) {
    struct gs_names_sink sink = { buffer, capacity, 0, 0 };
    hsize_t index = 0;
    if (H5Literate(group, H5_INDEX_NAME, H5_ITER_NATIVE, &index, gs_collect_name, &sink) < 0) return -1;
    *needed = sink.used;
    return sink.count;
}

#endif
