#ifndef GSCOPE_CHDF5_SHIM_H
#define GSCOPE_CHDF5_SHIM_H
#include <hdf5.h>

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
static inline hsize_t gs_H5S_UNLIMITED(void)   { return H5S_UNLIMITED; }
static inline size_t gs_H5T_VARIABLE(void)     { return H5T_VARIABLE; }
#endif
