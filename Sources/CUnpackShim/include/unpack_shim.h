// Extended-attribute calls for the layer unpacker: Swift's Glibc module does not export
// <sys/xattr.h>. Each function returns what the kernel returned, with errno set on failure.
#ifndef SWIFTLET_UNPACK_SHIM_H
#define SWIFTLET_UNPACK_SHIM_H

#include <stddef.h>
#include <sys/types.h>

int unpack_fsetxattr(int fd, const char *name, const void *value, size_t size);
int unpack_lsetxattr(const char *path, const char *name, const void *value, size_t size);
ssize_t unpack_fgetxattr(int fd, const char *name, void *value, size_t size);
ssize_t unpack_lgetxattr(const char *path, const char *name, void *value, size_t size);

#endif
