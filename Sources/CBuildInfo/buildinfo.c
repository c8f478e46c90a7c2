#include "buildinfo.h"
/* `make build` writes generated.h (git-ignored) with the commit and toolchain; a plain
   `swift build` falls back to "unknown". Only this file recompiles when it changes. */
#if __has_include("generated.h")
#include "generated.h"
#endif
#ifndef SWIFTLET_GIT_COMMIT
#define SWIFTLET_GIT_COMMIT "unknown"
#endif
#ifndef SWIFTLET_SWIFT_VERSION
#define SWIFTLET_SWIFT_VERSION ""
#endif
const char *swiftlet_build_git_commit(void) { return SWIFTLET_GIT_COMMIT; }
const char *swiftlet_build_swift_version(void) { return SWIFTLET_SWIFT_VERSION; }
