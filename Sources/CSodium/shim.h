#ifndef BEEKEEPER_CSODIUM_SHIM_H
#define BEEKEEPER_CSODIUM_SHIM_H
#include <sodium.h>
#endif
