/*
 * JSON string writer: lw_buf_put_json_escaped (declared in str.h) and the helpers the sinks
 * use to write many short strings (field names and values) without a call per string:
 * one capacity check per string instead of one per run or escape, whole-word copies of
 * plain bytes, no library calls for short strings.  tests/unit/test_output_escape.c holds
 * it to a byte-at-a-time reference.
 */
#ifndef LW_JSON_WRITER_H
#define LW_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/str.h"

/* The most input bytes one lw_jw_escape_to call takes: bounds what callers reserve. */
#define LW_JW_CHUNK 4096
/* Bytes lw_jw_escape_to may touch for n <= LW_JW_CHUNK input bytes: 6 per byte (\u00XX)
 * plus 16 because plain bytes are copied in whole words that may reach past the end. */
#define LW_JW_ROOM(n) (6 * (size_t)(n) + 16)

/* Room for k more bytes in b (plus the NUL lw_buf_reserve keeps); false after oom. */
static inline bool lw_jw_room(lw_buf *b, size_t k)
{
    return (!b->oom && b->cap - b->n > k) || lw_buf_reserve(b, k);
}

/*
 * Write s[0, n) as the body of a JSON string (no quotes) to o and return the end of what
 * was written.  Takes n <= LW_JW_CHUNK; o must have LW_JW_ROOM(n) writable bytes (bytes
 * past the returned end may be scratched).  s may be NULL when n is 0.
 */
char *lw_jw_escape_to(char *o, const char *s, size_t n);

/* Append s[0, n) as a quoted JSON string.  s may be NULL when n is 0. */
void lw_jw_put_str(lw_buf *b, const char *s, size_t n);

#endif
