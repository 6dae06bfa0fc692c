#ifndef BEEKEEPER_CPCRE2_SHIM_H
#define BEEKEEPER_CPCRE2_SHIM_H
// The 8-bit library only: Beekeeper matches UTF-8 (Swift's native String storage).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

// pcre2.h names its functions and types through macros (pcre2_compile is pcre2_compile_8, and so
// on), which Swift cannot see; these functions and typedefs can.
typedef pcre2_code_8 cpcre2_code;
typedef pcre2_match_data_8 cpcre2_match_data;
typedef pcre2_match_context_8 cpcre2_match_context;
typedef pcre2_compile_context_8 cpcre2_compile_context;

static inline cpcre2_compile_context *cpcre2_compile_context_create(void) { return pcre2_compile_context_create(NULL); }
static inline void cpcre2_compile_context_free(cpcre2_compile_context *context) { pcre2_compile_context_free(context); }
static inline int cpcre2_set_newline(cpcre2_compile_context *context, uint32_t newline) { return pcre2_set_newline(context, newline); }

static inline cpcre2_code *cpcre2_compile(const uint8_t *pattern, size_t length, uint32_t options, int *error_code,
                                          size_t *error_offset, cpcre2_compile_context *context) {
    return pcre2_compile(pattern, length, options, error_code, error_offset, context);
}
static inline void cpcre2_code_free(cpcre2_code *code) { pcre2_code_free(code); }
static inline int cpcre2_jit_compile(cpcre2_code *code) { return pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); }

static inline cpcre2_match_context *cpcre2_match_context_create(void) { return pcre2_match_context_create(NULL); }
static inline void cpcre2_match_context_free(cpcre2_match_context *context) { pcre2_match_context_free(context); }
static inline int cpcre2_set_match_limit(cpcre2_match_context *context, uint32_t limit) { return pcre2_set_match_limit(context, limit); }
static inline int cpcre2_set_depth_limit(cpcre2_match_context *context, uint32_t limit) { return pcre2_set_depth_limit(context, limit); }
static inline int cpcre2_set_heap_limit(cpcre2_match_context *context, uint32_t limit) { return pcre2_set_heap_limit(context, limit); }

static inline cpcre2_match_data *cpcre2_match_data_create(void) { return pcre2_match_data_create(1, NULL); }
static inline void cpcre2_match_data_free(cpcre2_match_data *data) { pcre2_match_data_free(data); }

// A match from `start`: the whole subject is passed, so `\b` and look-behind see the text before
// it. `start` must be at a UTF-8 character boundary (the JIT path does no check).
static inline int cpcre2_match_at(const cpcre2_code *code, const uint8_t *subject, size_t length, size_t start,
                                  uint32_t options, cpcre2_match_data *data, const cpcre2_match_context *context) {
    return pcre2_match(code, subject, length, start, options, data, context);
}
// The JIT fast path: skips the option and subject checks of pcre2_match (the caller guarantees
// valid UTF-8), for a pattern that pcre2_jit_compile accepted.
static inline int cpcre2_jit_match_at(const cpcre2_code *code, const uint8_t *subject, size_t length, size_t start,
                                      cpcre2_match_data *data, const cpcre2_match_context *context) {
    return pcre2_jit_match(code, subject, length, start, 0, data, context);
}

static inline int cpcre2_error_message(int error_code, uint8_t *buffer, size_t size) {
    return pcre2_get_error_message(error_code, buffer, size);
}

#endif
