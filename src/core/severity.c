#include "severity.h"

#include <string.h>

/* Event fields that hold a URL, a host or a domain the user's machine went to. */
static const char *const url_fields[] = {
    "HostUrl", "ReferrerUrl",   "CommandLineUrl", "QueryName",  "c-uri", "cs-host",
    "host",    "http.hostname", "tls.sni",        "dns.rrname", "query", "server_name",
};

static bool is_web_url(lw_str v)
{
    return lw_str_istarts(v, LW_STR_LIT("http://")) || lw_str_istarts(v, LW_STR_LIT("https://")) ||
           lw_str_istarts(v, LW_STR_LIT("ftp://"));
}

/* Worth scoring: a URL, or a host name (not "-", not a local path). */
static bool scorable(const char *field, lw_str v)
{
    if (v.n == 0 || v.n > 4096 || lw_str_eq_c(v, "-"))
        return false;
    if (strcmp(field, "HostUrl") == 0 || strcmp(field, "ReferrerUrl") == 0 ||
        strcmp(field, "CommandLineUrl") == 0)
        return is_web_url(v); /* ReferrerUrl may be a local zip path (Explorer) */
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] == '\\' || v.p[i] == ' ')
            return false;
    return true;
}

const char *lw_chain_level(const lw_intel *intel, const lw_calert *ca, const char *base,
                           lw_severity_scratch *sc, const lw_intel_result **url)
{
    *url = NULL;
    if (!intel || !ca)
        return base;
    size_t scored = 0, allowed = 0;
    bool have_best = false;
    lw_intel_call call = {.record_seen = 0};
    for (uint32_t i = 0; i < ca->nevs; i++) {
        const lw_event *ev = &ca->evs[i].ev->ev;
        for (size_t k = 0; k < sizeof url_fields / sizeof url_fields[0]; k++) {
            const lw_field *f = lw_event_find(ev, lw_str_c(url_fields[k]));
            if (!f || (f->flags & LW_FIELD_NULL) || !scorable(url_fields[k], f->value))
                continue;
            if (lw_intel_score_url(intel, f->value, &call, &sc->cur) != LW_OK)
                continue;
            scored++;
            allowed += sc->cur.allowlisted != 0;
            if (!have_best || sc->cur.score > sc->best.score) {
                /* The result's views point into the event (live as long as the alert)
                 * and into its own buf: fix those up after the copy. */
                sc->best = sc->cur;
                const char *ob = sc->cur.buf;
                lw_str *own[] = {
                    &sc->best.host_norm,     &sc->best.host_unicode, &sc->best.registrable_domain,
                    &sc->best.public_suffix, &sc->best.tld,          &sc->best.brand};
                for (size_t j = 0; j < sizeof own / sizeof own[0]; j++)
                    if (own[j]->p >= ob && own[j]->p < ob + sizeof sc->cur.buf)
                        own[j]->p = sc->best.buf + (own[j]->p - ob);
                have_best = true;
            }
        }
    }
    if (!have_best)
        return base;
    *url = &sc->best;
    if (sc->best.blocklisted || sc->best.verdict == LW_VERDICT_MALICIOUS)
        return "critical";
    if (scored && allowed == scored && lw_str_eq_c(lw_str_c(base), "high"))
        return "medium";
    return base;
}
