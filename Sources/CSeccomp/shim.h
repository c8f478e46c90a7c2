#ifndef SWIFTLET_CSECCOMP_SHIM_H
#define SWIFTLET_CSECCOMP_SHIM_H
#include <seccomp.h>
#endif
