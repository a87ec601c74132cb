/*
 * intel.c - the lw_intel handle: loads brands, lists and the seen store once; scoring is
 * in score.c.  See the "URL and domain intelligence" section of lurewatch.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "intel/intel.h"

#define LW_DEFAULT_NEW_DAYS   30
#define LW_DEFAULT_SUSPICIOUS 50
#define LW_DEFAULT_MALICIOUS  80

void lw_intel_free(lw_intel *in)
{
    if (!in)
        return;
    lw_list_free(&in->allow);
    lw_list_free(&in->block);
    lw_brands_free(&in->brands);
    lw_spoof_free(in->spoof);
    lw_seen_close(in->seen);
    free(in);
}

static lw_status load_lists(lw_list *l, const char *const *files, bool allow, char *err,
                            size_t errlen)
{
    for (size_t i = 0; files && files[i]; i++) {
        lw_status st = lw_list_load(l, files[i], allow, err, errlen);
        if (st)
            return st;
    }
    return LW_OK;
}

lw_status lw_intel_new(const lw_intel_options *opt, lw_intel **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return LW_EINVAL;
    *out = NULL;
    lw_intel_options dflt = {0};
    if (!opt)
        opt = &dflt;
    lw_intel *in = calloc(1, sizeof *in);
    if (!in)
        return LW_ENOMEM;
    lw_status st;
    in->new_days = opt->new_days > 0 ? opt->new_days : LW_DEFAULT_NEW_DAYS;
    in->suspicious_at = opt->suspicious_at > 0 ? opt->suspicious_at : LW_DEFAULT_SUSPICIOUS;
    in->malicious_at = opt->malicious_at > 0 ? opt->malicious_at : LW_DEFAULT_MALICIOUS;
    if (in->malicious_at < in->suspicious_at)
        in->malicious_at = in->suspicious_at;
    if (!lw_url_psl()) {
        lw_fmt(err, errlen, "cannot load the public suffix list");
        st = LW_EIO;
        goto fail;
    }
    st = opt->brands_file ? lw_brands_load_file(&in->brands, opt->brands_file, err, errlen)
                          : lw_brands_load_default(&in->brands);
    if (st)
        goto fail;
    st = lw_spoof_new(&in->spoof);
    if (st) {
        lw_fmt(err, errlen, "cannot open ICU's spoof checker");
        goto fail;
    }
    for (size_t i = 0; i < in->brands.n; i++) {
        lw_brand *b = &in->brands.v[i];
        size_t n;
        if (!lw_spoof_skeleton(in->spoof, lw_str_c(b->name), b->skeleton, sizeof b->skeleton, &n))
            b->skeleton[0] = '\0';
        else
            b->skeleton[n] = '\0';
    }
    in->has_allow = opt->allow_files && opt->allow_files[0];
    in->has_block = opt->block_files && opt->block_files[0];
    if ((st = load_lists(&in->allow, opt->allow_files, true, err, errlen)) ||
        (st = load_lists(&in->block, opt->block_files, false, err, errlen)))
        goto fail;
    if (opt->seen_db && (st = lw_seen_open(opt->seen_db, &in->seen, err, errlen)))
        goto fail;
    *out = in;
    return LW_OK;
fail:
    if (st == LW_ENOMEM && err && errlen && !err[0])
        lw_fmt(err, errlen, "out of memory");
    lw_intel_free(in);
    return st;
}

void lw_intel_list_stats(const lw_intel *in, size_t *allow, size_t *block, size_t *brands,
                         size_t *skipped)
{
    if (allow)
        *allow = in->allow.domains.count + in->allow.urls.count;
    if (block)
        *block = in->block.domains.count + in->block.urls.count;
    if (brands)
        *brands = in->brands.n;
    if (skipped)
        *skipped = in->allow.skipped + in->block.skipped;
}

lw_status lw_intel_score_url(const lw_intel *in, lw_str url, const lw_intel_call *call,
                             lw_intel_result *out)
{
    if (!in || !out || (!url.p && url.n))
        return LW_EINVAL;
    lw_intel_score_impl(in, url, call, out);
    return LW_OK;
}

int lw_intel_is_allowed(const lw_intel *in, lw_str host)
{
    if (!in || !in->has_allow)
        return 0;
    char hb[300], rb[300];
    lw_str h, reg, suf;
    lw_url u;
    if (!lw_url_parse(host, &u))
        return 0;
    if (!lw_url_registrable(u.host, rb, sizeof rb, &reg, &suf)) {
        /* IP literal: exact match only */
        uint32_t a;
        if (lw_url_parse_ipv4(u.host, &a) == LW_IP_NONE)
            return 0;
        if (!lw_fmt(hb, sizeof hb, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                    a & 255))
            return 0;
        return lw_list_match_host(&in->allow, lw_str_c(hb), (lw_str){NULL, 0});
    }
    if (!lw_url_host_normalize(u.host, hb, sizeof hb, &h))
        return 0;
    char ib[300];
    lw_str icann = suf;
    if (!lw_url_icann_suffix(u.host, ib, sizeof ib, &icann))
        icann = suf;
    return lw_list_match_host(&in->allow, h, lw_intel_tenant_boundary(h, reg, suf, icann));
}
