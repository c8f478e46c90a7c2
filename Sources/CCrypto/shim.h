#ifndef SWIFTLET_CCRYPTO_SHIM_H
#define SWIFTLET_CCRYPTO_SHIM_H
// OpenSSL 3's libcrypto, for its EVP digests: SHA-256 and SHA-512 with the CPU's SHA
// extensions (SHA-NI) or AVX2, several times faster than portable Swift.
#include <openssl/evp.h>
#endif
