#ifndef SWIFTLET_BUILDINFO_H
#define SWIFTLET_BUILDINFO_H
/// The git commit swiftlet was built from ("unknown" outside a checkout).
const char *swiftlet_build_git_commit(void);
/// The `swift --version` line of the toolchain that built swiftlet ("" when not recorded).
const char *swiftlet_build_swift_version(void);
#endif
