#ifndef SWIFTLET_CSYSTEMD_SHIM_H
#define SWIFTLET_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif
