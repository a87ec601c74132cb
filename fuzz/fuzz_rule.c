/*
 * libFuzzer target for the Sigma rule loader: bytes -> temporary rule file ->
 * lw_rules_load -> lw_rules_compile -> one matcher run on a small fixed event, so that
 * compiled structures are exercised too.  Built with -DLW_FUZZ=ON (clang).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigma/sigma.h"

static void on_match(const lw_rule *r, const lw_event *ev, void *ud)
{
    (void)r;
    (void)ev;
    (*(size_t *)ud)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/lw_fuzz_rule_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);

    lw_rules *r = NULL;
    if (lw_rules_new(&r) == LW_OK) {
        (void)lw_rules_load(r, path, NULL, NULL);
        if (lw_rules_compile(r) == LW_OK) {
            lw_event ev;
            lw_event_init(&ev);
            ev.cats = ~0ull;
            ev.product = LW_PRODUCT_WINDOWS;
            ev.channel = LW_STR_LIT("Security");
            lw_event_add(&ev, LW_STR_LIT("CommandLine"),
                         LW_STR_LIT("powershell -enc SQBFAFgA cmd.exe /c whoami"), 0);
            lw_event_add(&ev, LW_STR_LIT("Image"), LW_STR_LIT("C:\\Windows\\cmd.exe"), 0);
            lw_event_add(&ev, LW_STR_LIT("DestinationIp"), LW_STR_LIT("10.1.2.3"), 0);
            lw_event_add(&ev, LW_STR_LIT("EventID"), LW_STR_LIT("4688"), LW_FIELD_NUMBER);
            lw_event_add(&ev, LW_STR_LIT("Empty"), LW_STR_LIT(""), LW_FIELD_NULL);
            lw_matcher *m = NULL;
            if (lw_matcher_new(r, &m) == LW_OK) {
                size_t hits = 0;
                (void)lw_matcher_run(m, &ev, on_match, &hits, NULL);
                lw_matcher_free(m);
            }
            lw_event_destroy(&ev);
        }
        lw_rules_free(r);
    }
    unlink(path);
    return 0;
}
