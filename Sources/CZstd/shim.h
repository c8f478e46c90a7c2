#ifndef SWIFTLET_CZSTD_SHIM_H
#define SWIFTLET_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
