/* lurewatch hunt: read inputs, run rules, write alerts, print a summary on stderr. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_PRINTED_DIAGS 20

static void hunt_usage(FILE *f)
{
    fputs("usage: lurewatch hunt [options] PATH...\n"
          "\n"
          "Read event files and folders (recursive; '-' is stdin), detect each file's format\n"
          "from its content (EVTX, Windows event XML, evtx_dump / Winlogbeat / NXLog JSON,\n"
          "JSON lines or arrays; .gz transparently), run Sigma rules, and print alerts.\n"
          "\n"
          "options:\n"
          "  -r, --rules PATH         rule file or folder (repeatable); default: shipped rules\n"
          "  -f, --format FMT         table (default on a terminal), jsonl (default otherwise), csv\n"
          "  -o, --output FILE        write alerts to FILE instead of stdout\n"
          "  -p, --placeholder NAME=FILE\n"
          "                           values for %NAME% in |expand rules, one per line (repeatable)\n"
          "      --strict             exit 2 if any rule is rejected\n"
          "      --max-record-bytes N skip records larger than N bytes (default 16777216)\n"
          "      --no-color           no colours in the table (also: NO_COLOR environment variable)\n"
          "  -v, --verbose            print every skipped-record message (default: first 20)\n"
          "  -q, --quiet              no per-record messages and no rule warnings; summary only\n"
          "  -h, --help               this help\n"
          "\n"
          "Exit status: 0 the run completed (with or without alerts); 1 the run failed (out of\n"
          "memory, output error); 2 bad usage or, with --strict, a rejected rule.\n",
          f);
}

typedef struct hunt_cli {
    lw_sink *sink;
    lw_status sink_status;
    bool verbose, quiet;
    uint64_t diags, diags_printed;
} hunt_cli;

static void on_diag(const lw_diag *d, void *ud)
{
    hunt_cli *c = ud;
    c->diags++;
    if (c->quiet || (!c->verbose && c->diags_printed >= MAX_PRINTED_DIAGS))
        return;
    c->diags_printed++;
    const char *sev = d->severity == LW_SEV_ERROR ? "error" : "warning";
    if (d->line)
        fprintf(stderr, "lurewatch: %s: %s:%llu: %s: %s\n", sev, d->path ? d->path : "-",
                (unsigned long long)d->line, d->reason, d->message);
    else
        fprintf(stderr, "lurewatch: %s: %s: %s: %s\n", sev, d->path ? d->path : "-", d->reason,
                d->message);
    if (!c->verbose && c->diags_printed == MAX_PRINTED_DIAGS)
        fputs("lurewatch: further messages suppressed (see the summary; -v shows all)\n",
              stderr);
}

static void on_alert(const lw_alert *a, void *ud)
{
    hunt_cli *c = ud;
    if (c->sink_status == LW_OK)
        c->sink_status = lw_sink_write(c->sink, a);
}

static void print_summary(const lw_hunt_stats *s, size_t nrules, long rejected)
{
    FILE *f = stderr;
    fprintf(f, "lurewatch: summary\n");
    fprintf(f, "  inputs   %llu read, %llu not read\n", (unsigned long long)s->files,
            (unsigned long long)s->files_failed);
    for (size_t i = 0; i < s->nreasons; i++) {
        if (s->reasons[i].file_level != 1)
            continue;
        fprintf(f, "    %-22s %8llu  e.g. %s\n", s->reasons[i].reason,
                (unsigned long long)s->reasons[i].count, s->reasons[i].first[0]);
    }
    fprintf(f, "  records  %llu read, %llu decoded, %llu skipped\n", (unsigned long long)s->records,
            (unsigned long long)s->events, (unsigned long long)s->skipped);
    for (size_t i = 0; i < s->nreasons; i++) {
        if (s->reasons[i].file_level != 0)
            continue;
        fprintf(f, "    %-22s %8llu  first at", s->reasons[i].reason,
                (unsigned long long)s->reasons[i].count);
        for (size_t k = 0; k < s->reasons[i].nfirst; k++)
            fprintf(f, "%s %s", k ? "," : "", s->reasons[i].first[k]);
        fputc('\n', f);
    }
    for (size_t i = 0; i < s->nreasons; i++) {
        if (s->reasons[i].file_level != 2)
            continue;
        fprintf(f, "  warning  %-22s %6llu input(s), e.g. %s\n", s->reasons[i].reason,
                (unsigned long long)s->reasons[i].count, s->reasons[i].first[0]);
    }
    fprintf(f, "  rules    %zu loaded, %ld rejected\n", nrules, rejected);
    static const char *const names[] = {"informational", "low", "medium", "high", "critical",
                                        "other"};
    fprintf(f, "  alerts   %llu", (unsigned long long)s->alerts);
    bool first = true;
    for (int i = 4; i >= 0; i--) {
        fprintf(f, "%s%s %llu", first ? " (" : ", ", names[i],
                (unsigned long long)s->alerts_by_level[i]);
        first = false;
    }
    if (s->alerts_by_level[5])
        fprintf(f, ", other %llu", (unsigned long long)s->alerts_by_level[5]);
    fputs(")\n", f);
}

int cmd_hunt(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"placeholder", required_argument, NULL, 'p'},
        {"strict", no_argument, NULL, 'S'},
        {"max-record-bytes", required_argument, NULL, 'M'},
        {"no-color", no_argument, NULL, 'C'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char **rule_paths = calloc((size_t)argc + 1, sizeof(char *));
    char **placeholders = calloc((size_t)argc + 1, sizeof(char *));
    if (!rule_paths || !placeholders) {
        free(rule_paths);
        free(placeholders);
        cli_err("out of memory");
        return LW_EXIT_ERROR;
    }
    size_t nrule_paths = 0, nplaceholders = 0;
    const char *format = NULL, *output = NULL;
    bool strict = false, no_color = false;
    hunt_cli c = {0};
    size_t max_record = 0;
    int rc = LW_EXIT_OK;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:f:o:p:vqh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': rule_paths[nrule_paths++] = optarg; break;
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'p': placeholders[nplaceholders++] = optarg; break;
        case 'S': strict = true; break;
        case 'C': no_color = true; break;
        case 'v': c.verbose = true; break;
        case 'q': c.quiet = true; break;
        case 'M': {
            char *end = NULL;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (!end || *end || v < 1024 || v > (1ULL << 31)) {
                cli_err("--max-record-bytes wants a number from 1024 to 2147483648");
                rc = LW_EXIT_USAGE;
                goto done;
            }
            max_record = (size_t)v;
            break;
        }
        case 'h':
            hunt_usage(stdout);
            goto done;
        default:
            hunt_usage(stderr);
            rc = LW_EXIT_USAGE;
            goto done;
        }
    }
    if (optind >= argc) {
        cli_err("hunt: no input given");
        hunt_usage(stderr);
        rc = LW_EXIT_USAGE;
        goto done;
    }
    FILE *out = stdout;
    bool tty = false;
    if (output) {
        out = fopen(output, "w");
        if (!out) {
            cli_err("cannot write %s", output);
            rc = LW_EXIT_USAGE;
            goto done;
        }
    } else {
        tty = isatty(STDOUT_FILENO);
    }
    if (!format)
        format = tty ? "table" : "jsonl";
    if (!lw_sink_format_known(format)) {
        cli_err("unknown format '%s' (table, jsonl, csv)", format);
        rc = LW_EXIT_USAGE;
        goto close_out;
    }

    lw_rules *rules = NULL;
    if (lw_rules_new(&rules)) {
        cli_err("out of memory");
        rc = LW_EXIT_ERROR;
        goto close_out;
    }
    for (size_t i = 0; i < nplaceholders; i++) {
        char *eq = strchr(placeholders[i], '=');
        if (!eq || eq == placeholders[i] || !eq[1]) {
            cli_err("--placeholder wants NAME=FILE, got '%s'", placeholders[i]);
            rc = LW_EXIT_USAGE;
            goto free_rules;
        }
        *eq = '\0';
        char err[256] = "";
        if (lw_rules_add_placeholder_file(rules, placeholders[i], eq + 1, err, sizeof err)) {
            cli_err("--placeholder %s: %s", placeholders[i], err);
            rc = LW_EXIT_USAGE;
            goto free_rules;
        }
    }
    if (nrule_paths == 0)
        rule_paths[nrule_paths++] = (char *)cli_default_rules();
    if (cli_auto_placeholders(rules, rule_paths, nrule_paths, placeholders, nplaceholders)) {
        rc = LW_EXIT_USAGE;
        goto free_rules;
    }
    long rejected = cli_load_rules(rules, rule_paths, nrule_paths, c.quiet);
    if (rejected < 0) {
        rc = LW_EXIT_USAGE;
        goto free_rules;
    }
    if (strict && rejected > 0) {
        cli_err("%ld rule(s) rejected and --strict given", rejected);
        rc = LW_EXIT_USAGE;
        goto free_rules;
    }
    if (lw_rules_compile(rules)) {
        cli_err("out of memory compiling rules");
        rc = LW_EXIT_ERROR;
        goto free_rules;
    }
    if (lw_rules_count(rules) == 0)
        cli_err("warning: no rules loaded; events are read and counted only");

    lw_sink_options so = {.color = tty && !no_color && !getenv("NO_COLOR")};
    if (lw_sink_open(format, out, &so, &c.sink)) {
        cli_err("out of memory");
        rc = LW_EXIT_ERROR;
        goto free_rules;
    }
    lw_hunt_options ho = {
        .max_record_bytes = max_record,
        .on_diag = on_diag,
        .diag_ud = &c,
        .on_alert = on_alert,
        .alert_ud = &c,
    };
    lw_hunt *h = NULL;
    if (lw_hunt_new(rules, &ho, &h)) {
        cli_err("out of memory");
        lw_sink_close(c.sink);
        rc = LW_EXIT_ERROR;
        goto free_rules;
    }
    for (int i = optind; i < argc; i++) {
        lw_status st = lw_hunt_path(h, argv[i]);
        if (st) {
            cli_err("hunt stopped: %s", lw_strerror(st));
            rc = LW_EXIT_ERROR;
            break;
        }
    }
    if (lw_sink_close(c.sink) || c.sink_status) {
        cli_err("writing alerts failed: %s",
                lw_strerror(c.sink_status ? c.sink_status : LW_EIO));
        rc = LW_EXIT_ERROR;
    }
    print_summary(lw_hunt_get_stats(h), lw_rules_count(rules), rejected);
    lw_hunt_free(h);
free_rules:
    lw_rules_free(rules);
close_out:
    if (out != stdout && fclose(out) != 0 && rc == LW_EXIT_OK) {
        cli_err("writing %s failed", output);
        rc = LW_EXIT_ERROR;
    }
done:
    free(rule_paths);
    free(placeholders);
    return rc;
}
