/*
 * Zeek logs: the ASCII (TSV) writer and the JSON writer, in one decoder.
 *
 * Framing is by line, decided per line: '#' starts a header directive, '{' a JSON record,
 * anything else a TSV record of the current header block.  So one file may hold several
 * header blocks (rotated logs concatenated: each "#separator" starts a new block) and even
 * a mixture of both writers.
 *
 * TSV: "#separator \x09" (value escaped), then "#set_separator", "#empty_field",
 * "#unset_field", "#path", "#open", "#fields", "#types" and a "#close" trailer, each
 * "<directive><separator><values>".  Values: the unset marker ('-') means the field is
 * absent (the JSON writer omits it too); the empty marker ("(empty)") is an empty set or
 * string; "\xHH" escapes are decoded (a malformed escape is kept literally); set and
 * vector values stay joined with the set separator (',' by default); bool values T/F
 * become "true"/"false" as in the JSON writer.  A record whose column count differs from
 * "#fields" is skipped ("zeek-columns"), as is a record before any "#fields"
 * ("zeek-no-header").
 *
 * JSON: one object per line.  The log type is "_path" (Zeek's own writer), "@stream"
 * (Security Onion / OTRF exports; "@system" is then the sensor host) or, failing both, the
 * file name (conn.log, SCRANTON_http.log, conn.00:00:00-01:00:00.log.gz).  Arrays become
 * comma-joined strings like TSV sets, nested objects dotted names.
 *
 * Field names: Zeek's own, dotted ("id.orig_h").  Underscore-flattened exports
 * ("id_orig_h", "certificate_serial") are renamed to the dotted spelling, so rules see one
 * name whatever the exporter did.  Per log type the decoder also adds Sigma taxonomy
 * aliases (net-common.h): http -> proxy names (c-uri, cs-host, c-useragent...), dns ->
 * answer and record_type, conn -> src_ip/src_port/dst_ip/dst_port.
 *
 * Event: channel "zeek/<log type>", product zeek, time from "ts", record = line number,
 * host = "@system"/"_system_name" when present, else empty.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json-scan.h"
#include "net-common.h"

#define ZEEK_MAX_COLS 1024
#define ZEEK_MAX_SEP  8
#define ZEEK_MAX_MARK 32
#define ZEEK_MAX_PATH 64

enum { COL_PLAIN = 0, COL_BOOL = 1, COL_TIME = 2 };

typedef struct zeek_state {
    lw_lines L;
    lw_json_parser p;
    /* current TSV header block */
    char sep[ZEEK_MAX_SEP];
    size_t sep_n;
    char empty[ZEEK_MAX_MARK], unset[ZEEK_MAX_MARK];
    size_t empty_n, unset_n;
    char path[ZEEK_MAX_PATH];      /* "#path"; empty: use file_type */
    char file_type[ZEEK_MAX_PATH]; /* log type guessed from the file name */
    char *names_buf;               /* owned: NUL-separated column names */
    lw_str *names;                 /* owned: views into names_buf */
    uint8_t *kinds;                /* owned: COL_* per column (from "#types") */
    uint32_t ncols;
    bool have_fields;
    char channel[ZEEK_MAX_PATH + 8];
    size_t channel_n;
    lw_str *cols; /* owned scratch: ncols views of the current record */
} zeek_state;

/* ---- names and log types -------------------------------------------------------------- */

static const char *const zeek_types[] = {
    "conn",
    "dns",
    "http",
    "files",
    "ssl",
    "x509",
    "pe",
    "notice",
    "weird",
    "smb_files",
    "smb_mapping",
    "dce_rpc",
    "kerberos",
    "rdp",
    "ntlm",
    "ssh",
    "smtp",
    "ftp",
    "dhcp",
    "software",
    "tunnel",
    "dpd",
    "analyzer",
    "known_hosts",
    "known_services",
    "known_certs",
    "intel",
    "irc",
    "mysql",
    "radius",
    "sip",
    "snmp",
    "socks",
    "syslog",
    "modbus",
    "dnp3",
    "packet_filter",
    "signatures",
    "ocsp",
    "x509_ocsp",
    "capture_loss",
    "stats",
    "reporter",
    "loaded_scripts",
};

static bool known_type(lw_str s)
{
    for (size_t i = 0; i < sizeof zeek_types / sizeof zeek_types[0]; i++)
        if (lw_str_ieq_c(s, zeek_types[i]))
            return true;
    return false;
}

/* Log type from a file name: "dir/conn.log", "conn.00:00:00-01:00:00.log.gz",
 * "SCRANTON_http.log" (a known type after the last '_'). */
static void type_from_path(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    if (!path)
        return;
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, ".");
    lw_str stem = {b, n};
    if (!known_type(stem)) {
        /* the first known suffix after an underscore ("host_smb_files" -> smb_files) */
        lw_str best = {NULL, 0};
        for (size_t i = 0; i < n && !best.p; i++)
            if (b[i] == '_' && known_type((lw_str){b + i + 1, n - i - 1}))
                best = (lw_str){b + i + 1, n - i - 1};
        if (!best.p)
            return;
        stem = best;
    }
    if (stem.n >= cap)
        return;
    for (size_t i = 0; i < stem.n; i++)
        out[i] = (char)lw_lower((unsigned char)stem.p[i]);
    out[stem.n] = '\0';
}

/* Dotted spelling of an underscore-flattened Zeek name, or NULL when k is not one. */
static const char *const flat_exact[][2] = {
    {"id_orig_h", "id.orig_h"}, {"id_orig_p", "id.orig_p"}, {"id_resp_h", "id.resp_h"},
    {"id_resp_p", "id.resp_p"}, {"id_vlan", "id.vlan"},     {"id_vlan_inner", "id.vlan_inner"},
};
static const char *const flat_prefix[] = {"certificate_", "san_", "basic_constraints_", "conn_id_"};

static lw_status norm_name(lw_arena *a, lw_str k, lw_str *out)
{
    *out = k;
    if (k.n < 4)
        return LW_OK;
    for (size_t i = 0; i < sizeof flat_exact / sizeof flat_exact[0]; i++)
        if (lw_str_eq_c(k, flat_exact[i][0])) {
            *out = lw_str_c(flat_exact[i][1]);
            return LW_OK;
        }
    for (size_t i = 0; i < sizeof flat_prefix / sizeof flat_prefix[0]; i++) {
        size_t pn = strlen(flat_prefix[i]);
        if (k.n > pn && memcmp(k.p, flat_prefix[i], pn) == 0) {
            char *s = lw_arena_strndup(a, k.p, k.n);
            if (!s)
                return LW_ENOMEM;
            s[pn - 1] = '.';
            *out = (lw_str){s, k.n};
            return LW_OK;
        }
    }
    return LW_OK;
}

/* ---- aliases by log type -------------------------------------------------------------- */

static lw_status add_aliases(lw_event *ev, lw_str type)
{
    lw_status s = LW_OK;
    if (lw_str_eq_c(type, "http")) {
        static const char *const names[] = {
            "id.orig_h", "id.resp_h",        "id.resp_p",        "host",     "uri",
            "method",    "user_agent",       "status_code",      "referrer", "resp_mime_types",
            "version",   "request_body_len", "response_body_len"};
        lw_str v[13];
        lw_net_lookup(ev, names, 13, v);
        lw_http_view h = {
            .client_ip = v[0],
            .server_ip = v[1],
            .server_port = v[2],
            .host = v[3],
            .target = v[4],
            .method = v[5],
            .user_agent = v[6],
            .status = v[7],
            .referrer = v[8],
            .mime = v[9],
            .version = v[10],
            .req_bytes = v[11],
            .resp_bytes = v[12],
        };
        return lw_net_add_proxy_fields(ev, &h);
    }
    static const char *const names[] = {"id.orig_h", "id.orig_p", "id.resp_h",
                                        "id.resp_p", "answers",   "qtype_name"};
    lw_str v[6];
    if (lw_str_eq_c(type, "dns")) {
        lw_net_lookup(ev, names, 6, v);
        if ((s = lw_net_alias(ev, "answer", v[4])) || (s = lw_net_alias(ev, "record_type", v[5])) ||
            (s = lw_net_alias(ev, "src_ip", v[0])) || (s = lw_net_alias(ev, "dst_ip", v[2])))
            return s;
        return LW_OK;
    }
    if (lw_str_eq_c(type, "conn")) {
        lw_net_lookup(ev, names, 4, v);
        if ((s = lw_net_alias(ev, "src_ip", v[0])) || (s = lw_net_alias(ev, "src_port", v[1])) ||
            (s = lw_net_alias(ev, "dst_ip", v[2])) || (s = lw_net_alias(ev, "dst_port", v[3])))
            return s;
    }
    return LW_OK;
}

/* ---- TSV ------------------------------------------------------------------------------ */

static void reset_block(zeek_state *st)
{
    st->sep[0] = '\t';
    st->sep_n = 1;
    memcpy(st->empty, "(empty)", 7);
    st->empty_n = 7;
    st->unset[0] = '-';
    st->unset_n = 1;
    st->path[0] = '\0';
    free(st->names_buf);
    free(st->names);
    free(st->kinds);
    free(st->cols);
    st->names_buf = NULL;
    st->names = NULL;
    st->kinds = NULL;
    st->cols = NULL;
    st->ncols = 0;
    st->have_fields = false;
}

/* Decode "\xHH" (and "\\") escapes of s into dst (capacity >= s.n); malformed escapes are
 * kept literally.  Returns the decoded length. */
static size_t unescape_into(lw_str s, char *dst)
{
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '\\' && i + 3 < s.n && s.p[i + 1] == 'x' &&
            lw_hexval((unsigned char)s.p[i + 2]) >= 0 &&
            lw_hexval((unsigned char)s.p[i + 3]) >= 0) {
            dst[k++] = (char)(lw_hexval((unsigned char)s.p[i + 2]) * 16 +
                              lw_hexval((unsigned char)s.p[i + 3]));
            i += 3;
        } else if (s.p[i] == '\\' && i + 1 < s.n && s.p[i + 1] == '\\') {
            dst[k++] = '\\';
            i++;
        } else {
            dst[k++] = s.p[i];
        }
    }
    return k;
}

static lw_status unescape(lw_arena *a, lw_str s, lw_str *out)
{
    if (!memchr(s.p, '\\', s.n)) {
        *out = s;
        return LW_OK;
    }
    char *d = lw_arena_alloc(a, s.n + 1);
    if (!d)
        return LW_ENOMEM;
    size_t k = unescape_into(s, d);
    d[k] = '\0';
    *out = (lw_str){d, k};
    return LW_OK;
}

/* Split s on the block separator into at most max views; returns the count (max + 1 when
 * there are more). */
static uint32_t split(const zeek_state *st, lw_str s, lw_str *out, uint32_t max)
{
    uint32_t n = 0;
    const char *p = s.p, *e = s.p + s.n;
    for (;;) {
        const char *q = p;
        while (q < e) {
            q = memchr(q, st->sep[0], (size_t)(e - q));
            if (!q)
                break;
            if ((size_t)(e - q) >= st->sep_n && memcmp(q, st->sep, st->sep_n) == 0)
                break;
            q++;
        }
        if (!q)
            q = e;
        if (n == max)
            return max + 1;
        if (out)
            out[n] = (lw_str){p, (size_t)(q - p)};
        n++;
        if (q == e)
            return n;
        p = q + st->sep_n;
    }
}

/* A header line ("#..."): updates the block.  Bad headers are warnings (no record lost). */
static lw_status header(lw_input *in, zeek_state *st, lw_str line)
{
    if (line.n > 11 && memcmp(line.p, "#separator ", 11) == 0) {
        reset_block(st);
        lw_str v = lw_str_trim((lw_str){line.p + 11, line.n - 11});
        char buf[64];
        if (v.n == 0 || v.n > sizeof buf) {
            lw_input_warn(in, st->L.line, "zeek-header", "bad #separator; using tab");
            return LW_OK;
        }
        size_t k = unescape_into(v, buf);
        if (k == 0 || k > ZEEK_MAX_SEP || memmem(buf, k, "\\x", 2)) { /* "\xZ": malformed */
            lw_input_warn(in, st->L.line, "zeek-header", "bad #separator; using tab");
            return LW_OK;
        }
        memcpy(st->sep, buf, k);
        st->sep_n = k;
        return LW_OK;
    }
    /* "#name<sep>value..." */
    lw_str parts[2];
    const char *p = line.p + 1;
    size_t n = line.n - 1;
    const char *q = NULL;
    for (size_t i = 0; i + st->sep_n <= n; i++)
        if (memcmp(p + i, st->sep, st->sep_n) == 0) {
            q = p + i;
            break;
        }
    parts[0] = (lw_str){p, q ? (size_t)(q - p) : n};
    parts[1] = q ? (lw_str){q + st->sep_n, n - (size_t)(q - p) - st->sep_n} : (lw_str){p + n, 0};
    lw_str name = parts[0], val = parts[1];
    char tmp[ZEEK_MAX_MARK];
    if (lw_str_eq_c(name, "set_separator") || lw_str_eq_c(name, "open") ||
        lw_str_eq_c(name, "close")) {
        return LW_OK; /* sets stay joined as written; #open/#close carry no record */
    }
    if (lw_str_eq_c(name, "empty_field") || lw_str_eq_c(name, "unset_field")) {
        bool empty = name.p[0] == 'e';
        if (val.n == 0 || val.n > sizeof tmp) {
            lw_input_warn(in, st->L.line, "zeek-header", "bad #%.*s ignored", (int)name.n, name.p);
            return LW_OK;
        }
        size_t k = unescape_into(val, tmp);
        memcpy(empty ? st->empty : st->unset, tmp, k);
        *(empty ? &st->empty_n : &st->unset_n) = k;
        return LW_OK;
    }
    if (lw_str_eq_c(name, "path")) {
        size_t k = 0;
        for (size_t i = 0; i < val.n && k + 1 < sizeof st->path; i++) {
            char c = val.p[i];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.')
                st->path[k++] = (char)lw_lower((unsigned char)c);
        }
        st->path[k] = '\0';
        return LW_OK;
    }
    if (lw_str_eq_c(name, "fields")) {
        uint32_t nc = split(st, val, NULL, ZEEK_MAX_COLS);
        if (val.n == 0 || nc > ZEEK_MAX_COLS) {
            lw_input_warn(in, st->L.line, "zeek-header", "#fields has no or too many columns");
            st->have_fields = false;
            return LW_OK;
        }
        free(st->names_buf);
        free(st->names);
        free(st->kinds);
        free(st->cols);
        st->names_buf = malloc(val.n + 1);
        st->names = calloc(nc, sizeof *st->names);
        st->kinds = calloc(nc, 1);
        st->cols = calloc(nc, sizeof *st->cols);
        if (!st->names_buf || !st->names || !st->kinds || !st->cols)
            return LW_ENOMEM;
        memcpy(st->names_buf, val.p, val.n);
        st->names_buf[val.n] = '\0';
        split(st, (lw_str){st->names_buf, val.n}, st->names, nc);
        for (uint32_t i = 0; i < nc; i++) {
            /* flattened spellings become dotted in place (same length) */
            lw_str k = st->names[i];
            for (size_t j = 0; j < sizeof flat_exact / sizeof flat_exact[0]; j++)
                if (lw_str_eq_c(k, flat_exact[j][0]))
                    memcpy((char *)k.p, flat_exact[j][1], k.n);
            for (size_t j = 0; j < sizeof flat_prefix / sizeof flat_prefix[0]; j++) {
                size_t pn = strlen(flat_prefix[j]);
                if (k.n > pn && memcmp(k.p, flat_prefix[j], pn) == 0)
                    ((char *)k.p)[pn - 1] = '.';
            }
            if (lw_str_eq_c(k, "ts"))
                st->kinds[i] = COL_TIME;
        }
        st->ncols = nc;
        st->have_fields = true;
        return LW_OK;
    }
    if (lw_str_eq_c(name, "types")) {
        if (!st->have_fields)
            return LW_OK;
        lw_str t[ZEEK_MAX_COLS];
        uint32_t nt = split(st, val, t, ZEEK_MAX_COLS);
        if (nt != st->ncols) {
            lw_input_warn(in, st->L.line, "zeek-header", "#types has %u columns, #fields %u", nt,
                          st->ncols);
            return LW_OK;
        }
        for (uint32_t i = 0; i < nt; i++) {
            if (lw_str_eq_c(t[i], "bool"))
                st->kinds[i] = COL_BOOL;
            else if (lw_str_eq_c(t[i], "time") && lw_str_eq_c(st->names[i], "ts"))
                st->kinds[i] = COL_TIME;
        }
        return LW_OK;
    }
    return LW_OK; /* unknown directive: ignored, as zeek-cut does */
}

static void set_channel(zeek_state *st, const char *type)
{
    lw_fmt(st->channel, sizeof st->channel, "zeek/%s", type && *type ? type : "unknown");
    st->channel_n = strlen(st->channel);
}

static lw_status tsv_record(lw_input *in, zeek_state *st, lw_str line, lw_event *ev)
{
    if (!st->have_fields) {
        lw_input_skip(in, st->L.line, 0, "zeek-no-header", "Zeek record before any #fields header");
        return LW_EFORMAT;
    }
    uint32_t n = split(st, line, st->cols, st->ncols);
    if (n != st->ncols) {
        if (n > st->ncols)
            lw_input_skip(in, st->L.line, 0, "zeek-columns", "more columns than the %u of #fields",
                          st->ncols);
        else
            lw_input_skip(in, st->L.line, 0, "zeek-columns", "%u columns, #fields has %u", n,
                          st->ncols);
        return LW_EFORMAT;
    }
    set_channel(st, st->path[0] ? st->path : st->file_type);
    ev->channel = (lw_str){st->channel, st->channel_n};
    ev->product = LW_PRODUCT_ZEEK;
    for (uint32_t i = 0; i < n; i++) {
        if (st->kinds[i] != COL_TIME)
            continue;
        int64_t ms;
        lw_str v;
        if (unescape(&ev->arena, st->cols[i], &v) == LW_OK &&
            (lw_net_epoch_ms(v, &ms) || lw_parse_time(v, &ms)))
            ev->time_ms = ms;
    }
    if (!lw_net_wanted(in, ev))
        return LW_OK;
    lw_status s;
    for (uint32_t i = 0; i < n; i++) {
        lw_str v = st->cols[i];
        if (v.n == st->unset_n && memcmp(v.p, st->unset, v.n) == 0)
            continue;
        if (v.n == st->empty_n && memcmp(v.p, st->empty, v.n) == 0) {
            v = (lw_str){v.p, 0};
        } else if (st->kinds[i] == COL_BOOL && v.n == 1 && (v.p[0] == 'T' || v.p[0] == 'F')) {
            v = v.p[0] == 'T' ? LW_STR_LIT("true") : LW_STR_LIT("false");
        } else if ((s = unescape(&ev->arena, v, &v)) != LW_OK) {
            return s;
        }
        if ((s = lw_event_add(ev, st->names[i], v, 0)) != LW_OK)
            return s;
    }
    return add_aliases(ev, (lw_str){st->channel + 5, st->channel_n - 5});
}

/* ---- JSON ----------------------------------------------------------------------------- */

static lw_status json_record(lw_input *in, zeek_state *st, lw_str line, lw_event *ev)
{
    lw_status s = lw_net_json_object(in, &st->p, st->L.line, line, "Zeek JSON record");
    if (s != LW_OK)
        return s;
    const lw_json_tok *t = st->p.toks;
    /* pass 1: system keys */
    lw_str type = LW_STR_NULL;
    uint32_t k = 1;
    for (uint32_t c = t[0].count; c; c--) {
        const lw_json_tok *kt = &t[k], *vt = &t[k + 1];
        lw_str key = {line.p + kt->start, kt->len};
        if ((lw_str_eq_c(key, "_path") || lw_str_eq_c(key, "@stream")) &&
            vt->type == LW_JSON_STRING && !(vt->flags & LW_JSON_ESCAPED))
            type = (lw_str){line.p + vt->start, vt->len};
        else if ((lw_str_eq_c(key, "@system") || lw_str_eq_c(key, "_system_name")) &&
                 vt->type == LW_JSON_STRING)
            (void)lw_json_tok_str(line.p, vt, &ev->arena, &ev->host);
        else if (lw_str_eq_c(key, "ts")) {
            lw_str v = {line.p + vt->start, vt->len};
            int64_t ms;
            if ((vt->type == LW_JSON_NUMBER && lw_net_epoch_ms(v, &ms)) ||
                (vt->type == LW_JSON_STRING && lw_parse_time(v, &ms)))
                ev->time_ms = ms;
        }
        k = t[k + 1].next;
    }
    if (!type.p || type.n == 0 || type.n >= ZEEK_MAX_PATH)
        type = lw_str_c(st->file_type[0] ? st->file_type : "unknown");
    if ((s = lw_net_channel(ev, "zeek/", type)))
        return s;
    ev->product = LW_PRODUCT_ZEEK;
    if (!lw_net_wanted(in, ev))
        return LW_OK;
    k = 1;
    for (uint32_t c = t[0].count; c; c--) {
        lw_str key;
        if ((s = lw_json_tok_str(line.p, &t[k], &ev->arena, &key)))
            return s;
        if (!(lw_str_eq_c(key, "_path") || lw_str_eq_c(key, "@stream") ||
              lw_str_eq_c(key, "@system") || lw_str_eq_c(key, "_system_name") ||
              lw_str_eq_c(key, "@proc"))) {
            lw_str name;
            if ((s = norm_name(&ev->arena, key, &name)) ||
                (s = lw_net_json_field(ev, line.p, t, name, k + 1)))
                return s;
        }
        k = t[k + 1].next;
    }
    return add_aliases(ev, (lw_str){ev->channel.p + 5, ev->channel.n - 5});
}

/* ---- decoder vtable ------------------------------------------------------------------- */

static int zeek_sniff(const unsigned char *h, size_t n)
{
    const char *c = (const char *)h;
    if (n >= 11 && memcmp(c, "#separator ", 11) == 0)
        return 100;
    size_t i = 0;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    if (i >= n || h[i] != '{')
        return 0;
    /* Zeek's JSON writer: "_path" (with _write_ts/ts), exporters: "@stream". */
    if (memmem(c, n, "\"_path\":", 8) || memmem(c, n, "\"@stream\":", 10))
        return 95;
    /* Zeek's writer always starts a record with ts; plus a Zeek id field. */
    if (n - i >= 6 && memcmp(c + i, "{\"ts\":", 6) == 0 &&
        (memmem(c, n, "\"id.orig_h\"", 11) || memmem(c, n, "\"id_orig_h\"", 11) ||
         memmem(c, n, "\"fuid\"", 6) || memmem(c, n, "\"uid\"", 5)))
        return 92;
    return 0;
}

static void zeek_close(lw_input *in)
{
    zeek_state *st = in->decoder_state;
    if (!st)
        return;
    reset_block(st);
    lw_json_free(&st->p);
    free(st);
    in->decoder_state = NULL;
}

static lw_status zeek_open(lw_input *in)
{
    zeek_state *st = calloc(1, sizeof *st);
    if (!st)
        return LW_ENOMEM;
    lw_json_init(&st->p);
    in->decoder_state = st;
    reset_block(st);
    type_from_path(in->path, st->file_type, sizeof st->file_type);
    return LW_OK;
}

static lw_status zeek_next(lw_input *in, lw_event *ev)
{
    zeek_state *st = in->decoder_state;
    for (;;) {
        lw_str line;
        lw_status s = lw_lines_next_nonblank(in, &st->L, &line);
        if (s != LW_OK)
            return s;
        if (line.p[0] == '#') {
            if ((s = header(in, st, line)) != LW_OK)
                return s;
            continue;
        }
        ev->record = st->L.line;
        size_t i = 0;
        while (i < line.n && (line.p[i] == ' ' || line.p[i] == '\t'))
            i++;
        if (line.p[i] == '{' && !st->have_fields)
            return json_record(in, st, line, ev);
        return tsv_record(in, st, line, ev);
    }
}

const lw_decoder lw_decoder_zeek = {
    .name = "zeek",
    .sniff = zeek_sniff,
    .open = zeek_open,
    .next = zeek_next,
    .close = zeek_close,
};
