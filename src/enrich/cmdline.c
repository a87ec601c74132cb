/*
 * What a script host or LOLBin opens, read from its command line.
 *
 * Arguments are split the way CommandLineToArgvW does (argv[0] up to its closing quote or
 * the first blank; after that 2n backslashes before a quote give n backslashes and toggle
 * quoting, 2n+1 give a literal quote, "" inside quotes is a quote), because that is what
 * the program itself sees, whatever odd quoting an attacker used.  Each program is one
 * row in prog_table[] with its handler.  Everything is bounded: LW_CMDLINE_MAX_BYTES of
 * command line, LW_CMDLINE_MAX_ARGS arguments, the caller's scratch for unquoted text.
 */
#include "enrich-int.h"

typedef struct argv_it {
    lw_str s;      /* the command line (bounded) */
    size_t pos;    /* next byte to read */
    char *scratch; /* unquoted text of arguments that need it */
    size_t cap, used;
    unsigned count;
    bool truncated;
} argv_it;

typedef struct arg {
    lw_str v;        /* unquoted value */
    size_t beg, end; /* raw span in it->s */
    bool quoted;     /* the raw text had quotes */
} arg;

static bool is_sp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void it_init(argv_it *it, lw_str s, char *scratch, size_t cap)
{
    memset(it, 0, sizeof(*it));
    if (s.n > LW_CMDLINE_MAX_BYTES) {
        s.n = LW_CMDLINE_MAX_BYTES;
        it->truncated = true;
    }
    it->s = s;
    it->scratch = scratch;
    it->cap = cap;
}

/* argv[0]: up to the closing quote, or the first blank; no escapes. */
static bool it_first(argv_it *it, arg *a)
{
    lw_str s = it->s;
    size_t i = it->pos;
    while (i < s.n && is_sp(s.p[i]))
        i++;
    if (i >= s.n)
        return false;
    a->beg = i;
    a->quoted = false;
    if (s.p[i] == '"') {
        size_t j = i + 1;
        while (j < s.n && s.p[j] != '"')
            j++;
        a->v = (lw_str){s.p + i + 1, j - i - 1};
        a->quoted = true;
        i = j < s.n ? j + 1 : j;
    } else {
        size_t j = i;
        while (j < s.n && !is_sp(s.p[j]))
            j++;
        a->v = (lw_str){s.p + i, j - i};
        i = j;
    }
    a->end = i;
    it->pos = i;
    it->count++;
    return true;
}

/* Following arguments, CommandLineToArgvW rules. */
static bool it_next(argv_it *it, arg *a)
{
    lw_str s = it->s;
    size_t i = it->pos;
    while (i < s.n && is_sp(s.p[i]))
        i++;
    if (i >= s.n)
        return false;
    if (it->count >= LW_CMDLINE_MAX_ARGS) {
        it->truncated = true;
        return false;
    }
    a->beg = i;
    a->quoted = false;
    /* Fast path: no quote before the next blank means the raw text is the value. */
    size_t j = i;
    while (j < s.n && !is_sp(s.p[j]) && s.p[j] != '"')
        j++;
    if (j >= s.n || is_sp(s.p[j])) {
        a->v = (lw_str){s.p + i, j - i};
        a->end = it->pos = j;
        it->count++;
        return true;
    }
    a->quoted = true;
    char *out = it->scratch + it->used;
    size_t room = it->cap - it->used, k = 0;
    bool inq = false;
#define EMIT(ch)                                                                                   \
    do {                                                                                           \
        if (k < room)                                                                              \
            out[k++] = (ch);                                                                       \
        else                                                                                       \
            it->truncated = true;                                                                  \
    } while (0)
    while (i < s.n) {
        char c = s.p[i];
        if (is_sp(c) && !inq)
            break;
        if (c == '\\') {
            size_t nb = 0;
            while (i < s.n && s.p[i] == '\\')
                nb++, i++;
            if (i < s.n && s.p[i] == '"') {
                for (size_t b = 0; b < nb / 2; b++)
                    EMIT('\\');
                if (nb % 2) {
                    EMIT('"');
                    i++;
                }
            } else {
                for (size_t b = 0; b < nb; b++)
                    EMIT('\\');
            }
            continue;
        }
        if (c == '"') {
            if (inq && i + 1 < s.n && s.p[i + 1] == '"') {
                EMIT('"');
                i += 2;
            } else {
                inq = !inq;
                i++;
            }
            continue;
        }
        EMIT(c);
        i++;
    }
#undef EMIT
    a->v = (lw_str){out, k};
    it->used += k;
    a->end = it->pos = i;
    it->count++;
    return true;
}

/* The rest of the command line after argument a (trimmed), as the program sees it. */
static lw_str rest_after(const argv_it *it, const arg *a)
{
    lw_str r = {it->s.p + a->end, it->s.n - a->end};
    return lw_str_trim(r);
}

/* ---- small predicates ------------------------------------------------------------- */

/* Option prefix: '-', '/', or the Unicode dashes PowerShell accepts (U+2013..U+2015). */
static size_t opt_prefix(lw_str v)
{
    if (!v.n)
        return 0;
    if (v.p[0] == '-')
        return v.n > 1 && v.p[1] == '-' ? 2 : 1;
    if (v.p[0] == '/')
        return 1;
    if (v.n >= 3 && (unsigned char)v.p[0] == 0xE2 && (unsigned char)v.p[1] == 0x80 &&
        (unsigned char)v.p[2] >= 0x93 && (unsigned char)v.p[2] <= 0x95)
        return 3;
    return 0;
}

static lw_str opt_name(lw_str v)
{
    size_t k = opt_prefix(v);
    return (lw_str){v.p + k, v.n - k};
}

/* name is a non-empty prefix of full (at least min bytes). */
static bool is_abbrev(lw_str name, const char *full, size_t min)
{
    size_t n = strlen(full);
    return name.n >= min && name.n <= n && lw_str_ieq(name, (lw_str){full, name.n});
}

static bool istarts(lw_str s, const char *p)
{
    return lw_str_istarts(s, lw_str_c(p));
}

static bool iends(lw_str s, const char *p)
{
    return lw_str_iends(s, lw_str_c(p));
}

lw_target_kind lw_target_kind_of(lw_str s)
{
    if (!s.n)
        return LW_TARGET_NONE;
    if (s.n >= 2 && (s.p[0] == '\\' || s.p[0] == '/') && (s.p[1] == '\\' || s.p[1] == '/') &&
        !(s.n >= 4 && s.p[2] == '?' && s.p[3] == '\\') && !(s.n >= 4 && s.p[2] == '.'))
        return LW_TARGET_UNC;
    static const char *const inl[] = {"javascript:", "vbscript:", "jscript:", "about:", "data:"};
    for (size_t i = 0; i < sizeof inl / sizeof inl[0]; i++)
        if (istarts(s, inl[i]))
            return LW_TARGET_INLINE;
    size_t i = 0;
    while (i < s.n && i < 16 &&
           (((s.p[i] | 0x20) >= 'a' && (s.p[i] | 0x20) <= 'z') ||
            (i && ((s.p[i] >= '0' && s.p[i] <= '9') || s.p[i] == '+' || s.p[i] == '-' ||
                   s.p[i] == '.'))))
        i++;
    if (i >= 2 && i + 2 < s.n && s.p[i] == ':' && s.p[i + 1] == '/' && s.p[i + 2] == '/')
        return LW_TARGET_URL;
    return LW_TARGET_FILE;
}

const char *lw_target_kind_name(lw_target_kind k)
{
    switch (k) {
    case LW_TARGET_FILE:
        return "file";
    case LW_TARGET_URL:
        return "url";
    case LW_TARGET_UNC:
        return "unc";
    case LW_TARGET_INLINE:
        return "inline";
    default:
        return "";
    }
}

static bool url_end(char c)
{
    return is_sp(c) || c == '"' || c == '\'' || c == '`' || c == ')' || c == '(' || c == ';' ||
           c == ',' || c == '|' || c == '<' || c == '>' || c == '^' || c == '{' || c == '}' ||
           c == ']' || c == '[' || c == '\0';
}

bool lw_cmdline_find_url(lw_str s, lw_str *url)
{
    static const char *const schemes[] = {"https", "http", "ftp", "ftps"};
    if (s.n > LW_CMDLINE_MAX_BYTES)
        s.n = LW_CMDLINE_MAX_BYTES;
    for (size_t i = 0; i + 3 <= s.n; i++) {
        if (s.p[i] != ':' || i + 3 > s.n || s.p[i + 1] != '/' || s.p[i + 2] != '/')
            continue;
        for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
            size_t n = strlen(schemes[k]);
            if (i < n || !lw_str_ieq((lw_str){s.p + i - n, n}, (lw_str){schemes[k], n}))
                continue;
            size_t b = i - n;
            /* "xhttps://" is not a URL start; "=https://" and "'https://" are. */
            if (b > 0) {
                char c = s.p[b - 1];
                if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
                    continue;
            }
            size_t e = i + 3;
            while (e < s.n && !url_end(s.p[e]))
                e++;
            if (e == i + 3)
                continue; /* nothing after "://" */
            *url = (lw_str){s.p + b, e - b};
            return true;
        }
    }
    return false;
}

/* ---- per-program handlers -------------------------------------------------------------- */

typedef bool (*prog_fn)(argv_it *it, lw_cmdline_info *out, int depth);

static bool set_target(lw_cmdline_info *out, lw_str v)
{
    v = lw_str_trim(v);
    if (!v.n)
        return false;
    out->target = v;
    out->kind = lw_target_kind_of(v);
    return true;
}

/* mshta URL|path|vbscript:...: the first argument. */
static bool h_mshta(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    while (it_next(it, &a)) {
        if (a.v.n && a.v.p[0] == '-')
            continue;
        /* Inline script: keep the rest of the line, the arguments would cut it at blanks. */
        if (lw_target_kind_of(a.v) == LW_TARGET_INLINE) {
            lw_str r = {it->s.p + a.beg, it->s.n - a.beg};
            if (r.n && r.p[0] == '"') {
                r.p++, r.n--;
                if (r.n && r.p[r.n - 1] == '"')
                    r.n--;
            }
            out->target = lw_str_trim(r);
            out->kind = LW_TARGET_INLINE;
            return out->target.n > 0;
        }
        return set_target(out, a.v);
    }
    return false;
}

/* wscript/cscript [//options] script [args]. */
static bool h_wsh(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    while (it_next(it, &a)) {
        if (a.v.n && (a.v.p[0] == '/' || a.v.p[0] == '-'))
            continue;
        return set_target(out, a.v);
    }
    return false;
}

/* powershell / pwsh: -File path, -EncodedCommand (flagged), -Command text (its URL). */
static bool h_powershell(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    while (it_next(it, &a)) {
        if (!opt_prefix(a.v)) {
            /* First positional: a script path, else command text. */
            if (iends(a.v, ".ps1") && !a.quoted)
                return set_target(out, a.v);
            if (iends(a.v, ".ps1"))
                return set_target(out, a.v);
            lw_str url, r = {it->s.p + a.beg, it->s.n - a.beg};
            if (lw_cmdline_find_url(r, &url))
                return set_target(out, url);
            return false;
        }
        lw_str n = opt_name(a.v);
        if (n.n == 0) /* "-": commands from stdin */
            return false;
        if (is_abbrev(n, "file", 1)) {
            if (!it_next(it, &a))
                return false;
            return set_target(out, a.v);
        }
        if (lw_str_ieq_c(n, "e") || lw_str_ieq_c(n, "ec") || is_abbrev(n, "encodedcommand", 2)) {
            out->encoded = true;
            it_next(it, &a); /* the base64 payload */
            continue;
        }
        if (is_abbrev(n, "command", 1) || lw_str_ieq_c(n, "cwa") ||
            is_abbrev(n, "commandwithargs", 8)) {
            lw_str url, r = rest_after(it, &a);
            if (lw_cmdline_find_url(r, &url))
                return set_target(out, url);
            return false;
        }
        /* Options that take a value. */
        if (is_abbrev(n, "executionpolicy", 2) || lw_str_ieq_c(n, "ep") ||
            is_abbrev(n, "windowstyle", 1) || is_abbrev(n, "workingdirectory", 2) ||
            lw_str_ieq_c(n, "wd") || is_abbrev(n, "version", 1) || is_abbrev(n, "inputformat", 2) ||
            lw_str_ieq_c(n, "if") || is_abbrev(n, "outputformat", 1) || lw_str_ieq_c(n, "of") ||
            is_abbrev(n, "configurationname", 4) || is_abbrev(n, "psconsolefile", 3) ||
            is_abbrev(n, "settingsfile", 3) || is_abbrev(n, "custompipename", 3) ||
            is_abbrev(n, "encodedarguments", 8) || lw_str_ieq_c(n, "ea")) {
            it_next(it, &a);
            continue;
        }
        /* Flags (-NoProfile, -NonInteractive, -NoExit, -Sta, ...) and unknown options. */
    }
    return false;
}

static bool dispatch(lw_str image, argv_it *it, lw_cmdline_info *out, int depth);

/* cmd [/options] /c|/k|/r command: the program or file the command starts. */
static bool h_cmd(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    bool found = false;
    while (it_next(it, &a)) {
        lw_str n = a.v;
        if (n.n >= 2 && n.p[0] == '/' &&
            ((n.p[1] | 0x20) == 'c' || (n.p[1] | 0x20) == 'k' || (n.p[1] | 0x20) == 'r')) {
            if (n.n == 2) {
                found = true;
                break;
            }
            /* "/ccommand": the command is glued to the switch. */
            it->pos = a.beg + 2;
            found = true;
            a.end = a.beg + 2;
            break;
        }
        if (!(n.n && n.p[0] == '/'))
            return false; /* no /c: an interactive cmd */
    }
    if (!found)
        return false;
    lw_str r = rest_after(it, &a);
    /* cmd strips one pair of outer quotes around the whole command ("" at both ends). */
    if (r.n >= 2 && r.p[0] == '"' && r.p[1] == '"')
        r.p++, r.n--;
    argv_it sub;
    it_init(&sub, r, it->scratch + it->used, it->cap - it->used);
    if (!it_first(&sub, &a))
        return false;
    static const char *const builtins[] = {
        "echo",  "set",    "if",     "for",   "del",      "erase",   "copy",   "type",
        "cd",    "chdir",  "pushd",  "popd",  "ren",      "rename",  "move",   "mkdir",
        "md",    "rd",     "rmdir",  "cls",   "exit",     "title",   "ver",    "vol",
        "dir",   "rem",    "mklink", "assoc", "ftype",    "path",    "prompt", "color",
        "break", "verify", "goto",   "shift", "setlocal", "endlocal"};
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (lw_str_ieq_c(a.v, builtins[i]) ||
            (istarts(a.v, builtins[i]) && a.v.n > strlen(builtins[i]) &&
             a.v.p[strlen(builtins[i])] == '.'))
            return false;
    if (lw_str_ieq_c(a.v, "start")) {
        bool title_done = false;
        for (;;) {
            if (!it_next(&sub, &a))
                return false;
            if (!title_done && a.quoted && sub.s.p[a.beg] == '"') {
                title_done = true; /* start "title" program */
                continue;
            }
            if (a.v.n && a.v.p[0] == '/') {
                /* /d path takes a value */
                if (lw_str_ieq_c(a.v, "/d") && !it_next(&sub, &a))
                    return false;
                continue;
            }
            break;
        }
    } else if (lw_str_ieq_c(a.v, "call")) {
        if (!it_next(&sub, &a))
            return false;
    }
    /* Cut at unquoted command separators and redirections glued to the token. */
    lw_str v = a.v;
    if (!a.quoted)
        for (size_t i = 0; i < v.n; i++)
            if (v.p[i] == '&' || v.p[i] == '|' || v.p[i] == '<' || v.p[i] == '>') {
                v.n = i;
                break;
            }
    if (!v.n)
        return false;
    it->used += sub.used;
    it->truncated |= sub.truncated;
    /* "cmd /c mshta http://..." -> what mshta opens. */
    if (depth < 2) {
        argv_it inner;
        lw_str line = {sub.s.p + a.beg, sub.s.n - a.beg};
        it_init(&inner, line, it->scratch + it->used, it->cap - it->used);
        arg first;
        if (it_first(&inner, &first)) {
            lw_cmdline_info sub_out;
            memset(&sub_out, 0, sizeof sub_out);
            if (dispatch(v, &inner, &sub_out, depth + 1)) {
                it->used += inner.used;
                *out = sub_out;
                return true;
            }
        }
    }
    return set_target(out, v);
}

static bool rundll_proxy(lw_str dll, lw_str entry, int *which)
{
    static const struct {
        const char *dll, *entry;
        int which; /* 0 first argument, 1 last argument, 2 an argument with a URL */
    } proxies[] = {
        {"url.dll", "OpenURL", 0},
        {"url.dll", "OpenURLA", 0},
        {"url.dll", "FileProtocolHandler", 0},
        {"url.dll", "FileProtocolHandlerA", 0},
        {"ieframe.dll", "OpenURL", 0},
        {"shdocvw.dll", "OpenURL", 0},
        {"shell32.dll", "ShellExec_RunDLL", 0},
        {"shell32.dll", "ShellExec_RunDLLA", 0},
        {"shell32.dll", "ShellExec_RunDLLW", 0},
        {"shell32.dll", "Control_RunDLL", 0},
        {"shell32.dll", "Control_RunDLLA", 0},
        {"shell32.dll", "Control_RunDLLAsUser", 0},
        {"zipfldr.dll", "RouteTheCall", 0},
        {"pcwutl.dll", "LaunchApplication", 0},
        {"advpack.dll", "LaunchINFSection", 0},
        {"advpack.dll", "RegisterOCX", 0},
        {"ieadvpack.dll", "LaunchINFSection", 0},
        {"ieadvpack.dll", "RegisterOCX", 0},
        {"shimgvw.dll", "ImageView_Fullscreen", 0},
        {"photoviewer.dll", "ImageView_Fullscreen", 0},
        {"setupapi.dll", "InstallHinfSection", 1},
        {"syssetup.dll", "SetupInfObjectInstallAction", 1},
        {"davclnt.dll", "DavSetCookie", 2},
    };
    lw_str base = lw_path_basename(dll);
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++) {
        lw_str d = lw_str_c(proxies[i].dll);
        bool dll_ok =
            lw_str_ieq(base, d) || (base.n + 4 == d.n && lw_str_ieq(base, (lw_str){d.p, base.n}));
        if (dll_ok && lw_str_ieq_c(entry, proxies[i].entry)) {
            *which = proxies[i].which;
            return true;
        }
    }
    return false;
}

/* rundll32 dll,entry [args]: the DLL, or what a proxy entry point opens. */
static bool h_rundll32(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    if (!it_next(it, &a))
        return false;
    if (lw_target_kind_of(a.v) == LW_TARGET_INLINE) {
        out->target = lw_str_trim((lw_str){it->s.p + a.beg, it->s.n - a.beg});
        out->kind = LW_TARGET_INLINE;
        return true;
    }
    lw_str dll = a.v, entry = LW_STR_NULL;
    const char *comma = memchr(dll.p, ',', dll.n);
    if (comma) {
        entry = (lw_str){comma + 1, dll.n - (size_t)(comma + 1 - dll.p)};
        dll.n = (size_t)(comma - dll.p);
    }
    if (!entry.n) { /* "x.dll, Entry" or "x.dll Entry" */
        arg e;
        if (it_next(it, &e))
            entry = e.v;
    }
    /* "Entry args" inside one quoted argument. */
    for (size_t i = 0; i < entry.n; i++)
        if (is_sp(entry.p[i])) {
            entry.n = i;
            break;
        }
    entry = lw_str_trim(entry);
    out->entry = entry;
    int which;
    if (entry.n && rundll_proxy(dll, entry, &which)) {
        arg x, last;
        bool have = false;
        while (it_next(it, &x)) {
            if (which == 0)
                return set_target(out, x.v);
            if (which == 2 && lw_target_kind_of(x.v) == LW_TARGET_URL)
                return set_target(out, x.v);
            last = x;
            have = true;
        }
        if (which == 1 && have)
            return set_target(out, last.v);
    }
    return set_target(out, dll);
}

/* regsvr32 [/s /u /n] [/i[:cmd]] dll: the scriptlet of /i: (scrobj.dll), else the dll. */
static bool h_regsvr32(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    lw_str dll = LW_STR_NULL, iv = LW_STR_NULL;
    while (it_next(it, &a)) {
        if (opt_prefix(a.v) == 1) {
            lw_str n = opt_name(a.v);
            if (n.n >= 2 && (n.p[0] | 0x20) == 'i' && n.p[1] == ':')
                iv = (lw_str){n.p + 2, n.n - 2};
            continue;
        }
        if (!dll.n)
            dll = a.v;
    }
    if (iv.n && (!dll.n || lw_str_ieq_c(lw_path_basename(dll), "scrobj.dll") ||
                 lw_target_kind_of(iv) != LW_TARGET_FILE || iends(iv, ".sct")))
        return set_target(out, iv);
    return set_target(out, dll);
}

/* msiexec /i|/package|/a|/j|/p|/update|/y|/z target. */
static bool h_msiexec(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    while (it_next(it, &a)) {
        if (!opt_prefix(a.v))
            continue;
        lw_str n = opt_name(a.v);
        static const char *const takes[] = {"i",  "package", "a", "j",      "ju",
                                            "jm", "p",       "y", "update", "z"};
        bool hit = false;
        for (size_t k = 0; k < sizeof takes / sizeof takes[0]; k++)
            if (lw_str_ieq_c(n, takes[k]))
                hit = true;
        if (hit) {
            if (!it_next(it, &a))
                return false;
            return set_target(out, a.v);
        }
        /* "/ihttp://x/a.msi", "/iC:\x.msi": the value glued to the switch. */
        if (n.n > 1 && (n.p[0] | 0x20) == 'i' &&
            (memchr(n.p, '\\', n.n) || memchr(n.p, '/', n.n) || memchr(n.p, '.', n.n)))
            return set_target(out, (lw_str){n.p + 1, n.n - 1});
        if (n.n && (n.p[0] | 0x20) == 'l') /* /l*v logfile */
            it_next(it, &a);
    }
    return false;
}

/* control.exe x.cpl[,@n]: the applet. */
static bool h_control(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    while (it_next(it, &a)) {
        if (opt_prefix(a.v) == 1 && a.v.p[0] == '/') {
            it_next(it, &a); /* /name X, /page Y */
            continue;
        }
        lw_str v = a.v;
        ptrdiff_t c = lw_str_ifind(v, LW_STR_LIT(".cpl"));
        if (c < 0)
            return false;
        v.n = (size_t)c + 4;
        return set_target(out, v);
    }
    return false;
}

/* hh.exe file.chm|URL|mk:@MSITStore:file.chm::/page. */
static bool h_hh(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    while (it_next(it, &a)) {
        if (opt_prefix(a.v) == 1 && a.v.p[0] == '-') {
            it_next(it, &a); /* -decompile dir, -mapid n */
            continue;
        }
        lw_str v = a.v;
        static const char *const pfx[] = {"mk:@MSITStore:", "ms-its:", "its:"};
        for (size_t k = 0; k < sizeof pfx / sizeof pfx[0]; k++)
            if (istarts(v, pfx[k])) {
                size_t n = strlen(pfx[k]);
                v = (lw_str){v.p + n, v.n - n};
                ptrdiff_t e = lw_str_ifind(v, LW_STR_LIT("::"));
                if (e >= 0)
                    v.n = (size_t)e;
                break;
            }
        return set_target(out, v);
    }
    return false;
}

/* A browser: the first positional argument (a URL or a local page). */
static bool h_browser(argv_it *it, lw_cmdline_info *out, int depth)
{
    arg a;
    while (it_next(it, &a)) {
        if (opt_prefix(a.v) || istarts(a.v, "SCODEF:") || istarts(a.v, "CREDAT:"))
            continue;
        lw_str v = a.v;
        if (istarts(v, "microsoft-edge:"))
            v = (lw_str){v.p + 15, v.n - 15};
        return set_target(out, v);
    }
    return false;
}

typedef struct prog_row {
    const char *name; /* lowercase, without ".exe" */
    prog_fn fn;
} prog_row;

static const prog_row prog_table[] = {
    {"mshta", h_mshta},       {"wscript", h_wsh},
    {"cscript", h_wsh},       {"powershell", h_powershell},
    {"pwsh", h_powershell},   {"powershell_ise", h_powershell},
    {"cmd", h_cmd},           {"rundll32", h_rundll32},
    {"regsvr32", h_regsvr32}, {"msiexec", h_msiexec},
    {"control", h_control},   {"hh", h_hh},
};

static bool dispatch(lw_str image, argv_it *it, lw_cmdline_info *out, int depth)
{
    while (image.n && (image.p[image.n - 1] == '"' || is_sp(image.p[image.n - 1])))
        image.n--;
    lw_str base = lw_path_basename(image);
    if (lw_str_iends(base, LW_STR_LIT(".exe")))
        base.n -= 4;
    for (size_t i = 0; i < sizeof prog_table / sizeof prog_table[0]; i++)
        if (lw_str_ieq_c(base, prog_table[i].name))
            return prog_table[i].fn(it, out, depth);
    uint16_t primary;
    lw_image_classes(image, &primary);
    if (!primary) { /* a bare name such as "chrome" inside cmd /c start chrome URL */
        char nm[48];
        if (base.n && base.n + 4 < sizeof nm) {
            memcpy(nm, base.p, base.n);
            memcpy(nm + base.n, ".exe", 4);
            lw_image_classes((lw_str){nm, base.n + 4}, &primary);
        }
    }
    if (primary == LW_CLS_BROWSER)
        return h_browser(it, out, depth);
    return false;
}

bool lw_cmdline_target(lw_str image, lw_str cmdline, char *scratch, size_t cap,
                       lw_cmdline_info *out)
{
    memset(out, 0, sizeof(*out));
    argv_it it;
    it_init(&it, cmdline, scratch, cap);
    arg a0;
    if (!it_first(&it, &a0))
        return false;
    if (!image.n)
        image = a0.v;
    bool ok = dispatch(image, &it, out, 0);
    out->truncated |= it.truncated;
    if (!ok) {
        out->target = LW_STR_NULL;
        out->kind = LW_TARGET_NONE;
    }
    return ok;
}
