/* libFuzzer target: URL parsing, host normalization (IDNA, PSL) and full scoring. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/str.h"
#include "intel/url.h"
#include "lurewatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lw_intel *in;
    static lw_intel_result res;
    if (!in) {
        char err[256];
        if (lw_intel_new(NULL, &in, err, sizeof err))
            abort();
    }
    lw_str s = {(const char *)data, size};
    lw_url u;
    lw_url_parse(s, &u);
    char buf[256];
    lw_str d, suf, prev;
    lw_url_registrable(u.host, buf, sizeof buf, &d, &suf);
    lw_url_extension(u.path, &prev);
    lw_intel_score_url(in, s, NULL, &res);
    if (res.score < 0 || res.score > 100)
        abort();
    return 0;
}
