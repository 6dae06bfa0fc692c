#ifndef BEEKEEPER_CLIBPQ_SHIM_H
#define BEEKEEPER_CLIBPQ_SHIM_H
// libpq's header lives in /usr/include/postgresql; pkg-config supplies that path.
#include <libpq-fe.h>
#endif
