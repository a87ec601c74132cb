/*
 * libFuzzer target for the enrichment parsers: Zone.Identifier Contents, stream paths,
 * command-line targets (every program of the table, chosen by the first byte), the URL
 * finder, image classification, and whole events through lw_enrich_event (the input is
 * split at NUL bytes into field values of a Sysmon 1 / 15 / 11 event).
 *
 * Checks the contracts: returned views lie inside the input or the scratch buffer, and
 * nothing reads past an exact-size copy (ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "enrich/enrich-int.h"
#include "enrich/enrich.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const images[] = {
    "C:\\Windows\\System32\\mshta.exe",
    "wscript.exe",
    "cscript.exe",
    "powershell.exe",
    "pwsh.exe",
    "cmd.exe",
    "C:\\Windows\\System32\\rundll32.exe",
    "regsvr32.exe",
    "msiexec.exe",
    "control.exe",
    "hh.exe",
    "chrome.exe",
    "C:\\Program Files\\Internet Explorer\\iexplore.exe",
    "",
    "notepad.exe",
};

static bool inside(lw_str v, const char *base, size_t n)
{
    return v.n == 0 || (v.p >= base && v.p + v.n <= base + n);
}

static void check_view(lw_str v, const char *in, size_t n, const char *scratch, size_t cap)
{
    if (!inside(v, in, n) && !inside(v, scratch, cap))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lw_enricher *en;
    static lw_event ev;
    if (!en) {
        lw_enricher_limits lim = {.max_procs = 64, .max_motw = 16, .max_motw_bytes = 4096};
        if (lw_enricher_new_limits(&lim, &en))
            return 0;
        lw_event_init(&ev);
    }
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    lw_str s = {buf, size};

    lw_motw m;
    lw_motw_parse(s, &m);
    lw_str *parts[] = {&m.zone_id, &m.host_url,    &m.referrer,
                       &m.host_ip, &m.app_zone_id, &m.last_writer};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        check_view(*parts[i], buf, size, NULL, 0);

    lw_str base, stream;
    lw_path_split_stream(s, &base, &stream);
    check_view(base, buf, size, NULL, 0);
    check_view(stream, buf, size, NULL, 0);

    static char scratch[1024];
    if (size) {
        const char *img = images[data[0] % (sizeof images / sizeof images[0])];
        lw_str cmd = {buf + 1, size - 1};
        lw_cmdline_info ci;
        if (lw_cmdline_target(lw_str_c(img), cmd, scratch, sizeof scratch, &ci)) {
            check_view(ci.target, buf, size, scratch, sizeof scratch);
            lw_target_kind_of(ci.target);
        }
        check_view(ci.entry, buf, size, scratch, sizeof scratch);
    }
    lw_str url;
    if (lw_cmdline_find_url(s, &url))
        check_view(url, buf, size, NULL, 0);
    lw_image_classes(s, NULL);

    /* Whole events: values are NUL-separated pieces of the input. */
    lw_str piece[6] = {{0}};
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= size && k < 6; i++)
        if (i == size || buf[i] == '\0') {
            piece[k++] = (lw_str){buf + start, i - start};
            start = i + 1;
        }
    static const int ids[] = {1, 15, 11, 22, 5};
    lw_event_reset(&ev);
    ev.channel = LW_STR_LIT("Microsoft-Windows-Sysmon/Operational");
    ev.event_id = size ? ids[data[size - 1] % 5] : 1;
    ev.host = LW_STR_LIT("H");
    ev.time_ms = (int64_t)size * 1000;
    lw_event_add(&ev, LW_STR_LIT("Image"), piece[0], 0);
    lw_event_add(&ev, LW_STR_LIT("CommandLine"), piece[1], 0);
    lw_event_add(&ev, LW_STR_LIT("ProcessGuid"), piece[2], 0);
    lw_event_add(&ev, LW_STR_LIT("ParentProcessGuid"), piece[3], 0);
    lw_event_add(&ev, LW_STR_LIT("ParentImage"), piece[4], 0);
    lw_event_add(&ev, LW_STR_LIT("TargetFilename"), piece[4], 0);
    lw_event_add(&ev, LW_STR_LIT("Contents"), piece[5], 0);
    lw_event_add(&ev, LW_STR_LIT("QueryName"), piece[5], 0);
    if (lw_event_normalize(&ev) == LW_OK)
        lw_enrich_event(en, &ev);
    lw_event_reset(&ev); /* views into buf must not outlive it */
    free(buf);
    return 0;
}
