#ifndef BEEKEEPER_CLIBCRYPTO_SHIM_H
#define BEEKEEPER_CLIBCRYPTO_SHIM_H
// Only OpenSSL's libcrypto digests: libsodium has no SHA3, and ColonyOS ids and signatures use it.
#include <openssl/evp.h>
#endif
