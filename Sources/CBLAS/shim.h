#ifndef GSCOPE_CBLAS_SHIM_H
#define GSCOPE_CBLAS_SHIM_H
// OpenBLAS's CBLAS interface plus its thread-count controls.
#include <cblas.h>
#endif
