#ifndef GSCOPE_CZLIB_SHIM_H
#define GSCOPE_CZLIB_SHIM_H
// zlib (Debian: zlib1g-dev): compress2 and compressBound for the ZLib membership score.
#include <zlib.h>
#endif
