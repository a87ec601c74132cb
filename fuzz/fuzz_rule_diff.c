/*
 * Reviewer's differential rule fuzzer (not part of the product).
 * Input: rule YAML, optionally followed by "\n#EVENT\n" and lines "Name=Value" (a value of
 * "\N" makes a null field).  Placeholders %x% and %Admins% are defined.  The event is run
 * with the prefilter off (mode 0) and forced (mode 2); the hit counts must agree, else
 * abort() (a prefilter false negative/positive).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigma/sigma-int.h"
#include "sigma/sigma.h"

static char ph_x[64], ph_a[64];

static void on_match(const lw_rule *r, const lw_event *ev, void *ud)
{
    (void)r;
    (void)ev;
    (*(size_t *)ud)++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(ph_x, sizeof ph_x, "/tmp/lw_ph_x_%d", (int)getpid());
    snprintf(ph_a, sizeof ph_a, "/tmp/lw_ph_a_%d", (int)getpid());
    FILE *f = fopen(ph_x, "w");
    fputs("x\n-a\nC:\\\\Temp\\\\*\n", f);
    fclose(f);
    f = fopen(ph_a, "w");
    fputs("admin\nroot?\n", f);
    fclose(f);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *mark = "\n#EVENT\n";
    const uint8_t *evp = NULL;
    size_t rlen = size, evlen = 0;
    const uint8_t *m = memmem(data, size, mark, strlen(mark));
    if (m) {
        rlen = (size_t)(m - data);
        evp = m + strlen(mark);
        evlen = size - rlen - strlen(mark);
    }
    char path[] = "/tmp/lw_fuzz_rdiff_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, rlen) != (ssize_t)rlen) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);

    lw_rules *r = NULL;
    if (lw_rules_new(&r) != LW_OK) {
        unlink(path);
        return 0;
    }
    lw_rules_add_placeholder_file(r, "x", ph_x, NULL, 0);
    lw_rules_add_placeholder_file(r, "Admins", ph_a, NULL, 0);
    (void)lw_rules_load(r, path, NULL, NULL);
    unlink(path);
    if (lw_rules_compile(r) == LW_OK) {
        lw_event ev;
        lw_event_init(&ev);
        ev.cats = ~0ull;
        ev.product = LW_PRODUCT_WINDOWS;
        ev.channel = LW_STR_LIT("Security");
        if (evp) {
            const char *p = (const char *)evp, *end = (const char *)evp + evlen;
            while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                const char *eq = memchr(p, '=', (size_t)(le - p));
                if (eq) {
                    lw_str name = {p, (size_t)(eq - p)};
                    lw_str val = {eq + 1, (size_t)(le - eq - 1)};
                    uint32_t fl = 0;
                    if (val.n == 2 && val.p[0] == '\\' && val.p[1] == 'N')
                        fl = LW_FIELD_NULL, val.n = 0;
                    lw_event_add(&ev, name, val, fl);
                }
                p = nl ? nl + 1 : end;
            }
        } else {
            lw_event_add(&ev, LW_STR_LIT("CommandLine"),
                         LW_STR_LIT("powershell -enc SQBFAFgA cmd.exe /c whoami"), 0);
            lw_event_add(&ev, LW_STR_LIT("Image"), LW_STR_LIT("C:\\Windows\\cmd.exe"), 0);
            lw_event_add(&ev, LW_STR_LIT("DestinationIp"), LW_STR_LIT("10.1.2.3"), 0);
            lw_event_add(&ev, LW_STR_LIT("EventID"), LW_STR_LIT("4688"), LW_FIELD_NUMBER);
            lw_event_add(&ev, LW_STR_LIT("Empty"), LW_STR_LIT(""), LW_FIELD_NULL);
        }
        size_t hits[2] = {0, 0};
        for (int mode = 0; mode < 2; mode++) {
            lw_matcher *mt = NULL;
            if (lw_matcher_new(r, &mt) == LW_OK) {
                lw_matcher_set_prefilter(mt, mode ? 2 : 0);
                (void)lw_matcher_run(mt, &ev, on_match, &hits[mode], NULL);
                lw_matcher_free(mt);
            }
        }
        if (hits[0] != hits[1]) {
            fprintf(stderr, "PREFILTER MISMATCH: off=%zu forced=%zu\n", hits[0], hits[1]);
            abort();
        }
        lw_event_destroy(&ev);
    }
    lw_rules_free(r);
    return 0;
}
