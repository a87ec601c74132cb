/*
 * score.c - turn one URL into features, lookalike findings, list hits and a 0-100 score.
 *
 * score = round(100 * sigmoid(bias + sum(w_i * x_i) + sum(expert weights))).  The w_i are
 * a logistic regression fitted offline (scripts/fit-url-model.py, data/url-model.txt);
 * brand lookalike weights are fixed priors because the public feeds hold too few
 * lookalikes to fit them (docs/url-intel.md).  Lists override the model: a block-list
 * hit is 100, an allow-list hit 0.
 *
 * Hot path: no heap allocation unless the host is an IDN (libidn2 allocates); all text
 * goes into the caller's lw_intel_result.
 */
#include <idn2.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "intel/intel.h"

enum {
#define X(id, code, text) F_##id,
#include "intel/features.def"
#undef X
    F_COUNT
};

static const char *const feat_code[] = {
#define X(id, code, text) code,
#include "intel/features.def"
#undef X
};
static const char *const feat_text[] = {
#define X(id, code, text) text,
#include "intel/features.def"
#undef X
};

_Static_assert(F_COUNT <= LW_INTEL_MAX_FEATURES, "raise LW_INTEL_MAX_FEATURES");

const char *lw_intel_feature_name(size_t i)
{
    return i < F_COUNT ? feat_code[i] : NULL;
}

/* Fixed (expert) weights, in the same logit units as the fitted ones. */
#define W_HOMOGRAPH    6.0
#define W_MIXED_SCRIPT 2.0
#define W_TYPOSQUAT    4.0
#define W_TLD_SWAP     3.5
#define W_BAD_SCHEME   5.0
#define W_BAD_URL      2.0
#define W_NEW_DOMAIN   1.5

/* Model weights, resolved by name from url-model.inc once. */
static const struct {
    const char *name;
    double w;
} model_rows[] = {
#include "intel/url-model.inc"
};

static double model_w[F_COUNT], model_bias;
static pthread_once_t model_once = PTHREAD_ONCE_INIT;

static void model_init(void)
{
    for (size_t i = 0; i < sizeof model_rows / sizeof model_rows[0]; i++) {
        if (strcmp(model_rows[i].name, "bias") == 0) {
            model_bias = model_rows[i].w;
            continue;
        }
        for (size_t f = 0; f < F_COUNT; f++)
            if (strcmp(model_rows[i].name, feat_code[f]) == 0)
                model_w[f] = model_rows[i].w;
    }
}

/* ---- static word lists ------------------------------------------------------------------ */

static const char *const risky_tlds[] = {
    "tk",          "ml",      "ga",    "cf",       "gq",     "xyz",      "top",        "icu",
    "buzz",        "cyou",    "sbs",   "cfd",      "rest",   "click",    "link",       "shop",
    "online",      "site",    "fun",   "monster",  "bond",   "lol",      "win",        "bid",
    "xin",         "vip",     "work",  "surf",     "quest",  "beauty",   "hair",       "mom",
    "uno",         "zip",     "mov",   "country",  "kim",    "loan",     "men",        "party",
    "review",      "stream",  "trade", "date",     "racing", "download", "accountant", "faith",
    "science",     "cricket", "gdn",   "live",     "store",  "pw",       "cc",         "su",
    "ws",          "today",   "best",  "life",     "world",  "space",    "website",    "digital",
    "support",     "help",    "email", "services", "sbs",    "autos",    "boats",      "homes",
    "motorcycles", "yachts",  "skin",  "makeup",   "bar",    "casa",     "club",       "in.net",
};

static const char *const shorteners[] = {
    "bit.ly",    "bitly.com",     "tinyurl.com", "t.co",      "goo.gl",      "is.gd",   "ow.ly",
    "buff.ly",   "cutt.ly",       "rb.gy",       "s.id",      "shorturl.at", "tiny.cc", "t.ly",
    "v.gd",      "rebrand.ly",    "bl.ink",      "lnkd.in",   "short.io",    "qrco.de", "urlz.fr",
    "shorte.st", "adf.ly",        "tr.im",       "x.co",      "u.to",        "clck.ru", "did.li",
    "tiny.one",  "shorturl.asia", "surl.li",     "linktr.ee",
};

/* Matched as host suffixes ("x.ngrok.io", "ngrok.io"). */
static const char *const free_hosts[] = {
    "ngrok.io",          "ngrok-free.app",
    "ngrok.app",         "ngrok-free.dev",
    "trycloudflare.com", "duckdns.org",
    "no-ip.com",         "no-ip.org",
    "no-ip.biz",         "ddns.net",
    "hopto.org",         "zapto.org",
    "sytes.net",         "serveo.net",
    "loca.lt",           "localtunnel.me",
    "000webhostapp.com", "weebly.com",
    "wixsite.com",       "firebaseapp.com",
    "web.app",           "glitch.me",
    "repl.co",           "replit.dev",
    "replit.app",        "r2.dev",
    "pages.dev",         "workers.dev",
    "vercel.app",        "netlify.app",
    "herokuapp.com",     "onrender.com",
    "github.io",         "gitlab.io",
    "blogspot.com",      "azurewebsites.net",
    "ipfs.io",           "dweb.link",
    "square.site",       "godaddysites.com",
    "webflow.io",        "framer.app",
    "framer.website",    "bubbleapps.io",
    "surge.sh",          "translate.goog",
    "dynv6.net",         "freeddns.org",
    "mooo.com",          "afraid.org",
    "kozow.com",         "ddnsfree.com",
    "linkpc.net",        "servehttp.com",
    "myftp.org",         "myftp.biz",
    "serveftp.com",      "duckdns.org",
    "portmap.io",        "portmap.host",
    "pinggy.link",       "serveousercontent.com",
    "telebit.io",        "lhr.life",
    "workers.dev",       "yolasite.com",
    "jimdosite.com",     "mystrikingly.com",
    "site123.me",        "tiiny.site",
    "carrd.co",          "my.canva.site",
    "sharepoint.com.",   "typedream.app",
    "gitbook.io",        "notion.site",
    "forms.gle",         "wordpress.com",
    "wcomhost.com",      "nhost.run",
    "cprapid.com",       "ipfs.dweb.link",
    "fleek.co",          "4everland.app",
    "on.fleek.co",       "hf.space",
    "streamlit.app",     "cloudflare-ipfs.com",
    "infura-ipfs.io",    "temp.domains",
    "teemill.com",       "b-cdn.net",
    "codesandbox.io",    "csb.app",
    "stackblitz.io",     "deno.dev",
    "fly.dev",           "railway.app",
    "up.railway.app",    "koyeb.app",
    "cyclic.app",        "adaptable.app",
    "glide.page",
};

static const char *const cred_words[] = {
    "login",
    "log-in",
    "signin",
    "sign-in",
    "logon",
    "verify",
    "verif",
    "account",
    "secure",
    "update",
    "confirm",
    "password",
    "passwd",
    "wallet",
    "auth",
    "webscr",
    "recover",
    "unlock",
    "billing",
    "suspend",
    "validate",
    "authenticate",
    "credential",
    "banking",
    "restore",
    "reactivat",
    "security-check",
    "kyc",
    "airdrop",
    "claim",
    "reward",
    "bonus",
    "gift",
    "prize",
    "support-ticket",
    "helpdesk",
    "mfa",
    "2fa",
    "otp",
    "seed",
    "connect-wallet",
};

static const char *const exe_exts[] = {
    ".exe",    ".scr",  ".msi", ".dll",  ".com",  ".pif",        ".cpl", ".jar", ".apk",
    ".elf",    ".bin",  ".lnk", ".msix", ".appx", ".appxbundle", ".xll", ".sys", ".mips",
    ".arm",    ".arm7", ".x86", ".mpsl", ".m68k", ".ppc",        ".sh4", ".spc", ".i686",
    ".x86_64", ".dmg",  ".pkg", ".deb",  ".rpm",  ".ocx"};
static const char *const script_exts[] = {".sh",  ".ps1", ".psm1", ".vbs", ".vbe",  ".js",
                                          ".jse", ".hta", ".bat",  ".cmd", ".wsf",  ".wsh",
                                          ".py",  ".pl",  ".chm",  ".url", ".reg",  ".sct",
                                          ".inf", ".svg", ".html", ".htm", ".shtml"};
static const char *const archive_exts[] = {".zip", ".rar", ".7z",   ".gz", ".tgz", ".tar",
                                           ".cab", ".ace", ".arj",  ".xz", ".bz2", ".iso",
                                           ".img", ".vhd", ".vhdx", ".z",  ".lzh", ".r00"};
static const char *const doc_exts[] = {".pdf",  ".doc", ".docx", ".xls", ".xlsx", ".jpg",
                                       ".jpeg", ".png", ".txt",  ".rtf", ".ppt",  ".pptx",
                                       ".mp3",  ".mp4", ".gif",  ".csv", ".odt"};

static bool in_list(lw_str s, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lw_str_ieq_c(s, v[i]))
            return true;
    return false;
}
#define IN(s, arr) in_list((s), (arr), sizeof(arr) / sizeof(arr)[0])

/* s == suffix or s ends with "." + suffix */
static bool host_under(lw_str h, const char *suffix)
{
    size_t n = strlen(suffix);
    if (h.n < n || memcmp(h.p + h.n - n, suffix, n) != 0)
        return false;
    return h.n == n || h.p[h.n - n - 1] == '.';
}

/* .html/.htm/.svg can carry script but are the ordinary web: not counted as scripts. */
static bool script_ext(lw_str e)
{
    if (lw_str_ieq_c(e, ".html") || lw_str_ieq_c(e, ".htm") || lw_str_ieq_c(e, ".shtml") ||
        lw_str_ieq_c(e, ".svg"))
        return false;
    return IN(e, script_exts);
}

static double label_entropy(lw_str s)
{
    unsigned cnt[256] = {0};
    for (size_t i = 0; i < s.n; i++)
        cnt[(unsigned char)s.p[i]]++;
    double h = 0;
    for (int c = 0; c < 256; c++)
        if (cnt[c]) {
            double p = (double)cnt[c] / (double)s.n;
            h -= p * log2(p);
        }
    return h;
}

/* Does s contain word w as a whole token (split on . - _ / digits boundary is not)? */
static bool has_token(lw_str s, lw_str w)
{
    size_t st = 0;
    for (size_t i = 0; i <= s.n; i++) {
        if (i == s.n || s.p[i] == '.' || s.p[i] == '-' || s.p[i] == '_' || s.p[i] == '/' ||
            s.p[i] == '=' || s.p[i] == '&' || s.p[i] == '?' || s.p[i] == '+' || s.p[i] == '%') {
            if (lw_str_ieq((lw_str){s.p + st, i - st}, w))
                return true;
            st = i + 1;
        }
    }
    return false;
}

/* ---- result helpers ------------------------------------------------------------------------ */

typedef struct ctx {
    lw_intel_result *r;
    size_t bufn;
    double logit;
} ctx;

static lw_str keep(ctx *c, lw_str s)
{
    if (s.n == 0 || c->bufn + s.n + 1 > sizeof c->r->buf)
        return (lw_str){"", 0};
    char *d = c->r->buf + c->bufn;
    memcpy(d, s.p, s.n);
    d[s.n] = '\0';
    c->bufn += s.n + 1;
    return (lw_str){d, s.n};
}

static void reason(ctx *c, const char *code, double w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reason(ctx *c, const char *code, double w, const char *fmt, ...)
{
    c->logit += w;
    lw_intel_result *r = c->r;
    if (r->nreasons == LW_INTEL_MAX_REASONS)
        return;
    lw_intel_reason *x = &r->reasons[r->nreasons++];
    x->code = code;
    x->weight = w;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(x->text, sizeof x->text, fmt, ap);
    va_end(ap);
    if (k < 0)
        x->text[0] = '\0';
}

static void feature(ctx *c, int f, double x, const char *detail)
{
    c->r->features[f] = (float)x;
    double w = model_w[f] * x;
    if (x == 0 || w == 0)
        return;
    if (detail && *detail)
        reason(c, feat_code[f], w, "%s (%s)", feat_text[f], detail);
    else
        reason(c, feat_code[f], w, "%s", feat_text[f]);
}

static int cmp_reason(const void *a, const void *b)
{
    double x = ((const lw_intel_reason *)a)->weight, y = ((const lw_intel_reason *)b)->weight;
    return (x < y) - (x > y);
}

static const char *ip_form_name(lw_ip_form f)
{
    static const char *const n[] = {"", "dotted", "decimal", "hex", "octal", "short", "ipv6"};
    return (size_t)f < sizeof n / sizeof n[0] ? n[f] : "";
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- brand lookalikes -------------------------------------------------------------------- */

static void brand_checks(const lw_intel *in, ctx *c, lw_str host, lw_str reg, lw_str suffix,
                         lw_str icann, lw_str path)
{
    lw_intel_result *r = c->r;
    if (reg.n == 0 || lw_strset_has(&in->brands.owned, reg))
        return;
    /* label = registrable domain without its suffix; sub = host above reg */
    lw_str label = {reg.p, reg.n > suffix.n + 1 ? reg.n - suffix.n - 1 : 0};
    lw_str sub = {host.p, host.n > reg.n + 1 ? host.n - reg.n - 1 : 0};
    bool private_suffix = !lw_str_eq(suffix, icann);

    /* Unicode form of the label for skeletons (only IDN labels need converting). */
    char ubuf[256];
    lw_str ulabel = label;
    char *u8 = NULL;
    if (label.n >= 4 && lw_str_istarts(label, LW_STR_LIT("xn--")) && label.n < sizeof ubuf) {
        memcpy(ubuf, label.p, label.n);
        ubuf[label.n] = '\0';
        if (idn2_to_unicode_8z8z(ubuf, &u8, 0) == IDN2_OK && u8)
            ulabel = lw_str_c(u8);
    }
    char skel[256];
    size_t skn = 0;
    bool have_skel = lw_spoof_skeleton(in->spoof, ulabel, skel, sizeof skel, &skn);
    bool non_ascii = ulabel.p != label.p;
    if (non_ascii && lw_spoof_mixed_script(in->spoof, ulabel))
        reason(c, "mixed-script", W_MIXED_SCRIPT,
               "the domain label mixes scripts or uses confusable characters (%.*s)", (int)ulabel.n,
               ulabel.p);

    const lw_brand *hit = NULL;
    int f_sub = 0, f_path = 0, f_combo = 0;
    const lw_brand *b_sub = NULL, *b_path = NULL, *b_combo = NULL;
    for (size_t i = 0; i < in->brands.n; i++) {
        const lw_brand *b = &in->brands.v[i];
        lw_str bn = lw_str_c(b->name);
        bool token_only = b->category[0] == '~';
        if (!hit && have_skel && b->skeleton[0] && skn == strlen(b->skeleton) &&
            memcmp(skel, b->skeleton, skn) == 0 && !lw_str_eq(label, bn)) {
            hit = b;
            if (non_ascii)
                reason(c, "homograph", W_HOMOGRAPH,
                       "looks like %s: '%.*s' has the same UTS #39 skeleton as '%s'",
                       b->ndomains ? b->domains[0] : b->name, (int)ulabel.n, ulabel.p, b->name);
            else
                reason(c, "typosquat-homoglyph", W_TYPOSQUAT,
                       "looks like %s: '%.*s' uses lookalike letters for '%s'",
                       b->ndomains ? b->domains[0] : b->name, (int)label.n, label.p, b->name);
            continue;
        }
        if (!hit && lw_str_eq(label, bn)) {
            hit = b;
            if (private_suffix) {
                f_combo = 1;
                b_combo = b;
            } else {
                reason(c, "typosquat-tld-swap", W_TLD_SWAP,
                       "'%.*s' is brand %s under another suffix (not %s)", (int)reg.n, reg.p,
                       b->name, b->ndomains ? b->domains[0] : "its own domain");
            }
            continue;
        }
        if (!hit && !token_only && bn.n >= 5) {
            lw_squat k = lw_squat_classify(label, bn);
            if (k != LW_SQUAT_NONE) {
                hit = b;
                static const char *const codes[] = {"",
                                                    "typosquat-omission",
                                                    "typosquat-insertion",
                                                    "typosquat-repetition",
                                                    "typosquat-transposition",
                                                    "typosquat-keyboard",
                                                    "typosquat-bitsquat",
                                                    "typosquat-vowel-swap",
                                                    "typosquat-homoglyph",
                                                    "typosquat-replacement",
                                                    "typosquat-hyphenation",
                                                    "typosquat-tld-swap",
                                                    "brand-combo"};
                reason(c, codes[k], W_TYPOSQUAT, "'%.*s' is a %s typosquat of %s", (int)label.n,
                       label.p, lw_squat_name(k), b->ndomains ? b->domains[0] : b->name);
                continue;
            }
        }
        /* combos: the brand inside the registrable label with other words */
        if (!f_combo && label.n > bn.n &&
            (has_token(label, bn) || (!token_only && bn.n >= 5 && lw_str_ifind(label, bn) >= 0))) {
            f_combo = 1;
            b_combo = b;
        }
        if (!f_sub && sub.n &&
            (has_token(sub, bn) || (!token_only && bn.n >= 5 && lw_str_ifind(sub, bn) >= 0))) {
            f_sub = 1;
            b_sub = b;
        }
        if (!f_path && !token_only && bn.n >= 4 && path.n > bn.n && has_token(path, bn)) {
            f_path = 1;
            b_path = b;
        }
    }
    if (hit)
        r->brand = keep(c, lw_str_c(hit->name));
    else if (b_combo)
        r->brand = keep(c, lw_str_c(b_combo->name));
    else if (b_sub)
        r->brand = keep(c, lw_str_c(b_sub->name));
    else if (b_path)
        r->brand = keep(c, lw_str_c(b_path->name));
    feature(c, F_BRAND_COMBO, f_combo, b_combo ? b_combo->name : NULL);
    feature(c, F_BRAND_SUBDOMAIN, f_sub, b_sub ? b_sub->name : NULL);
    feature(c, F_BRAND_PATH, f_path, b_path ? b_path->name : NULL);
    if (u8)
        idn2_free(u8);
}

/* ---- main -------------------------------------------------------------------------------- */

void lw_intel_score_impl(const lw_intel *in, lw_str url, const lw_intel_call *call,
                         lw_intel_result *r)
{
    pthread_once(&model_once, model_init);
    /* Reset only the header fields: buf and unused reasons need no clearing. */
    memset(r, 0, offsetof(lw_intel_result, reasons));
    memset(&r->url, 0, offsetof(lw_intel_result, buf) - offsetof(lw_intel_result, url));
    r->buf[0] = '\0';
    ctx c = {r, 0, model_bias};
    r->url = url;
    r->ip_form = "";
    r->port_num = -1;
    r->nfeatures = F_COUNT;
    static const lw_str empty = {"", 0};
    r->host_norm = r->host_unicode = r->registrable_domain = r->public_suffix = r->tld =
        r->extension = r->brand = empty;

    lw_url u;
    bool ok = lw_url_parse(url, &u);
    r->scheme = u.scheme;
    r->userinfo = u.userinfo;
    r->host = u.host;
    r->port = u.port;
    r->path = u.path;
    r->query = u.query;
    r->fragment = u.fragment;
    r->port_num = u.port_num;
    r->host_is_ip = u.host_is_ip;
    r->ip_form = ip_form_name(u.ip_form);

    if (u.flags & LW_URLF_OPAQUE) {
        if (lw_str_ieq_c(u.scheme, "data") || lw_str_ieq_c(u.scheme, "javascript") ||
            lw_str_ieq_c(u.scheme, "vbscript") || lw_str_ieq_c(u.scheme, "blob"))
            reason(&c, "script-scheme", W_BAD_SCHEME,
                   "%.*s: URLs run or embed content without a server to vet", (int)u.scheme.n,
                   u.scheme.p);
        goto finish;
    }

    /* Host: canonical, registrable domain, suffixes. */
    char hb[300], rb[300], ib[300];
    lw_str host = {NULL, 0}, reg = {NULL, 0}, suffix = {NULL, 0}, icann = {NULL, 0};
    bool host_ok = false;
    if (ok && u.host_is_ip) {
        if (u.ip_form == LW_IP_V6) {
            host_ok = lw_url_host_normalize(u.host, hb, sizeof hb, &host);
        } else {
            uint32_t a = u.ipv4;
            host_ok = lw_fmt(hb, sizeof hb, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                             a & 255);
            host = lw_str_c(hb);
        }
    } else if (ok) {
        host_ok = lw_url_registrable(u.host, rb, sizeof rb, &reg, &suffix);
        if (host_ok) {
            lw_url_host_normalize(u.host, hb, sizeof hb, &host);
            /* reg/suffix are views into rb which holds the same normalized host */
            lw_url_icann_suffix(u.host, ib, sizeof ib, &icann);
        }
        /* a numeric last label (1.2.3.4.5) is not a valid host */
        if (host_ok && suffix.n && suffix.p[0] >= '0' && suffix.p[0] <= '9') {
            bool num = true;
            for (size_t i = 0; i < suffix.n && num; i++)
                num = suffix.p[i] >= '0' && suffix.p[i] <= '9';
            host_ok = !num;
        }
    }
    if (!host_ok) {
        reason(&c, "bad-url", W_BAD_URL, "no valid host name could be read from this URL");
        goto finish;
    }
    r->host_norm = keep(&c, host);
    r->host_unicode = r->host_norm;
    r->registrable_domain = keep(&c, reg);
    r->public_suffix = keep(&c, suffix);
    r->tld = keep(&c, icann);
    if (lw_str_ifind(host, LW_STR_LIT("xn--")) >= 0 && host.n < sizeof ib) {
        char *u8 = NULL;
        memcpy(ib, host.p, host.n);
        ib[host.n] = '\0';
        if (idn2_to_unicode_8z8z(ib, &u8, 0) == IDN2_OK && u8) {
            r->host_unicode = keep(&c, lw_str_c(u8));
            idn2_free(u8);
        }
    }
    host = r->host_norm;
    reg = r->registrable_domain;
    suffix = r->public_suffix;
    icann = r->tld;

    /* Lists first: they decide, the model explains. */
    char kb[2048];
    lw_str key = lw_list_url_key(host, u.path, u.query, kb, sizeof kb);
    if (in->has_block &&
        (lw_list_match_host(&in->block, host, reg) || lw_list_match_url(&in->block, key)))
        r->blocklisted = 1;
    if (in->has_allow && lw_list_match_host(&in->allow, host, reg))
        r->allowlisted = 1;

    /* Seen store. */
    if (in->seen && reg.n) {
        int64_t when = call && call->when_ms > 0 ? call->when_ms : now_ms();
        bool record = call ? call->record_seen != 0 : true;
        r->first_seen_ms = lw_seen_touch(in->seen, reg, when, record);
        int64_t window = (int64_t)in->new_days * 86400000;
        /* Learning period: a store younger than one day thinks everything is new. */
        if (r->first_seen_ms && when - r->first_seen_ms < window &&
            r->first_seen_ms - lw_seen_created(in->seen) >= 86400000) {
            r->new_domain = 1;
            reason(&c, "new-domain", W_NEW_DOMAIN,
                   "%.*s was first seen in this environment less than %d days ago", (int)reg.n,
                   reg.p, in->new_days);
        }
    }

    /* ---- lexical features ---- */
    char detail[96];
    if (u.host_is_ip) {
        feature(&c, F_IP_HOST, 1, NULL);
        if (u.ip_form != LW_IP_DOTTED && u.ip_form != LW_IP_V6)
            feature(&c, F_IP_OBFUSCATED, 1, r->ip_form);
    }
    if (u.has_userinfo) {
        lw_fmt(detail, sizeof detail, "%.*s@", (int)(u.userinfo.n > 60 ? 60 : u.userinfo.n),
               u.userinfo.p);
        feature(&c, F_USERINFO, 1, detail);
    }
    if (u.port_num >= 0) {
        bool dflt = (u.port_num == 80 && !lw_str_ieq_c(u.scheme, "https")) ||
                    (u.port_num == 443 && !lw_str_ieq_c(u.scheme, "http"));
        if (!dflt) {
            lw_fmt(detail, sizeof detail, "%d", u.port_num);
            feature(&c, F_PORT, 1, detail);
        }
    }
    if (lw_str_ieq_c(u.scheme, "http"))
        feature(&c, F_NO_TLS, 1, NULL);

    if (!u.host_is_ip) {
        lw_str label = {reg.p, reg.n > suffix.n + 1 ? reg.n - suffix.n - 1 : 0};
        size_t sub_n = host.n > reg.n + 1 ? host.n - reg.n - 1 : 0;
        size_t sublabels = 0, longest = 0, cur = 0, hyph = 0;
        for (size_t i = 0; i < host.n; i++) {
            if (host.p[i] == '.') {
                if (i < sub_n)
                    sublabels++;
                cur = 0;
                continue;
            }
            if (host.p[i] == '-' && i < host.n - suffix.n)
                hyph++;
            if (++cur > longest)
                longest = cur;
        }
        if (sub_n)
            sublabels++; /* dots inside the subdomain part + 1 = its labels */
        if (sublabels >= 3) {
            lw_fmt(detail, sizeof detail, "%zu levels", sublabels);
            feature(&c, F_MANY_LABELS, 1, detail);
        }
        if (host.n > 40)
            feature(&c, F_LONG_HOST, 1, NULL);
        if (longest > 24)
            feature(&c, F_LONG_LABEL, 1, NULL);
        if (label.n >= 10) {
            double e = label_entropy(label);
            if (e >= 3.4) {
                lw_fmt(detail, sizeof detail, "'%.*s', %.1f bits/char", (int)label.n, label.p, e);
                feature(&c, F_ENTROPY, 1, detail);
            }
        }
        size_t digits = 0;
        for (size_t i = 0; i < label.n; i++)
            digits += label.p[i] >= '0' && label.p[i] <= '9';
        if (digits >= 4 || (label.n && digits * 10 >= label.n * 3 && digits >= 2))
            feature(&c, F_DIGITS, 1, NULL);
        if (hyph >= 2) {
            lw_fmt(detail, sizeof detail, "%zu", hyph);
            feature(&c, F_HYPHENS, 1, detail);
        }
        /* risky TLD: the last label, or a known abused 2-level suffix */
        lw_str last = icann;
        for (size_t i = icann.n; i > 0; i--)
            if (icann.p[i - 1] == '.') {
                last = (lw_str){icann.p + i, icann.n - i};
                break;
            }
        if (IN(last, risky_tlds) || IN(icann, risky_tlds))
            feature(&c, F_RISKY_TLD, 1, icann.p);
        if (IN(reg, shorteners) || IN(host, shorteners))
            feature(&c, F_SHORTENER, 1, reg.p);
        if (!lw_str_eq(suffix, icann) && suffix.n)
            feature(&c, F_TENANT, 1, suffix.p);
        for (size_t i = 0; i < sizeof free_hosts / sizeof free_hosts[0]; i++)
            if (host_under(host, free_hosts[i])) {
                feature(&c, F_FREE_HOST, 1, free_hosts[i]);
                break;
            }
        if (lw_str_ifind(host, LW_STR_LIT("xn--")) >= 0)
            feature(&c, F_PUNYCODE, 1, r->host_unicode.p);
        /* credential words in the host outside the registrable suffix */
        lw_str hpart = {host.p, host.n - suffix.n};
        for (size_t i = 0; i < sizeof cred_words / sizeof cred_words[0]; i++)
            if (lw_str_ifind(hpart, lw_str_c(cred_words[i])) >= 0) {
                feature(&c, F_CRED_HOST, 1, cred_words[i]);
                break;
            }
        brand_checks(in, &c, host, reg, suffix, icann, u.path);
    }

    /* path */
    lw_str prev;
    lw_str ext = lw_url_extension(u.path, &prev);
    r->extension = keep(&c, ext);
    if (ext.n) {
        lw_fmt(detail, sizeof detail, "%.*s", (int)(ext.n > 20 ? 20 : ext.n), ext.p);
        if (IN(ext, exe_exts))
            feature(&c, F_EXE_EXT, 1, detail);
        else if (script_ext(ext))
            feature(&c, F_SCRIPT_EXT, 1, detail);
        else if (IN(ext, archive_exts))
            feature(&c, F_ARCHIVE_EXT, 1, detail);
        if (prev.n && IN(prev, doc_exts) &&
            (IN(ext, exe_exts) || script_ext(ext) || IN(ext, archive_exts))) {
            lw_fmt(detail, sizeof detail, "%.*s%.*s", (int)(prev.n > 12 ? 12 : prev.n), prev.p,
                   (int)(ext.n > 12 ? 12 : ext.n), ext.p);
            feature(&c, F_DOUBLE_EXT, 1, detail);
        }
    }
    for (size_t i = 0; i < sizeof cred_words / sizeof cred_words[0]; i++)
        if (lw_str_ifind(u.path, lw_str_c(cred_words[i])) >= 0) {
            feature(&c, F_CRED_PATH, 1, cred_words[i]);
            break;
        }
    if (u.path.n > 60)
        feature(&c, F_LONG_PATH, 1, NULL);
    if (u.query.n > 100)
        feature(&c, F_LONG_QUERY, 1, NULL);
    {
        lw_str pq = {u.path.p, (size_t)((u.query.n ? u.query.p + u.query.n : u.path.p + u.path.n) -
                                        u.path.p)};
        if (u.path.p &&
            (lw_str_ifind(pq, LW_STR_LIT("http")) >= 0 ||
             lw_str_ifind(pq, LW_STR_LIT("www.")) >= 0 || lw_str_ifind(pq, LW_STR_LIT("//")) >= 0))
            feature(&c, F_EMBEDDED_URL, 1, NULL);
    }
    /* "/i", "/bins/x", "/mips": short single segment with no extension */
    if (u.path.n >= 2 && u.path.n <= 8 && !ext.n && !u.query.n &&
        !memchr(u.path.p + 1, '/', u.path.n - 1))
        feature(&c, F_NO_PATH_FILE, 1, NULL);
    {
        size_t run = 0, best = 0;
        for (size_t i = 0; i < u.path.n; i++) {
            unsigned char ch = (unsigned char)u.path.p[i];
            bool hx =
                (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
            run = hx ? run + 1 : 0;
            if (run > best)
                best = run;
        }
        if (best >= 16)
            feature(&c, F_PATH_DIGITS, 1, NULL);
    }

finish:;
    double logit = c.logit;
    int score = (int)lround(100.0 / (1.0 + exp(-logit)));
    if (r->allowlisted) {
        reason(&c, "allowlist", 0, "%.*s is on the allow list", (int)r->host_norm.n,
               r->host_norm.p);
        score = 0;
    }
    if (r->blocklisted) {
        reason(&c, "blocklist", 0, "%.*s is on a block list", (int)r->host_norm.n, r->host_norm.p);
        score = 100;
    }
    r->score = score < 0 ? 0 : score > 100 ? 100 : score;
    r->verdict = r->score >= in->malicious_at    ? LW_VERDICT_MALICIOUS
                 : r->score >= in->suspicious_at ? LW_VERDICT_SUSPICIOUS
                                                 : LW_VERDICT_BENIGN;
    static const char *const vn[] = {"benign", "suspicious", "malicious"};
    r->verdict_name = vn[r->verdict];
    qsort(r->reasons, r->nreasons, sizeof r->reasons[0], cmp_reason);
}
