#ifndef BEEKEEPER_CLIBCRYPTO_SHIM_H
#define BEEKEEPER_CLIBCRYPTO_SHIM_H
// Only OpenSSL's libcrypto digests: libsodium has no SHA3, and ColonyOS ids and signatures use it.
// The low-level SHA256_* calls below are deprecated in OpenSSL 3 in favour of EVP, but EVP_Digest
// allocates and frees two contexts per call and dispatches through the provider: on the audit
// writer's ~370-byte lines that overhead was a third of the hash. Suppressed here, and only
// used by the shim function, which keeps its SHA256_CTX on the stack.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stddef.h>

/// SHA-256 of `first` ‖ `second` into `digest` (32 bytes): no allocation, no provider lookup,
/// the same block function (SHA extensions where the CPU has them) that EVP ends in.
static inline int beekeeper_sha256_concat(
    const void *first, size_t first_count, const void *second, size_t second_count, unsigned char *digest) {
    SHA256_CTX context;
    if (SHA256_Init(&context) != 1) return 0;
    if (first_count > 0 && SHA256_Update(&context, first, first_count) != 1) return 0;
    if (second_count > 0 && SHA256_Update(&context, second, second_count) != 1) return 0;
    return SHA256_Final(digest, &context);
}
#endif
