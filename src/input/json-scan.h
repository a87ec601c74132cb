/*
 * Zero-copy JSON tokenizer (the JSON hot path) and the JSON decoder's registry entry.
 *
 * lw_json_parse() validates one JSON text (RFC 8259) and describes it as a flat array of
 * tokens in document order, jsmn-style, without copying: a token is an offset and a length
 * into the caller's buffer.  Objects and arrays know their child count and the index just
 * past their subtree, so a walker can skip a value in O(1).  Object members appear as
 * key token, value token, key token, value token...
 *
 * Parsing is iterative (an explicit stack of LW_JSON_MAX_DEPTH containers, so hostile
 * nesting cannot exhaust the C stack) and the token array is reused from one call to the
 * next: once warm, parsing does not allocate.
 *
 * Validation is strict on structure, numbers, literals, escapes and control characters.
 * It does not validate UTF-8: bytes >= 0x80 pass through unchanged (sinks escape invalid
 * sequences as U+FFFD when they write JSON), because dropping a whole Windows event over
 * one mis-encoded byte in a command line would hide exactly what we hunt for.
 */
#ifndef LW_JSON_SCAN_H
#define LW_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "input.h"
#include "lurewatch.h"

#define LW_JSON_MAX_DEPTH 512
/* Default bound on tokens per text (each token is 20 bytes: 1M tokens = 20 MiB). */
#define LW_JSON_DEFAULT_MAX_TOKENS (1u << 20)
/* Offsets are 32-bit: texts must be shorter than this. */
#define LW_JSON_MAX_INPUT ((size_t)UINT32_MAX - 16)

typedef enum lw_json_type {
    LW_JSON_NONE = 0,
    LW_JSON_OBJECT,
    LW_JSON_ARRAY,
    LW_JSON_STRING,
    LW_JSON_NUMBER,
    LW_JSON_TRUE,
    LW_JSON_FALSE,
    LW_JSON_NULL,
} lw_json_type;

/* Token flags. */
enum {
    LW_JSON_ESCAPED = 1u << 0, /* string body contains backslash escapes: see lw_json_unescape */
};

typedef struct lw_json_tok {
    uint32_t start; /* offset of the first byte; strings: first byte after the opening quote */
    uint32_t len;   /* strings: body length (no quotes); containers: bytes incl. brackets */
    uint32_t next;  /* index of the first token after this value's subtree */
    uint32_t count; /* objects: members; arrays: elements; scalars: 0 */
    uint16_t type;  /* lw_json_type */
    uint16_t flags; /* LW_JSON_ESCAPED */
} lw_json_tok;

/* Parse flags. */
enum {
    /* Parse one value at the start of the buffer and stop after it (*end says where);
     * without it, anything but whitespace after the value is an error. */
    LW_JSON_PREFIX = 1u << 0,
    /* With LW_JSON_PREFIX: the buffer end is the end of input (a top-level number that
     * reaches it is complete, not truncated). */
    LW_JSON_FINAL = 1u << 1,
};

typedef struct lw_json_parser {
    lw_json_tok *toks; /* owned; reused between calls */
    uint32_t ntoks, cap;
    uint32_t max_tokens; /* texts with more tokens fail with "too many tokens" */
    /* After LW_EFORMAT: a short static reason, the byte offset where it was found, and
     * truncated = the text ended before the value did (more input might complete it). */
    const char *err;
    size_t err_off;
    bool truncated;
    /* After LW_OK: false when the text had no whitespace at all, hence no newline (strings
     * cannot hold raw control characters), so a caller tracking lines can skip counting. */
    bool ws;
    uint32_t stack[LW_JSON_MAX_DEPTH];
} lw_json_parser;

void lw_json_init(lw_json_parser *p);
void lw_json_free(lw_json_parser *p);

/*
 * Tokenize buf[0, n).  Leading whitespace is skipped.  Returns LW_OK (p->toks[0] is the
 * root; *end, if not NULL, is the offset just past the value, or past trailing whitespace
 * without LW_JSON_PREFIX), LW_EFORMAT (p->err, p->err_off, p->truncated set) or LW_ENOMEM.
 * Tokens refer to buf, which the caller keeps alive while it uses them.
 */
lw_status lw_json_parse(lw_json_parser *p, const char *buf, size_t n, unsigned flags, size_t *end);

/*
 * Decode the body of a string token (p, n: the bytes between the quotes, already validated
 * by lw_json_parse) into arena memory, NUL-terminated.  \uXXXX escapes become UTF-8,
 * surrogate pairs are joined, lone surrogates become U+FFFD.  Returns LW_OK or LW_ENOMEM.
 * The result is never longer than the input.
 */
lw_status lw_json_unescape(lw_arena *a, const char *p, size_t n, lw_str *out);

/* The value of string token t in buf: a view when it has no escapes, else an arena copy. */
lw_status lw_json_tok_str(const char *buf, const lw_json_tok *t, lw_arena *a, lw_str *out);

/*
 * Bits of the bytes escaped by a backslash in a 64-byte block (each byte after an
 * odd-length run of backslashes), given the block's backslash bits; *carry (0 or 1) says
 * whether the block's first byte is escaped and is set for the next block.  Exposed for
 * the unit test, which checks it against a byte-at-a-time reference.
 */
uint64_t lw_json_escaped_bits(uint64_t bs, uint64_t *carry);

/* The decoder for Windows events in JSON (evtx_dump, Winlogbeat/ECS, flat NXLog/OTRF),
 * framed as JSON Lines, concatenated (pretty-printed) values or top-level arrays. */
extern const lw_decoder lw_decoder_json;

#endif
