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

/* Expert (not fitted) weights, in the same logit units as the fitted ones.  The model file
 * may override them by name; scripts/fit-url-model.py writes the ones meant to decide on
 * their own (homograph, typosquat, TLD swap, script scheme) as "-bias + margin", so a
 * recalibrated bias never silently demotes a lookalike below "suspicious".  Written only
 * in model_init (pthread_once), read-only afterwards. */
static double w_homograph = 6.0, w_mixed_script = 2.0, w_typosquat = 4.0, w_tld_swap = 3.5,
              w_bad_scheme = 5.0, w_bad_url = 2.0, w_new_domain = 1.5;

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
        static const struct {
            const char *name;
            double *w;
        } expert[] = {
            {"bias", &model_bias},
            {"homograph", &w_homograph},
            {"mixed-script", &w_mixed_script},
            {"typosquat", &w_typosquat},
            {"typosquat-tld-swap", &w_tld_swap},
            {"script-scheme", &w_bad_scheme},
            {"bad-url", &w_bad_url},
            {"new-domain", &w_new_domain},
        };
        bool done = false;
        for (size_t k = 0; k < sizeof expert / sizeof expert[0] && !done; k++)
            if (strcmp(model_rows[i].name, expert[k].name) == 0) {
                *expert[k].w = model_rows[i].w;
                done = true;
            }
        if (done)
            continue;
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
    "support",     "help",    "email", "services", "lat",    "autos",    "boats",      "homes",
    "motorcycles", "yachts",  "skin",  "makeup",   "bar",    "casa",     "club",       "in.net",
    "study",       "ink",     "mobi",  "asia",
};

static const char *const shorteners[] = {
    "bit.ly",    "bitly.com",     "tinyurl.com", "t.co",      "goo.gl",      "is.gd",    "ow.ly",
    "buff.ly",   "cutt.ly",       "rb.gy",       "s.id",      "shorturl.at", "tiny.cc",  "t.ly",
    "v.gd",      "rebrand.ly",    "bl.ink",      "lnkd.in",   "short.io",    "qrco.de",  "urlz.fr",
    "shorte.st", "adf.ly",        "tr.im",       "x.co",      "u.to",        "clck.ru",  "did.li",
    "tiny.one",  "shorturl.asia", "surl.li",     "linktr.ee", "spoo.me",     "lnk.ink",  "bit.do",
    "cutt.us",   "qr.ae",         "shorturl.gg", "t2m.io",    "urlr.me",     "l.ead.me", "2.gy",
    "1url.cz",   "bitly.ws",      "tny.sh",      "shrtco.de", "ulvis.net",   "gg.gg",    "rb.gy",
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
    "weeblysite.com",    "typedream.app",
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
    "glide.page",        "webcindario.com",
    "wixstudio.io",      "ipfs.w3s.link",
    "nftstorage.link",   "4everland.io",
    "edgeone.app",       "wpcomstaging.com",
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

/* Lure words looked for inside host name labels (cred-words-host, brand-lure,
 * platform-lure).  Long words match anywhere in a label ("xfinitymail-signin-key",
 * "tickblueverification"); the short ones only as a whole hyphen token, because as
 * substrings they are everywhere ("author", "seeds").  A label that is nothing but one of
 * these words ("login.microsoftonline.com", "accounts.google.com") does not count: that is
 * how ordinary sites name their own sign-in hosts. */
static const char *const lure_long[] = {
    "login",   "signin",   "logon",   "verif",   "account",     "secure",     "parcel",
    "confirm", "password", "wallet",  "recover", "unlock",      "invoice",    "payment",
    "billing", "webscr",   "suspend", "validat", "authenticat", "credential", "restore",
    "refund",  "airdrop",  "reward",  "unusual", "helpdesk",    "giveaway",   "customer-care",
};
static const char *const lure_short[] = {
    "auth", "sso", "kyc",  "otp", "mfa", "2fa",  "claim",   "bonus",  "prize",  "gift",
    "seed", "log", "sign", "pay", "id",  "help", "service", "online", "update", "track"};

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

/* ---- hosting platforms and host name labels -------------------------------------------- */

/* Where a platform tenant starts.  The PSL's PRIVATE section already makes "x.netlify.app"
 * a registrable domain of its own; free hosts it does not list ("x.weebly.com",
 * "x.webflow.io") get the same boundary from free_hosts.  All views point into host. */
typedef struct hostview {
    lw_str platform;   /* "netlify.app", "weebly.com"; empty when the host is no tenant */
    lw_str tenant_reg; /* "x.weebly.com": what allow lists may match at most */
    lw_str names;      /* labels left of the platform or public suffix: "a.b.x" */
    lw_str main;       /* the rightmost of them: registrable label or tenant label */
} hostview;

static void host_view(lw_str host, lw_str suffix, lw_str icann, hostview *hv)
{
    memset(hv, 0, sizeof *hv);
    lw_str plat = {NULL, 0};
    if (suffix.n && !lw_str_eq(suffix, icann)) {
        plat = suffix;
    } else {
        for (size_t i = 0; i < sizeof free_hosts / sizeof free_hosts[0]; i++) {
            size_t n = strlen(free_hosts[i]);
            if (host.n > n + 1 && host_under(host, free_hosts[i])) {
                plat = (lw_str){host.p + host.n - n, n};
                break;
            }
        }
    }
    /* "www.weebly.com" is the platform's own site, not a tenant called www */
    if (plat.n && plat.p != suffix.p && host.n == plat.n + 4 &&
        lw_str_istarts(host, LW_STR_LIT("www.")))
        plat = (lw_str){NULL, 0};
    lw_str base = plat.n ? plat : suffix;
    if (host.n <= base.n + 1)
        return;
    hv->names = (lw_str){host.p, host.n - base.n - 1};
    size_t k = hv->names.n;
    while (k > 0 && hv->names.p[k - 1] != '.')
        k--;
    hv->main = (lw_str){hv->names.p + k, hv->names.n - k};
    if (plat.n) {
        hv->platform = plat;
        hv->tenant_reg = (lw_str){hv->main.p, (size_t)(host.p + host.n - hv->main.p)};
    }
}

lw_str lw_intel_tenant_boundary(lw_str host, lw_str reg, lw_str suffix, lw_str icann)
{
    hostview hv;
    host_view(host, suffix, icann, &hv);
    return hv.tenant_reg.n > reg.n ? hv.tenant_reg : reg;
}

/* Host tokens: the name labels split at '.' and '-' (at most TOK_MAX, longer ones cut). */
#define TOK_MAX 24
typedef struct tokens {
    lw_str t[TOK_MAX];
    lw_str g[TOK_MAX][2]; /* homoglyph-normalised variants (1->l, 1->i); empty if same */
    bool in_main[TOK_MAX];
    size_t n;
    char gbuf[TOK_MAX][2][64];
} tokens;

/* Undo digit-for-letter and multi-letter lookalikes (0->o 1->l|i 3->e 4->a 5->s 7->t,
 * rn->m vv->w cl->d) so "paypa1", "micr0soft", "rnicrosoft" read as the brand.  Returns
 * false when nothing changed (the token itself is then all there is to test). */
static bool deglyph(lw_str t, bool one_is_i, char *buf, size_t cap, lw_str *out)
{
    size_t o = 0;
    bool changed = false;
    for (size_t i = 0; i < t.n; i++) {
        if (o + 1 >= cap)
            return false;
        char ch = t.p[i], nx = i + 1 < t.n ? t.p[i + 1] : '\0', r = ch;
        if ((ch == 'r' && nx == 'n') || (ch == 'v' && nx == 'v') || (ch == 'c' && nx == 'l')) {
            r = ch == 'r' ? 'm' : ch == 'v' ? 'w' : 'd';
            i++;
        } else {
            switch (ch) {
            case '0':
                r = 'o';
                break;
            case '1':
                r = one_is_i ? 'i' : 'l';
                break;
            case '3':
                r = 'e';
                break;
            case '4':
                r = 'a';
                break;
            case '5':
                r = 's';
                break;
            case '7':
                r = 't';
                break;
            default:
                break;
            }
        }
        if (r != ch)
            changed = true;
        buf[o++] = r;
    }
    *out = (lw_str){buf, o};
    return changed;
}

static void split_tokens(lw_str names, lw_str main, tokens *tk)
{
    tk->n = 0;
    size_t st = 0;
    for (size_t i = 0; i <= names.n && tk->n < TOK_MAX; i++) {
        if (i < names.n && names.p[i] != '.' && names.p[i] != '-')
            continue;
        lw_str t = {names.p + st, i - st};
        st = i + 1;
        if (t.n == 0 || (t.n == 2 && t.p[0] == 'x' && t.p[1] == 'n') /* xn-- prefix */)
            continue;
        size_t k = tk->n++;
        tk->t[k] = t;
        tk->in_main[k] = t.p >= main.p && t.p < main.p + main.n;
        for (int v = 0; v < 2; v++)
            if (!deglyph(t, v == 1, tk->gbuf[k][v], sizeof tk->gbuf[k][v], &tk->g[k][v]))
                tk->g[k][v] = (lw_str){NULL, 0};
    }
}

static bool contains(lw_str h, lw_str n)
{
    return n.n && h.n >= n.n && memmem(h.p, h.n, n.p, n.n) != NULL;
}

/* Does token t name brand bn: equal, or (ordinary brands of 5+ letters) inside it? */
static bool token_names(lw_str t, lw_str bn, bool token_only)
{
    if (lw_str_eq(t, bn))
        return true;
    return !token_only && bn.n >= 5 && t.n > bn.n && contains(t, bn);
}

/* Lure words in the name labels (see lure_long / lure_short); returns the word or NULL. */
static const char *lure_in(lw_str names)
{
    size_t st = 0;
    for (size_t i = 0; i <= names.n; i++) {
        if (i < names.n && names.p[i] != '.')
            continue;
        lw_str l = {names.p + st, i - st};
        st = i + 1;
        for (size_t w = 0; w < sizeof lure_long / sizeof lure_long[0]; w++) {
            lw_str lw = lw_str_c(lure_long[w]);
            if (l.n > lw.n + 1 && contains(l, lw))
                return lure_long[w];
        }
        if (!l.n || !memchr(l.p, '-', l.n))
            continue;
        size_t ts = 0;
        for (size_t k = 0; k <= l.n; k++) {
            if (k < l.n && l.p[k] != '-')
                continue;
            lw_str t = {l.p + ts, k - ts};
            ts = k + 1;
            for (size_t w = 0; w < sizeof lure_short / sizeof lure_short[0]; w++)
                if (lw_str_eq_c(t, lure_short[w]))
                    return lure_short[w];
        }
    }
    return NULL;
}

/* Machine-made label token: letters and digits alternating (>= 3 switches in >= 8
 * characters: "dpy0o9mwip0d") or five consonants in a row ("bgrfd3", "zlkytpli"). */
static bool gibberish(lw_str t)
{
    size_t sw = 0, cons = 0, maxcons = 0;
    int prev = -1;
    for (size_t i = 0; i < t.n; i++) {
        char ch = t.p[i];
        int d = ch >= '0' && ch <= '9';
        if (prev >= 0 && d != prev)
            sw++;
        prev = d;
        if (ch >= 'a' && ch <= 'z' && !strchr("aeiouy", ch)) {
            if (++cons > maxcons)
                maxcons = cons;
        } else {
            cons = 0;
        }
    }
    return (t.n >= 8 && sw >= 3) || maxcons >= 5;
}

/* ---- brand lookalikes -------------------------------------------------------------------- */

static void brand_checks(const lw_intel *in, ctx *c, lw_str reg, lw_str suffix, lw_str icann,
                         lw_str path, const hostview *hv, const tokens *tk, bool lure_host)
{
    lw_intel_result *r = c->r;
    if (reg.n == 0 || lw_strset_has(&in->brands.owned, reg) || hv->main.n == 0)
        return;
    /* label = registrable label, or the tenant label on a hosting platform */
    lw_str label = hv->main;
    bool platform = hv->platform.n > 0;
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
        reason(c, "mixed-script", w_mixed_script,
               "the domain label mixes scripts or uses confusable characters (%.*s)", (int)ulabel.n,
               ulabel.p);

    const lw_brand *hit = NULL, *b_main = NULL, *b_sub = NULL, *b_path = NULL, *b_look = NULL;
    for (size_t i = 0; i < in->brands.n; i++) {
        const lw_brand *b = &in->brands.v[i];
        lw_str bn = lw_str_c(b->name);
        bool token_only = b->category[0] == '~';
        /* 1. the whole label against the brand: homographs, typosquats, TLD swap */
        if (!hit && have_skel && b->skeleton[0] && skn == strlen(b->skeleton) &&
            memcmp(skel, b->skeleton, skn) == 0 && !lw_str_eq(label, bn)) {
            hit = b;
            if (non_ascii)
                reason(c, "homograph", w_homograph,
                       "looks like %s: '%.*s' has the same UTS #39 skeleton as '%s'",
                       b->ndomains ? b->domains[0] : b->name, (int)ulabel.n, ulabel.p, b->name);
            else
                reason(c, "typosquat-homoglyph", w_typosquat,
                       "looks like %s: '%.*s' uses lookalike letters for '%s'",
                       b->ndomains ? b->domains[0] : b->name, (int)label.n, label.p, b->name);
            if (!non_ascii) /* paypa1.com: also a lookalike token; homographs weigh alone */
                b_look = b;
            continue;
        }
        if (!hit && lw_str_eq(label, bn)) {
            hit = b;
            if (!platform && !private_suffix)
                reason(c, "typosquat-tld-swap", w_tld_swap,
                       "'%.*s' is brand %s under another suffix (not %s)", (int)reg.n, reg.p,
                       b->name, b->ndomains ? b->domains[0] : "its own domain");
            if (!b_main)
                b_main = b;
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
                reason(c, codes[k], w_typosquat, "'%.*s' is a %s typosquat of %s", (int)label.n,
                       label.p, lw_squat_name(k), b->ndomains ? b->domains[0] : b->name);
                if (k == LW_SQUAT_HOMOGLYPH) /* paypa1, rnicrosoft: digit/letter lookalikes */
                    b_look = b;
                continue;
            }
        }
        /* 2. each hyphen/dot token: the brand itself, or a lookalike of it */
        for (size_t k = 0; k < tk->n; k++) {
            lw_str t = tk->t[k];
            if (token_names(t, bn, token_only)) {
                if (tk->in_main[k] && !b_main)
                    b_main = b;
                else if (!tk->in_main[k] && !b_sub)
                    b_sub = b;
                continue;
            }
            if (b_look)
                continue;
            bool look = false;
            for (int v = 0; v < 2 && !look; v++)
                look = tk->g[k][v].n && token_names(tk->g[k][v], bn, token_only);
            /* one edit from a longer brand ("whotsapp", "xfimnity"); plain one-letter
             * replacements of short brands are ordinary words too often ("wahoo") */
            if (!look && !token_only && bn.n >= 5 && t.n + 1 >= bn.n && t.n <= bn.n + 1) {
                lw_squat q = lw_squat_classify(t, bn);
                look = q != LW_SQUAT_NONE && (q != LW_SQUAT_REPLACEMENT || bn.n >= 7) &&
                       (q != LW_SQUAT_OMISSION || bn.n >= 6);
            }
            if (look)
                b_look = b;
        }
        if (!b_path && !token_only && bn.n >= 4 && path.n > bn.n && has_token(path, bn))
            b_path = b;
    }
    const lw_brand *any = hit ? hit : b_main ? b_main : b_sub ? b_sub : b_look;
    if (any)
        r->brand = keep(c, lw_str_c(any->name));
    else if (b_path)
        r->brand = keep(c, lw_str_c(b_path->name));
    char d[96];
    if (platform) {
        const lw_brand *bt = b_main ? b_main : b_sub ? b_sub : b_look ? b_look : hit;
        if (bt) {
            lw_fmt(d, sizeof d, "%s on %.*s", bt->name, (int)hv->platform.n, hv->platform.p);
            feature(c, F_BRAND_TENANT, 1, d);
        }
    } else {
        if (b_main && label.n > strlen(b_main->name))
            feature(c, F_BRAND_COMBO, 1, b_main->name);
        if (b_sub)
            feature(c, F_BRAND_SUBDOMAIN, 1, b_sub->name);
    }
    if (b_look && !b_main) {
        lw_fmt(d, sizeof d, "%s", b_look->name);
        feature(c, F_BRAND_LOOKALIKE, 1, d);
    }
    if (any && lure_host)
        feature(c, F_BRAND_LURE, 1, any->name);
    feature(c, F_BRAND_PATH, !any && b_path, b_path ? b_path->name : NULL);
    if (u8)
        idn2_free(u8);
}

/* ---- lexical features on the host as people read it -------------------------------------- */

/* Length, label, hyphen, digit and entropy features on the Unicode host: "аpple.com" is
 * 9 characters without hyphens, not "xn--pple-43d.com".  A label that stayed in punycode
 * (decoding failed) counts only the hyphens of its basic part (RFC 3492: the last '-'
 * is the delimiter; no basic code points, no delimiter); "xn--" itself never counts.
 * suffix/reg are the ASCII public suffix and registrable domain (same label counts). */
static void lexical(ctx *c, lw_str uh, lw_str suffix, lw_str reg, char *detail, size_t dcap)
{
    size_t nlabels = 1, suf_labels = suffix.n ? 1 : 0, reg_labels = reg.n ? 1 : 0;
    for (size_t i = 0; i < uh.n; i++)
        nlabels += uh.p[i] == '.';
    for (size_t i = 0; i < suffix.n; i++)
        suf_labels += suffix.p[i] == '.';
    for (size_t i = 0; i < reg.n; i++)
        reg_labels += reg.p[i] == '.';
    size_t name_labels = nlabels > suf_labels ? nlabels - suf_labels : 0;
    size_t sublabels = nlabels > reg_labels ? nlabels - reg_labels : 0;
    size_t cps = 0, longest = 0, hyph = 0, li = 0, st = 0;
    uint32_t cp[64];
    size_t ncp = 0, digits = 0;
    for (size_t i = 0; i <= uh.n; i++) {
        if (i < uh.n && uh.p[i] != '.')
            continue;
        lw_str l = {uh.p + st, i - st};
        st = i + 1;
        size_t n = 0;
        bool is_reg = li + 1 == name_labels;
        for (size_t k = 0; k < l.n; k++) {
            unsigned char ch = (unsigned char)l.p[k];
            if ((ch & 0xc0) == 0x80)
                continue; /* UTF-8 continuation byte */
            n++;
            if (is_reg && ncp < 64) {
                uint32_t v = ch;
                if (ch >= 0xc0) /* lead byte + next byte: enough to tell characters apart */
                    v = (uint32_t)ch << 8 | (k + 1 < l.n ? (unsigned char)l.p[k + 1] : 0);
                cp[ncp++] = v;
                digits += ch >= '0' && ch <= '9';
            }
        }
        cps += n + (i < uh.n);
        if (n > longest)
            longest = n;
        if (li < name_labels) {
            lw_str body = l;
            if (lw_str_istarts(l, LW_STR_LIT("xn--"))) {
                body = (lw_str){l.p + 4, l.n - 4};
                size_t h = 0;
                for (size_t k = 0; k < body.n; k++)
                    h += body.p[k] == '-';
                hyph += h ? h - 1 : 0;
            } else {
                for (size_t k = 0; k < body.n; k++)
                    hyph += body.p[k] == '-';
            }
        }
        li++;
    }
    if (sublabels >= 3) {
        lw_fmt(detail, dcap, "%zu levels", sublabels);
        feature(c, F_MANY_LABELS, 1, detail);
    }
    if (cps > 40)
        feature(c, F_LONG_HOST, 1, NULL);
    if (longest > 24)
        feature(c, F_LONG_LABEL, 1, NULL);
    if (ncp >= 10) {
        double h = 0;
        for (size_t i = 0; i < ncp; i++) {
            size_t same = 0;
            bool first = true;
            for (size_t j = 0; j < ncp; j++) {
                if (cp[j] == cp[i]) {
                    if (j < i) {
                        first = false;
                        break;
                    }
                    same++;
                }
            }
            if (first) {
                double p = (double)same / (double)ncp;
                h -= p * log2(p);
            }
        }
        if (h >= 3.4) {
            lw_fmt(detail, dcap, "%.1f bits/char", h);
            feature(c, F_ENTROPY, 1, detail);
        }
    }
    if (digits >= 4 || (ncp && digits * 10 >= ncp * 3 && digits >= 2))
        feature(c, F_DIGITS, 1, NULL);
    if (hyph >= 2) {
        lw_fmt(detail, dcap, "%zu", hyph);
        feature(c, F_HYPHENS, 1, detail);
    }
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
            reason(&c, "script-scheme", w_bad_scheme,
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
        reason(&c, "bad-url", w_bad_url, "no valid host name could be read from this URL");
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
    /* Allowing stops at a platform tenant even where the PSL has no boundary (weebly.com
     * is in Tranco; x.weebly.com must not be allowed by it). */
    if (in->has_allow &&
        lw_list_match_host(&in->allow, host, lw_intel_tenant_boundary(host, reg, suffix, icann)))
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
            reason(&c, "new-domain", w_new_domain,
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
        hostview hv;
        host_view(host, suffix, icann, &hv);
        lexical(&c, r->host_unicode, suffix, reg, detail, sizeof detail);
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
        tokens tk;
        split_tokens(hv.names, hv.main, &tk);
        bool owned = reg.n && lw_strset_has(&in->brands.owned, reg);
        /* lure words inside host labels; never on a brand's own domains */
        const char *lure = owned ? NULL : lure_in(hv.names);
        if (lure) {
            feature(&c, F_CRED_HOST, 1, lure);
            if (hv.platform.n) {
                lw_fmt(detail, sizeof detail, "%s on %.*s", lure, (int)hv.platform.n,
                       hv.platform.p);
                feature(&c, F_PLATFORM_LURE, 1, detail);
            }
        }
        for (size_t k = 0; k < tk.n; k++)
            if (gibberish(tk.t[k])) {
                lw_fmt(detail, sizeof detail, "%.*s", (int)(tk.t[k].n > 40 ? 40 : tk.t[k].n),
                       tk.t[k].p);
                feature(&c, F_GIBBERISH, 1, detail);
                break;
            }
        for (size_t k = 0; k < tk.n; k++)
            if (tk.t[k].n >= 50 && lw_str_istarts(tk.t[k], LW_STR_LIT("baf"))) {
                feature(&c, F_IPFS, 1, "content id in the host");
                break;
            }
        brand_checks(in, &c, reg, suffix, icann, u.path, &hv, &tk, lure != NULL);
    }
    if (r->features[F_IPFS] == 0 && (lw_str_istarts(u.path, LW_STR_LIT("/ipfs/")) ||
                                     lw_str_istarts(u.path, LW_STR_LIT("/ipns/"))))
        feature(&c, F_IPFS, 1, "/ipfs/ path");

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
