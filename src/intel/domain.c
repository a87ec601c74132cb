/*
 * domain.c - host canonicalisation (percent-decoding, case, IDNA via libidn2) and public
 * suffixes via libpsl.  See url.h for the contracts.
 *
 * The PSL context is process-wide and read-only after a pthread_once load: the packaged
 * list (/usr/share/publicsuffix, "publicsuffix" package) is preferred over libpsl's
 * built-in copy because the built-in one is whatever the libpsl build saw and the
 * packaged one is updated by the distribution; both include the PRIVATE section
 * (blogspot.com, github.io, pages.dev ...), which is what makes tenants of hosting
 * platforms separate registrable domains.  LW_PSL_FILE in the environment overrides the
 * path (tests, air-gapped installs with a newer list).
 */
#include <idn2.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "intel/url.h"

#define LW_PSL_DEFAULT_FILE "/usr/share/publicsuffix/public_suffix_list.dat"

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static psl_ctx_t *psl_ctx; /* written once under psl_once, then read-only */

static void psl_init(void)
{
    const char *f = getenv("LW_PSL_FILE");
    if (f && *f)
        psl_ctx = psl_load_file(f);
    if (!psl_ctx)
        psl_ctx = psl_load_file(LW_PSL_DEFAULT_FILE);
    if (!psl_ctx)
        psl_ctx = psl_latest(NULL);
    if (!psl_ctx)
        psl_ctx = (psl_ctx_t *)psl_builtin();
}

const void *lw_url_psl(void)
{
    pthread_once(&psl_once, psl_init);
    return psl_ctx;
}

bool lw_url_host_normalize(lw_str host, char *buf, size_t cap, lw_str *out)
{
    *out = (lw_str){buf, 0};
    if (cap == 0)
        return false;
    buf[0] = '\0';
    if (!host.p || host.n == 0)
        return false;
    size_t n = 0;
    bool ascii = true, bad = false;
    for (size_t i = 0; i < host.n; i++) {
        unsigned char c = (unsigned char)host.p[i];
        if (c == '%' && i + 2 < host.n + 0 && lw_hexval((unsigned char)host.p[i + 1]) >= 0 &&
            lw_hexval((unsigned char)host.p[i + 2]) >= 0) {
            c = (unsigned char)(lw_hexval((unsigned char)host.p[i + 1]) * 16 +
                                lw_hexval((unsigned char)host.p[i + 2]));
            i += 2;
        }
        if (c >= 0x80)
            ascii = false;
        else if (c <= 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '@' || c == '%')
            bad = true;
        if (n + 1 >= cap)
            return false;
        buf[n++] = (char)lw_lower(c);
    }
    while (n > 0 && buf[n - 1] == '.')
        n--;
    buf[n] = '\0';
    *out = (lw_str){buf, n};
    if (n == 0 || bad)
        return false;
    if (ascii) {
        /* Empty labels ("a..b") are not valid names. */
        for (size_t i = 0; i < n; i++)
            if (buf[i] == '.' && (i == 0 || buf[i - 1] == '.'))
                return false;
        return n <= 253;
    }
    /* Non-ASCII: UTS #46 non-transitional mapping + IDNA2008 to A-labels.  libidn2
     * allocates the result; only IDN hosts pay for that. */
    char *ace = NULL;
    int rc = idn2_to_ascii_8z(buf, &ace, IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
        /* Some lookalike names are rejected by IDNA2008 rules (e.g. mixed bidi) but are
         * still resolvable in lax resolvers; retry in transitional mode before failing. */
        rc = idn2_to_ascii_8z(buf, &ace, IDN2_TRANSITIONAL);
    }
    if (rc != IDN2_OK || !ace)
        return false;
    size_t an = strlen(ace);
    while (an > 0 && ace[an - 1] == '.')
        an--;
    if (an + 1 > cap || an == 0 || an > 253) {
        idn2_free(ace);
        return false;
    }
    memcpy(buf, ace, an);
    buf[an] = '\0';
    idn2_free(ace);
    *out = (lw_str){buf, an};
    return true;
}

bool lw_url_registrable(lw_str host, char *buf, size_t cap, lw_str *domain, lw_str *suffix)
{
    *domain = (lw_str){NULL, 0};
    *suffix = (lw_str){NULL, 0};
    lw_str h;
    if (!lw_url_host_normalize(host, buf, cap, &h))
        return false;
    uint32_t a;
    if (lw_url_parse_ipv4(h, &a) != LW_IP_NONE || memchr(h.p, ':', h.n))
        return false;
    const psl_ctx_t *psl = lw_url_psl();
    if (!psl)
        return false;
    const char *s = psl_unregistrable_domain(psl, buf);
    if (s)
        *suffix = (lw_str){s, (size_t)(buf + h.n - s)};
    const char *d = psl_registrable_domain(psl, buf);
    if (d)
        *domain = (lw_str){d, (size_t)(buf + h.n - d)};
    return true;
}

bool lw_url_icann_suffix(lw_str host, char *buf, size_t cap, lw_str *suffix)
{
    *suffix = (lw_str){NULL, 0};
    lw_str h;
    if (!lw_url_host_normalize(host, buf, cap, &h))
        return false;
    const psl_ctx_t *psl = lw_url_psl();
    if (!psl)
        return false;
    /* Longest ICANN suffix: first candidate from the left that is one. */
    for (size_t i = 0; i < h.n; i++) {
        if (i == 0 || buf[i - 1] == '.') {
            if (psl_is_public_suffix2(psl, buf + i, PSL_TYPE_ICANN)) {
                *suffix = (lw_str){buf + i, h.n - i};
                return true;
            }
        }
    }
    return true;
}
