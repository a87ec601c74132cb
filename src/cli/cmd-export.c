/* lurewatch export: alerts (JSON lines from `hunt -f jsonl`) in, block lists out. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void export_usage(FILE *f)
{
    fputs(
        "usage: lurewatch export --format FMT [options] ALERTS.jsonl...\n"
        "\n"
        "Collect the domains, hosts, URLs and addresses in alerts written by\n"
        "'lurewatch hunt -f jsonl' ('-' reads stdin) and write what the network should\n"
        "stop.  Hosts become their registrable domain (public suffix list with private\n"
        "suffixes: evil.pages.dev stays whole, pages.dev alone is never written); allow-\n"
        "listed domains and private addresses are dropped; output is sorted and deduplicated.\n"
        "\n"
        "options:\n"
        "  -F, --format FMT      rpz               DNS response policy zone (CNAME . = NXDOMAIN)\n"
        "                        hosts             0.0.0.0 NAME lines\n"
        "                        suricata          dns.query / tls.sni / http.host rules\n"
        "                        suricata-dataset  base64 string dataset file\n"
        "                        squid             acl NAME dstdomain .domain lines\n"
        "                        plain             domains, then URLs, then addresses\n"
        "  -o, --output FILE     write to FILE instead of stdout\n"
        "      --allow FILE      never block what this list allows (domains, hosts file,\n"
        "                        Tranco 'rank,domain' CSV); repeatable\n"
        "      --min-level LEVEL only alerts of this level or above: informational, low\n"
        "                        (default), medium, high, critical\n"
        "      --exact-hosts     block the hosts seen, not their registrable domains\n"
        "      --sid-base N      suricata: first rule sid (default 1204001)\n"
        "      --serial N        rpz: SOA serial (default: SOURCE_DATE_EPOCH or now)\n"
        "      --acl-name NAME   squid: ACL name (default lurewatch_block)\n"
        "  -q, --quiet           no summary on stderr\n"
        "  -h, --help            this help\n"
        "\n"
        "Exit status: 0 done (bad input lines are counted and reported); 1 read/write\n"
        "error or out of memory; 2 bad usage.\n",
        f);
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (!end || end == s || *end || v < 1 || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool acl_name_ok(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'F'},
        {"output", required_argument, NULL, 'o'},
        {"allow", required_argument, NULL, 1201},
        {"min-level", required_argument, NULL, 1202},
        {"exact-hosts", no_argument, NULL, 1203},
        {"sid-base", required_argument, NULL, 1204},
        {"serial", required_argument, NULL, 1205},
        {"acl-name", required_argument, NULL, 1206},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char **allow = calloc((size_t)argc + 1, sizeof(char *));
    if (!allow) {
        cli_err("out of memory");
        return LW_EXIT_ERROR;
    }
    size_t nallow = 0;
    const char *format = NULL, *output = NULL;
    bool quiet = false;
    lw_export_options xo = {.min_level = 2};
    lw_intel *intel = NULL;
    lw_export *x = NULL;
    FILE *out = stdout;
    int rc = LW_EXIT_OK, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "F:f:o:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'F':
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 1201:
            allow[nallow++] = optarg;
            break;
        case 1202:
            xo.min_level = lw_export_level_parse(optarg);
            if (!xo.min_level) {
                cli_err("--min-level wants informational, low, medium, high or critical");
                rc = LW_EXIT_USAGE;
                goto done;
            }
            break;
        case 1203:
            xo.exact_hosts = 1;
            break;
        case 1204:
        case 1205:
            if (!parse_u32(optarg, opt == 1204 ? &xo.sid_base : &xo.serial)) {
                cli_err("%s wants a number from 1 to 4294967295",
                        opt == 1204 ? "--sid-base" : "--serial");
                rc = LW_EXIT_USAGE;
                goto done;
            }
            break;
        case 1206:
            if (!acl_name_ok(optarg)) {
                cli_err("--acl-name wants letters, digits, '_' or '-'");
                rc = LW_EXIT_USAGE;
                goto done;
            }
            xo.acl_name = optarg;
            break;
        case 'h':
            export_usage(stdout);
            goto done;
        default:
            export_usage(stderr);
            rc = LW_EXIT_USAGE;
            goto done;
        }
    }
    if (!format || !lw_export_format_parse(format, &xo.format)) {
        cli_err(format ? "unknown export format '%s'" : "export: --format is required%s",
                format ? format : "");
        export_usage(stderr);
        rc = LW_EXIT_USAGE;
        goto done;
    }
    if (optind >= argc) {
        cli_err("export: no alerts file given ('-' reads stdin)");
        rc = LW_EXIT_USAGE;
        goto done;
    }
    if (nallow) {
        lw_intel_options io = {.allow_files = allow};
        char err[512] = "";
        lw_status st = lw_intel_new(&io, &intel, err, sizeof err);
        if (st) {
            cli_err("%s", err[0] ? err : lw_strerror(st));
            rc = st == LW_ENOMEM ? LW_EXIT_ERROR : LW_EXIT_USAGE;
            goto done;
        }
        xo.intel = intel;
    }
    if (lw_export_new(&xo, &x)) {
        cli_err("out of memory");
        rc = LW_EXIT_ERROR;
        goto done;
    }
    for (int i = optind; i < argc; i++) {
        bool is_stdin = strcmp(argv[i], "-") == 0;
        FILE *in = is_stdin ? stdin : fopen(argv[i], "rb");
        if (!in) {
            cli_err("cannot read %s", argv[i]);
            rc = LW_EXIT_ERROR;
            goto done;
        }
        uint64_t bad_before = lw_export_get_stats(x)->bad_lines;
        lw_status st = lw_export_read(x, in, argv[i]);
        if (!is_stdin)
            fclose(in);
        if (st) {
            cli_err("reading %s: %s", argv[i], lw_strerror(st));
            rc = LW_EXIT_ERROR;
            goto done;
        }
        const lw_export_stats *s = lw_export_get_stats(x);
        if (s->bad_lines > bad_before && !quiet)
            cli_err("warning: %s: %llu line(s) are not alert objects (skipped)", argv[i],
                    (unsigned long long)(s->bad_lines - bad_before));
    }
    if (output && !(out = fopen(output, "w"))) {
        cli_err("cannot write %s", output);
        rc = LW_EXIT_ERROR;
        goto done;
    }
    if (lw_export_write(x, out)) {
        cli_err("writing %s failed", output ? output : "stdout");
        rc = LW_EXIT_ERROR;
    }
    if (!quiet) {
        const lw_export_stats *s = lw_export_get_stats(x);
        fprintf(stderr,
                "lurewatch: export %s: %llu alerts read (%llu below level), %llu lines bad, "
                "%llu too long\n"
                "  written  %llu names, %llu URLs, %llu addresses\n"
                "  dropped  %llu allow-listed, %llu bare public/platform suffixes or single "
                "labels, %llu private addresses, %llu not a host/URL/address, %llu over the "
                "entry limit\n",
                format, (unsigned long long)s->alerts, (unsigned long long)s->below_level,
                (unsigned long long)s->bad_lines, (unsigned long long)s->long_lines,
                (unsigned long long)s->names, (unsigned long long)s->urls,
                (unsigned long long)s->ips, (unsigned long long)s->allowlisted,
                (unsigned long long)s->suffix_only, (unsigned long long)s->private_ips,
                (unsigned long long)s->invalid, (unsigned long long)s->over_limit);
    }
done:
    if (out != stdout && fclose(out) != 0 && rc == LW_EXIT_OK) {
        cli_err("writing %s failed", output);
        rc = LW_EXIT_ERROR;
    }
    lw_export_free(x);
    lw_intel_free(intel);
    free(allow);
    return rc;
}
