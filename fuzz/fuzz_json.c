/*
 * libFuzzer target for the JSON tokenizer and the JSON decoder.
 *
 * The bytes go through lw_json_parse (whole-text and prefix mode, then every string token
 * is unescaped and checked against the unescape contract), and then through the decoder
 * as a file (a memfd opened by path), with a small record limit so the record-too-large
 * and resync paths are exercised as well.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-input.h"
#include "input/json-scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void tokenize(const uint8_t *data, size_t size)
{
    static lw_json_parser p;
    static bool init;
    if (!init) {
        lw_json_init(&p);
        p.max_tokens = 1u << 16;
        init = true;
    }
    /* An exact-size copy so ASan sees any read past the end. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return;
    memcpy(buf, data, size);
    lw_arena a;
    lw_arena_init(&a, 4096);
    for (unsigned mode = 0; mode < 3; mode++) {
        unsigned fl = mode == 0 ? 0 : mode == 1 ? LW_JSON_PREFIX : LW_JSON_PREFIX | LW_JSON_FINAL;
        size_t end = 0;
        lw_status st = lw_json_parse(&p, buf, size, fl, &end);
        if (st != LW_OK) {
            if (st == LW_EFORMAT && (p.err == NULL || p.err_off > size))
                abort();
            continue;
        }
        if (end > size || p.ntoks == 0 || p.toks[0].next != p.ntoks)
            abort();
        for (uint32_t i = 0; i < p.ntoks; i++) {
            const lw_json_tok *t = &p.toks[i];
            if ((size_t)t->start + t->len > size || t->next <= i || t->next > p.ntoks)
                abort();
            if (t->type == LW_JSON_STRING) {
                lw_str v;
                if (lw_json_tok_str(buf, t, &a, &v) == LW_OK && v.n > t->len)
                    abort();
            }
        }
        lw_arena_reset(&a);
    }
    /* Unescape must be safe on unvalidated input too. */
    lw_str v;
    (void)lw_json_unescape(&a, buf, size, &v);
    lw_arena_free(&a);
    free(buf);
}

/* The decoder over the bytes as a file, with a small record limit; every byte handed out
 * is touched and each call must consume at least one byte (fuzz_decode()). */
static void decode(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd("fuzz_json", data, size);
    if (fd < 0)
        return;
    char path[64];
    fuzz_fd_path(fd, path, sizeof path);
    const fuzz_decode_opts o = {.max_record = 4096,
                                .window = 8192,
                                .touch = true,
                                .max_calls = size + 3,
                                .must_stop = true};
    fuzz_decode(&lw_decoder_json, path, &o);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    tokenize(data, size);
    (void)lw_decoder_json.sniff(data, size);
    decode(data, size);
    return 0;
}
