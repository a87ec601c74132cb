/* lurewatch url: score URLs, bare hosts or domains and explain the score. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define MAX_LIST_FILES 64

static lw_str lw_str_view(const char *s)
{
    return (lw_str){s ? s : "", s ? strlen(s) : 0};
}

static void url_usage(FILE *f)
{
    fputs("usage: lurewatch url [options] URL... | -\n"
          "\n"
          "Score each URL (or bare host, IP literal, domain) 0-100 and say why: lookalikes of\n"
          "protected brands (homographs, typosquats), lexical signs (IP hosts, '@' tricks,\n"
          "risky TLDs, shorteners, free hosting, executable downloads ...), allow and block\n"
          "lists, and domains first seen recently.  '-' reads one URL per line from stdin.\n"
          "\n"
          "options:\n"
          "  -f, --format FMT     table (default on a terminal) or jsonl\n"
          "      --allow FILE     allow list (domains, hosts, Tranco rank,domain CSV); repeatable\n"
          "      --block FILE     block list (domains, URLs, hosts file, URLhaus / PhishTank CSV,\n"
          "                       OpenPhish feed); repeatable\n"
          "      --brands FILE    protected brands (replaces the built-in list; data/brands.txt)\n"
          "      --seen-db PATH   SQLite store of first-seen domains (created on first use)\n"
          "      --new-days N     a domain first seen less than N days ago is new (default 30)\n"
          "      --features       jsonl: add the model's feature vector\n"
          "      --stats          print URLs/s and list sizes to stderr at the end\n"
          "  -h, --help           this help\n"
          "\n"
          "Verdicts: benign below 50, suspicious from 50, malicious from 80.  Exit status: 0\n"
          "scored; 1 failure; 2 bad usage or a list that cannot be loaded.\n",
          f);
}

static void json_str(FILE *o, const char *p, size_t n)
{
    fputc('"', o);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', o);
            fputc(c, o);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(o, "\\u%04x", c);
        } else if (c >= 0x80) {
            /* pass valid UTF-8 through, replace invalid bytes with U+FFFD */
            size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            bool ok = len && i + len <= n;
            for (size_t k = 1; ok && k < len; k++)
                ok = ((unsigned char)p[i + k] & 0xc0) == 0x80;
            if (ok) {
                fwrite(p + i, 1, len, o);
                i += len - 1;
            } else {
                fputs("\\ufffd", o);
            }
        } else {
            fputc(c, o);
        }
    }
    fputc('"', o);
}

static void json_field(FILE *o, const char *name, lw_str v)
{
    fprintf(o, ",\"%s\":", name);
    json_str(o, v.p ? v.p : "", v.p ? v.n : 0);
}

static void print_jsonl(FILE *o, const lw_intel_result *r, bool features)
{
    fputs("{\"url\":", o);
    json_str(o, r->url.p ? r->url.p : "", r->url.n);
    fprintf(o, ",\"score\":%d,\"verdict\":\"%s\",\"reasons\":[", r->score, r->verdict_name);
    for (size_t i = 0; i < r->nreasons; i++) {
        fprintf(o, "%s{\"code\":\"%s\",\"weight\":%.2f,\"text\":", i ? "," : "", r->reasons[i].code,
                r->reasons[i].weight);
        json_str(o, r->reasons[i].text, strlen(r->reasons[i].text));
        fputc('}', o);
    }
    fputc(']', o);
    json_field(o, "scheme", r->scheme);
    json_field(o, "userinfo", r->userinfo);
    json_field(o, "host", r->host_norm);
    json_field(o, "host_unicode", r->host_unicode);
    json_field(o, "registrable_domain", r->registrable_domain);
    json_field(o, "public_suffix", r->public_suffix);
    json_field(o, "tld", r->tld);
    if (r->port_num >= 0)
        fprintf(o, ",\"port\":%d", r->port_num);
    else
        fputs(",\"port\":null", o);
    json_field(o, "path", r->path);
    json_field(o, "query", r->query);
    json_field(o, "extension", r->extension);
    fprintf(o, ",\"host_is_ip\":%s", r->host_is_ip ? "true" : "false");
    json_field(o, "ip_form", lw_str_view(r->ip_form));
    json_field(o, "brand", r->brand);
    fprintf(o, ",\"allowlisted\":%s,\"blocklisted\":%s,\"new_domain\":%s",
            r->allowlisted ? "true" : "false", r->blocklisted ? "true" : "false",
            r->new_domain ? "true" : "false");
    if (r->first_seen_ms > 0) {
        time_t t = (time_t)(r->first_seen_ms / 1000);
        struct tm tm;
        char ts[32] = "";
        if (gmtime_r(&t, &tm))
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(o, ",\"first_seen\":\"%s\"", ts);
    } else {
        fputs(",\"first_seen\":null", o);
    }
    if (features) {
        fputs(",\"features\":{", o);
        for (size_t i = 0; i < r->nfeatures; i++)
            fprintf(o, "%s\"%s\":%g", i ? "," : "", lw_intel_feature_name(i),
                    (double)r->features[i]);
        fputc('}', o);
    }
    fputs("}\n", o);
}

static void print_table(FILE *o, const lw_intel_result *r)
{
    int un = r->url.n > 200 ? 200 : (int)r->url.n;
    fprintf(o, "%3d  %-10s  ", r->score, r->verdict_name);
    for (int i = 0; i < un; i++) {
        unsigned char c = (unsigned char)r->url.p[i];
        fputc(c < 0x20 || c == 0x7f ? '?' : c, o);
    }
    fputs(r->url.n > 200 ? "...\n" : "\n", o);
    fprintf(o, "                 host %.*s", (int)r->host_unicode.n, r->host_unicode.p);
    if (r->registrable_domain.n)
        fprintf(o, "  domain %.*s", (int)r->registrable_domain.n, r->registrable_domain.p);
    if (r->tld.n)
        fprintf(o, "  tld %.*s", (int)r->tld.n, r->tld.p);
    if (r->brand.n)
        fprintf(o, "  brand %.*s", (int)r->brand.n, r->brand.p);
    fputc('\n', o);
    for (size_t i = 0; i < r->nreasons; i++)
        fprintf(o, "                 %+6.2f  %-24s %s\n", r->reasons[i].weight, r->reasons[i].code,
                r->reasons[i].text);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_url(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},  {"allow", required_argument, NULL, 'A'},
        {"block", required_argument, NULL, 'B'},   {"brands", required_argument, NULL, 'R'},
        {"seen-db", required_argument, NULL, 'D'}, {"new-days", required_argument, NULL, 'N'},
        {"features", no_argument, NULL, 'F'},      {"stats", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *allow[MAX_LIST_FILES + 1] = {0}, *block[MAX_LIST_FILES + 1] = {0};
    size_t nallow = 0, nblock = 0;
    lw_intel_options io = {0};
    const char *format = NULL;
    bool features = false, stats = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            format = optarg;
            break;
        case 'A':
        case 'B':
            if ((opt == 'A' ? nallow : nblock) == MAX_LIST_FILES) {
                cli_err("at most %d --allow / --block files", MAX_LIST_FILES);
                return LW_EXIT_USAGE;
            }
            if (opt == 'A')
                allow[nallow++] = optarg;
            else
                block[nblock++] = optarg;
            break;
        case 'R':
            io.brands_file = optarg;
            break;
        case 'D':
            io.seen_db = optarg;
            break;
        case 'N': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!end || *end || v < 1 || v > 36500) {
                cli_err("--new-days wants a number of days from 1 to 36500");
                return LW_EXIT_USAGE;
            }
            io.new_days = (int)v;
            break;
        }
        case 'F':
            features = true;
            break;
        case 'T':
            stats = true;
            break;
        case 'h':
            url_usage(stdout);
            return LW_EXIT_OK;
        default:
            url_usage(stderr);
            return LW_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_err("url: no URL given (use '-' to read them from stdin)");
        url_usage(stderr);
        return LW_EXIT_USAGE;
    }
    if (!format)
        format = isatty(STDOUT_FILENO) ? "table" : "jsonl";
    bool table = strcmp(format, "table") == 0;
    if (!table && strcmp(format, "jsonl") != 0) {
        cli_err("unknown format '%s' (table, jsonl)", format);
        return LW_EXIT_USAGE;
    }
    io.allow_files = allow;
    io.block_files = block;
    char err[512] = "";
    lw_intel *in = NULL;
    double t0 = now_s();
    lw_status st = lw_intel_new(&io, &in, err, sizeof err);
    if (st) {
        cli_err("%s", err[0] ? err : lw_strerror(st));
        return st == LW_ENOMEM ? LW_EXIT_ERROR : LW_EXIT_USAGE;
    }
    double t_load = now_s() - t0;
    lw_intel_result *r = malloc(sizeof *r);
    if (!r) {
        lw_intel_free(in);
        cli_err("out of memory");
        return LW_EXIT_ERROR;
    }
    size_t count = 0;
    double t1 = now_s();
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") != 0) {
            lw_intel_score_url(in, lw_str_view(argv[i]), NULL, r);
            table ? print_table(stdout, r) : print_jsonl(stdout, r, features);
            count++;
            continue;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) > 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
            if (n == 0)
                continue;
            lw_intel_score_url(in, (lw_str){line, (size_t)n}, NULL, r);
            table ? print_table(stdout, r) : print_jsonl(stdout, r, features);
            count++;
        }
        free(line);
    }
    double t_score = now_s() - t1;
    if (stats) {
        size_t na, nb, nbr, nsk;
        lw_intel_list_stats(in, &na, &nb, &nbr, &nsk);
        fprintf(stderr,
                "lurewatch: url: %zu URLs in %.3f s (%.0f URLs/s incl. output); lists loaded in "
                "%.3f s: %zu allow, %zu block, %zu brands, %zu lines skipped\n",
                count, t_score, t_score > 0 ? (double)count / t_score : 0.0, t_load, na, nb, nbr,
                nsk);
    }
    free(r);
    lw_intel_free(in);
    return fflush(stdout) == 0 ? LW_EXIT_OK : LW_EXIT_ERROR;
}
