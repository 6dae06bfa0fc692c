#ifndef BEEKEEPER_CSECP256K1_SHIM_H
#define BEEKEEPER_CSECP256K1_SHIM_H
#include <secp256k1.h>
// Debian builds libsecp256k1 with the recovery module: ColonyOS signatures carry a recovery id.
#include <secp256k1_recovery.h>
#endif
