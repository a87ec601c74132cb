/* libFuzzer target: lurewatch export's alert reader and every output format.  The input is
 * any bytes read as alert JSON lines; nothing may crash, hang or grow without bound. */
#include <stdint.h>
#include <stdio.h>

#include "lurewatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *in = fmemopen((void *)data, size, "rb");
    if (!in)
        return 0;
    lw_export_options o = {.format = (lw_export_format)(data[0] % 6),
                           .exact_hosts = data[0] & 8,
                           .max_line = 1u << 16,
                           .max_entries = 4096,
                           .serial = 1};
    lw_export *x = NULL;
    if (lw_export_new(&o, &x) == LW_OK) {
        if (lw_export_read(x, in, "fuzz") == LW_OK) {
            FILE *out = fopen("/dev/null", "w");
            if (out) {
                lw_export_write(x, out);
                fclose(out);
            }
        }
        lw_export_free(x);
    }
    fclose(in);
    return 0;
}
