#ifndef BEEKEEPER_CISAL_SHIM_H
#define BEEKEEPER_CISAL_SHIM_H
#include <stdint.h>
#include <isa-l/igzip_lib.h>

// The level buffer sizes are macros whose expansions Swift cannot import (ISAL_DEF_LVL3_REQ is an
// unparenthesised sum), and the stream's end state is a field of the internal state; these
// functions hand both over as plain values.

/// Bytes of level buffer igzip wants at `level` (0 for level 0, which needs none); 0 if unknown.
static inline uint32_t cisal_level_buffer_size(uint32_t level) {
    switch (level) {
    case 0: return ISAL_DEF_LVL0_DEFAULT;
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return 0;
    }
}

/// Whether the stream has written its trailer (only possible after `end_of_stream` was set).
static inline int cisal_deflate_finished(const struct isal_zstream *stream) {
    return stream->internal_state.state == ZSTATE_END;
}

#endif
