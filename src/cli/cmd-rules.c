/* lurewatch rules check: load rules, report each rule document as ok or rejected. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void rules_usage(FILE *f)
{
    fputs("usage: lurewatch rules check [options] PATH...\n"
          "\n"
          "Load Sigma rule files and folders (recursive, *.yml and *.yaml) and report, per\n"
          "rule, whether it loads or why it is rejected (file:line:column and the construct).\n"
          "\n"
          "options:\n"
          "  -f, --format FMT         table (default) or jsonl: one object per rule with\n"
          "                           path, id, title, status (\"ok\" or \"rejected\"), reason,\n"
          "                           line, column\n"
          "  -p, --placeholder NAME=FILE\n"
          "                           values for %NAME% in |expand rules (repeatable)\n"
          "      --rejected           list only rejected rules\n"
          "      --strict             exit 2 if any rule is rejected\n"
          "  -h, --help               this help\n",
          f);
}

typedef struct check_ctx {
    bool jsonl, only_rejected;
    size_t ok, rejected;
} check_ctx;

static void put_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void on_report(const lw_rule_report *r, void *ud)
{
    check_ctx *c = ud;
    if (r->ok)
        c->ok++;
    else
        c->rejected++;
    if (c->only_rejected && r->ok)
        return;
    if (c->jsonl) {
        fputs("{\"path\":", stdout);
        put_json_string(r->path);
        fputs(",\"id\":", stdout);
        put_json_string(r->id);
        fputs(",\"title\":", stdout);
        put_json_string(r->title);
        printf(",\"document\":%d,\"status\":\"%s\",\"reason\":", r->doc_index,
               r->ok ? "ok" : "rejected");
        put_json_string(r->reason);
        printf(",\"line\":%llu,\"column\":%llu}\n", (unsigned long long)r->line,
               (unsigned long long)r->column);
    } else if (r->ok) {
        printf("ok        %s  %s\n", r->path, r->title);
    } else {
        printf("rejected  %s:%llu:%llu: %s\n", r->path, (unsigned long long)r->line,
               (unsigned long long)r->column, r->reason);
    }
}

int cmd_rules(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        rules_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? LW_EXIT_USAGE : LW_EXIT_OK;
    }
    if (strcmp(argv[1], "check") != 0) {
        cli_err("rules: unknown subcommand '%s' (try: rules check)", argv[1]);
        return LW_EXIT_USAGE;
    }
    argc--;
    argv++;
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"placeholder", required_argument, NULL, 'p'},
        {"rejected", no_argument, NULL, 'R'},     {"strict", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    check_ctx c = {0};
    bool strict = false;
    lw_rules *rules = NULL;
    if (lw_rules_new(&rules)) {
        cli_err("out of memory");
        return LW_EXIT_ERROR;
    }
    int rc = LW_EXIT_OK, opt;
    char **names = calloc((size_t)argc + 1, sizeof(char *));
    size_t nnames = 0;
    if (!names) {
        lw_rules_free(rules);
        cli_err("out of memory");
        return LW_EXIT_ERROR;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "f:p:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (strcmp(optarg, "jsonl") == 0) {
                c.jsonl = true;
            } else if (strcmp(optarg, "table") != 0) {
                cli_err("unknown format '%s' (table, jsonl)", optarg);
                rc = LW_EXIT_USAGE;
                goto done;
            }
            break;
        case 'p': {
            char *eq = strchr(optarg, '=');
            char err[256] = "";
            if (!eq || eq == optarg || !eq[1]) {
                cli_err("--placeholder wants NAME=FILE, got '%s'", optarg);
                rc = LW_EXIT_USAGE;
                goto done;
            }
            *eq = '\0';
            names[nnames++] = optarg;
            if (lw_rules_add_placeholder_file(rules, optarg, eq + 1, err, sizeof err)) {
                cli_err("--placeholder %s: %s", optarg, err);
                rc = LW_EXIT_USAGE;
                goto done;
            }
            break;
        }
        case 'R':
            c.only_rejected = true;
            break;
        case 'S':
            strict = true;
            break;
        case 'h':
            rules_usage(stdout);
            goto done;
        default:
            rules_usage(stderr);
            rc = LW_EXIT_USAGE;
            goto done;
        }
    }
    if (optind >= argc) {
        cli_err("rules check: no rule path given");
        rc = LW_EXIT_USAGE;
        goto done;
    }
    if (cli_auto_placeholders(rules, argv + optind, (size_t)(argc - optind), names, nnames)) {
        rc = LW_EXIT_USAGE;
        goto done;
    }
    for (int i = optind; i < argc; i++) {
        lw_status st = lw_rules_load(rules, argv[i], on_report, &c);
        if (st == LW_EIO) {
            cli_err("cannot read rules from %s", argv[i]);
            rc = LW_EXIT_USAGE;
        } else if (st == LW_ENOMEM) {
            cli_err("out of memory");
            rc = LW_EXIT_ERROR;
            goto done;
        }
    }
    /* Correlations wait for the rules they reference (maybe in a later file): report
     * the ones that never resolved. */
    if (lw_rules_resolve(rules, on_report, &c) == LW_ENOMEM) {
        cli_err("out of memory");
        rc = LW_EXIT_ERROR;
        goto done;
    }
    fprintf(stderr, "lurewatch: %zu rule(s) loaded, %zu rejected (%.1f%% loaded)\n", c.ok,
            c.rejected, c.ok + c.rejected ? 100.0 * (double)c.ok / (double)(c.ok + c.rejected) : 0);
    if (strict && c.rejected && rc == LW_EXIT_OK)
        rc = LW_EXIT_USAGE;
done:
    free(names);
    lw_rules_free(rules);
    return rc;
}
