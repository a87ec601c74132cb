/* lurewatch hunt: read inputs, run rules, write alerts, print a summary on stderr. */
#include <dirent.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lurewatch.h"

#define MAX_PRINTED_DIAGS 20

static void hunt_usage(FILE *f)
{
    fputs(
        "usage: lurewatch hunt [options] PATH...\n"
        "\n"
        "Read event files and folders (recursive; '-' is stdin), detect each file's format\n"
        "from its content (EVTX, Windows event XML, evtx_dump / Winlogbeat / NXLog JSON,\n"
        "Zeek TSV or JSON, Suricata EVE, Squid / W3C / combined / Proxifier proxy logs;\n"
        ".gz transparently), run Sigma detection and correlation rules, and print alerts:\n"
        "single-event hits and one alert per malicious-link chain.\n"
        "\n"
        "options:\n"
        "  -r, --rules PATH         rule file or folder (repeatable); default: shipped rules\n"
        "  -f, --format FMT         table (default on a terminal), jsonl (default otherwise), "
        "csv,\n"
        "                           html (a self-contained report page; use with -o)\n"
        "  -o, --output FILE        write alerts to FILE instead of stdout\n"
        "  -p, --placeholder NAME=FILE\n"
        "                           values for %NAME% in |expand rules, one per line (repeatable)\n"
        "      --strict             exit 2 if any rule is rejected\n"
        "      --no-rule-cache      compile the rules' prefilter databases afresh instead of\n"
        "                           reusing them from $LUREWATCH_CACHE_DIR (default\n"
        "                           $XDG_CACHE_HOME/lurewatch or ~/.cache/lurewatch; an empty\n"
        "                           LUREWATCH_CACHE_DIR also turns the cache off)\n"
        "      --max-record-bytes N skip records larger than N bytes (default 16777216)\n"
        "  -j, --threads N          1: one thread; 2: a second thread reads and decodes each\n"
        "                           file of 1 MiB or more while the first matches and writes\n"
        "                           (same results; more than 2 is taken as 2; smaller files,\n"
        "                           stdin and pipes stay on one thread).  Default: 2 when this\n"
        "                           process may run on 2 or more CPUs, else 1\n"
        "      --allow FILE         URL intelligence: allow list (domains, Tranco CSV); "
        "repeatable\n"
        "      --block FILE         block list (domains, URLs, hosts, URLhaus/PhishTank CSV,\n"
        "                           OpenPhish feed); repeatable\n"
        "      --brands FILE        protected brands (replaces the built-in list)\n"
        "      --seen-db PATH       SQLite store of first-seen domains (created on first use)\n"
        "      --max-disorder DUR   correlation: how late (event time) a record may arrive,\n"
        "                           e.g. 30s, 5m, 1h; 'batch' holds every match until the\n"
        "                           end so input order never matters (default: batch, or\n"
        "                           5m when reading stdin)\n"
        "      --corr-max-groups N  correlation groups held at once (default 100000)\n"
        "      --corr-max-buffered N\n"
        "                           matches held for reordering (default 50000)\n"
        "      --corr-max-group-events N\n"
        "                           entries counted per group window (default 4096)\n"
        "      --corr-max-alert-events N\n"
        "                           events kept per group and listed per alert (default 32)\n"
        "      --corr-max-copies N  event copies held in correlation windows (default 100000)\n"
        "      --max-clock-skew DUR network evidence: how far a Zeek / Suricata / proxy record's\n"
        "                           time may be from a chain event's host time (default 3m)\n"
        "      --evidence-max-records N\n"
        "                           network transfer records held for chain evidence (default\n"
        "                           20000; the newest are kept)\n"
        "      --no-evidence        chain alerts without network evidence\n"
        "      --no-color           no colours in the table (also: NO_COLOR environment variable)\n"
        "  -v, --verbose            print every skipped-record message (default: first 20)\n"
        "  -q, --quiet              no per-record messages and no rule warnings; summary only\n"
        "      --summary            no alert lines: the summary plus chains, top rules and hosts\n"
        "      --no-progress        no progress line (shown on a terminal unless --quiet)\n"
        "      --two-pass           read the inputs twice: a first pass records every process\n"
        "                           and Mark of the Web, so ancestry and download fields do not\n"
        "                           depend on the order files and records are read in (not with\n"
        "                           stdin; the summary says when a run needed it)\n"
        "      --evtx-slack         EVTX: also read records left in chunk slack space\n"
        "                           (remnants of overwritten or cleared records; forensic:\n"
        "                           old events, stale copies of live records left out)\n"
        "      --from TIME, --to TIME\n"
        "                           match only events in this window (ISO 8601, UTC unless an\n"
        "                           offset is given; a date alone means its whole day); events\n"
        "                           outside still feed ancestry and network evidence\n"
        "      --min-level LEVEL    write only alerts at LEVEL or above (informational, low,\n"
        "                           medium, high, critical); the rest are counted in the\n"
        "                           summary (default: all)\n"
        "  -h, --help               this help\n"
        "\n"
        "Exit status: 0 the run completed (with or without alerts); 1 the run failed (out of\n"
        "memory, output error); 2 bad usage or, with --strict, a rejected rule.\n",
        f);
}

#define TOP_MAX    256 /* distinct rules / hosts counted for --summary */
#define CHAINS_MAX 20  /* chain alerts listed by --summary */

static const lw_str LW_LIT_DASH = {"-", 1};

typedef struct top_count {
    char name[128];
    char level[16];
    uint64_t n;
} top_count;

typedef struct hunt_cli {
    lw_sink *sink;
    lw_status sink_status;
    bool verbose, quiet, summary_only;
    int min_level; /* 1 informational .. 5 critical (0: none); alerts below are counted, not
                    * written */
    const char *min_level_name;
    uint64_t below_min; /* ... how many */
    uint64_t diags, diags_printed;
    /* --summary: counts by rule and host, the first chains */
    top_count rules[TOP_MAX], hosts[TOP_MAX];
    size_t nrules, nhosts;
    uint64_t other_rules, other_hosts;
    char chains[CHAINS_MAX][256];
    size_t nchains;
    uint64_t chains_total;
    /* progress line on a terminal */
    bool progress;
    uint64_t total_bytes;
    double t0;
    size_t progress_len;
    double progress_after; /* seconds before the first line (LUREWATCH_PROGRESS_AFTER) */
} hunt_cli;

static void count_top(top_count *t, size_t *n, uint64_t *other, lw_str name, lw_str level)
{
    for (size_t i = 0; i < *n; i++) {
        if (strlen(t[i].name) == name.n && memcmp(t[i].name, name.p, name.n) == 0) {
            t[i].n++;
            return;
        }
    }
    if (*n == TOP_MAX || name.n >= sizeof t[0].name) {
        (*other)++;
        return;
    }
    memcpy(t[*n].name, name.p, name.n);
    t[*n].name[name.n] = '\0';
    snprintf(t[*n].level, sizeof t[*n].level, "%.*s", (int)level.n, level.p ? level.p : "");
    t[*n].n = 1;
    (*n)++;
}

static int cmp_top(const void *a, const void *b)
{
    const top_count *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->name, y->name);
}

/* Printable copy of a log value for the terminal: control bytes become '?'. */
static void safe_copy(char *dst, size_t cap, lw_str v)
{
    size_t k = 0;
    for (size_t i = 0; i < v.n && k + 1 < cap; i++)
        dst[k++] = (unsigned char)v.p[i] < 0x20 || v.p[i] == 0x7f ? '?' : v.p[i];
    dst[k] = '\0';
}

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
        fputs("lurewatch: further messages suppressed (see the summary; -v shows all)\n", stderr);
}

static void on_alert(const lw_alert *a, void *ud)
{
    hunt_cli *c = ud;
    if (c->min_level > 1) {
        /* 1 informational .. 5 critical; a rule's own unknown level (0) is always shown */
        int r = lw_export_level_parse(lw_alert_rule_level(a).p);
        if (r > 0 && r < c->min_level) {
            c->below_min++;
            return;
        }
    }
    if (!c->summary_only) {
        if (c->sink_status == LW_OK)
            c->sink_status = lw_sink_write(c->sink, a);
        return;
    }
    lw_str title = lw_alert_rule_title(a), level = lw_alert_rule_level(a);
    lw_str host = lw_event_host(lw_alert_event(a));
    count_top(c->rules, &c->nrules, &c->other_rules, title, level);
    count_top(c->hosts, &c->nhosts, &c->other_hosts, host.n ? host : LW_LIT_DASH, LW_LIT_DASH);
    if (lw_alert_get_kind(a) != LW_ALERT_DETECTION) {
        c->chains_total++;
        if (c->nchains < CHAINS_MAX) {
            char t[96], h[64], ti[40] = "-";
            safe_copy(t, sizeof t, title);
            safe_copy(h, sizeof h, host);
            int64_t ms = lw_event_time_ms(lw_alert_event(a));
            if (ms != INT64_MIN) {
                time_t secs = (time_t)(ms / 1000);
                struct tm tm;
                if (gmtime_r(&secs, &tm))
                    strftime(ti, sizeof ti, "%Y-%m-%dT%H:%M:%SZ", &tm);
            }
            snprintf(c->chains[c->nchains++], sizeof c->chains[0], "%-9.*s %s  %-20s %s",
                     (int)level.n, level.p ? level.p : "", ti, h, t);
        }
    }
}

static void print_quick_look(hunt_cli *c)
{
    FILE *f = stderr;
    qsort(c->rules, c->nrules, sizeof c->rules[0], cmp_top);
    qsort(c->hosts, c->nhosts, sizeof c->hosts[0], cmp_top);
    fprintf(f, "lurewatch: quick look\n  chains   %llu\n", (unsigned long long)c->chains_total);
    for (size_t i = 0; i < c->nchains; i++)
        fprintf(f, "    %s\n", c->chains[i]);
    if (c->chains_total > c->nchains)
        fprintf(f, "    ... %llu more\n", (unsigned long long)(c->chains_total - c->nchains));
    fprintf(f, "  rules    (alerts by rule, most first)\n");
    for (size_t i = 0; i < c->nrules && i < 15; i++)
        fprintf(f, "    %8llu  %-13s %s\n", (unsigned long long)c->rules[i].n, c->rules[i].level,
                c->rules[i].name);
    if (c->nrules > 15 || c->other_rules)
        fprintf(f, "    ... %zu more rules\n", c->nrules > 15 ? c->nrules - 15 : 0);
    fprintf(f, "  hosts    (alerts by host, most first)\n");
    for (size_t i = 0; i < c->nhosts && i < 15; i++)
        fprintf(f, "    %8llu  %s\n", (unsigned long long)c->hosts[i].n, c->hosts[i].name);
    if (c->nhosts > 15 || c->other_hosts)
        fprintf(f, "    ... %zu more hosts\n", c->nhosts > 15 ? c->nhosts - 15 : 0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line on stderr, rewritten in place: bytes and files done, events/s, ETA. */
static void on_progress(uint64_t raw_done, uint64_t files, uint64_t events, void *ud)
{
    hunt_cli *c = ud;
    double el = now_s() - c->t0;
    if (el < c->progress_after)
        return; /* short runs finish before a line would help */
    char line[160];
    double rate = el > 0 ? (double)events / el : 0;
    double frac = c->total_bytes ? (double)raw_done / (double)c->total_bytes : 0;
    int k;
    if (frac > 0.001 && frac <= 1.0) {
        double eta = el / frac - el;
        k = snprintf(line, sizeof line,
                     "lurewatch: %.1f/%.1f MB, %llu files, %.0f events/s, ETA %.0fs",
                     (double)raw_done / 1e6, (double)c->total_bytes / 1e6,
                     (unsigned long long)files, rate, eta < 0 ? 0 : eta);
    } else {
        k = snprintf(line, sizeof line, "lurewatch: %.1f MB, %llu files, %.0f events/s",
                     (double)raw_done / 1e6, (unsigned long long)files, rate);
    }
    if (k < 0)
        return;
    size_t n = (size_t)k < sizeof line ? (size_t)k : sizeof line - 1;
    fprintf(stderr, "\r%s%*s", line, (int)(c->progress_len > n ? c->progress_len - n : 0), "");
    c->progress_len = n;
}

/* Sum of the sizes of regular files under path (for the ETA); stops counting past depth 64. */
static uint64_t input_bytes(const char *path, int depth)
{
    struct stat sb;
    if (depth > 64 || lstat(path, &sb) != 0)
        return 0;
    if (S_ISREG(sb.st_mode))
        return (uint64_t)sb.st_size;
    if (!S_ISDIR(sb.st_mode))
        return 0;
    uint64_t total = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4096];
        int k = snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        if (k > 0 && (size_t)k < sizeof sub)
            total += input_bytes(sub, depth + 1);
    }
    closedir(d);
    return total;
}

/* "30s", "5m", "2h", "1d", plain milliseconds "1500ms", or "batch" (0). -1 when bad. */
static int64_t parse_duration(const char *s)
{
    if (!strcmp(s, "batch"))
        return 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (!end || end == s || v > 365ULL * 86400 * 1000)
        return -1;
    int64_t mul;
    if (!strcmp(end, "ms"))
        mul = 1;
    else if (!strcmp(end, "s"))
        mul = 1000;
    else if (!strcmp(end, "m"))
        mul = 60000;
    else if (!strcmp(end, "h"))
        mul = 3600000;
    else if (!strcmp(end, "d"))
        mul = 86400000;
    else
        return -1;
    if ((int64_t)v > INT64_MAX / mul)
        return -1;
    return (int64_t)v * mul;
}

/* --threads by default: 2 when the process may run on 2 or more CPUs (taskset, cgroup
 * cpusets and containers narrow that), else 1. */
static unsigned default_threads(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    return CPU_COUNT(&set) >= 2 ? 2 : 1;
}

/* Files under this size are decoded inline even with a decode thread: starting a thread
 * and handing batches over per file costs more than it saves on small files (a folder of
 * EVTX files of a few hundred KiB each runs slower with one).  LUREWATCH_THREAD_MIN_BYTES
 * (0: every file) is for tests and troubleshooting. */
static uint64_t thread_min_bytes(void)
{
    const char *e = getenv("LUREWATCH_THREAD_MIN_BYTES");
    char *end = NULL;
    unsigned long long v = e && *e ? strtoull(e, &end, 10) : 0;
    if (e && *e && end && !*end)
        return v;
    return 1u << 20;
}

static bool parse_count(const char *s, const char *opt, size_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (!end || *end || end == s || v < 1 || v > (1ULL << 32)) {
        cli_err("%s wants a number from 1 to 4294967296", opt);
        return false;
    }
    *out = (size_t)v;
    return true;
}

static void print_corr_summary(const lw_corr_stats *k)
{
    FILE *f = stderr;
    if (!k->correlations)
        return;
    uint64_t dropped = k->dropped_late + k->dropped_no_time + k->dropped_groups +
                       k->dropped_entries + k->dropped_copies;
    fprintf(f, "  correlation  %llu groups, %llu evicted, %llu dropped (limit)\n",
            (unsigned long long)k->groups, (unsigned long long)k->evicted,
            (unsigned long long)dropped);
    fprintf(f, "    %llu rules, %llu matches, %llu alerts, %llu suppressed (generate: false)\n",
            (unsigned long long)k->correlations, (unsigned long long)k->matches,
            (unsigned long long)k->alerts, (unsigned long long)k->suppressed);
    fprintf(f, "    peak: %llu groups, %llu buffered, %llu event copies (%.1f MiB)\n",
            (unsigned long long)k->groups_peak, (unsigned long long)k->buffered_peak,
            (unsigned long long)k->copies_peak, (double)k->bytes_peak / (1024.0 * 1024.0));
    if (dropped || k->released_early)
        fprintf(f,
                "    limits: %llu late, %llu without time, %llu groups, %llu entries, %llu "
                "copies dropped; %llu released early\n",
                (unsigned long long)k->dropped_late, (unsigned long long)k->dropped_no_time,
                (unsigned long long)k->dropped_groups, (unsigned long long)k->dropped_entries,
                (unsigned long long)k->dropped_copies, (unsigned long long)k->released_early);
}

static void print_evidence_summary(const lw_evidence_stats *e)
{
    if (!e->seen && !e->hosts && !e->alerts && !e->no_host_ip)
        return;
    fprintf(stderr,
            "  evidence %llu network transfers held (peak %llu, %llu dropped), %llu computers "
            "with IPs (%llu not learned)\n",
            (unsigned long long)e->seen, (unsigned long long)e->held_peak,
            (unsigned long long)e->dropped, (unsigned long long)e->hosts,
            (unsigned long long)e->hosts_dropped);
    fprintf(stderr,
            "    %llu chain alerts gained %llu records (%llu over the per-alert limit); %llu "
            "chains on computers with no known IP\n",
            (unsigned long long)e->alerts, (unsigned long long)e->attached,
            (unsigned long long)e->omitted, (unsigned long long)e->no_host_ip);
}

static void print_summary(const lw_hunt_stats *s, size_t nrules, long rejected)
{
    FILE *f = stderr;
    fprintf(f, "lurewatch: summary\n");
    fprintf(f, "  inputs   %llu read, %llu not read", (unsigned long long)s->files,
            (unsigned long long)s->files_failed);
    if (s->archives)
        fprintf(f, " (members of %llu archive%s count as inputs)", (unsigned long long)s->archives,
                s->archives == 1 ? "" : "s");
    fputc('\n', f);
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
        /* "path:1, :2, :3" when the first few are in one input (they usually are). */
        const char *first = s->reasons[i].first[0];
        const char *colon = strrchr(first, ':');
        size_t plen = colon ? (size_t)(colon - first) : 0;
        for (size_t k = 0; k < s->reasons[i].nfirst; k++) {
            const char *loc = s->reasons[i].first[k];
            if (k && plen && strncmp(loc, first, plen) == 0 && loc[plen] == ':' &&
                !strchr(loc + plen + 1, ':'))
                loc += plen;
            fprintf(f, "%s %s", k ? "," : "", loc);
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < s->nreasons; i++) {
        if (s->reasons[i].file_level != 2)
            continue;
        fprintf(f, "  warning  %-22s %6llu input(s), e.g. %s\n", s->reasons[i].reason,
                (unsigned long long)s->reasons[i].count, s->reasons[i].first[0]);
    }
    if (s->enrich_procs || s->enrich_motw_merges)
        fprintf(f,
                "  enrich   %llu processes tracked (%llu evicted, %llu without a known parent), "
                "%llu Zone.Identifier merges (%llu evicted)\n",
                (unsigned long long)s->enrich_procs, (unsigned long long)s->enrich_proc_evicted,
                (unsigned long long)s->enrich_parent_misses,
                (unsigned long long)s->enrich_motw_merges,
                (unsigned long long)s->enrich_motw_evicted);
    if (s->outside_window)
        fprintf(f, "  window   %llu events outside --from / --to: enriched, not matched\n",
                (unsigned long long)s->outside_window);
    if (s->primed)
        fprintf(f, "  first pass  %llu process creations and Mark-of-the-Web streams recorded\n",
                (unsigned long long)s->primed);
    if (s->enrich_order_late)
        fprintf(f,
                "  order    %llu lookups missed a process or Mark of the Web that was read later "
                "but happened earlier: ancestry and download fields are incomplete; rerun with "
                "--two-pass\n",
                (unsigned long long)s->enrich_order_late);
    fprintf(f, "  rules    %zu loaded, %ld rejected\n", nrules, rejected);
    static const char *const names[] = {"informational", "low",      "medium",
                                        "high",          "critical", "other"};
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
        {"threads", required_argument, NULL, 'j'},
        {"no-color", no_argument, NULL, 'C'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"summary", no_argument, NULL, 1301},
        {"no-progress", no_argument, NULL, 1302},
        {"min-level", required_argument, NULL, 1303},
        {"two-pass", no_argument, NULL, 1304},
        {"no-rule-cache", no_argument, NULL, 1307},
        {"evtx-slack", no_argument, NULL, 1308},
        {"from", required_argument, NULL, 1305},
        {"to", required_argument, NULL, 1306},
        {"allow", required_argument, NULL, 1101},
        {"block", required_argument, NULL, 1102},
        {"brands", required_argument, NULL, 1103},
        {"seen-db", required_argument, NULL, 1104},
        {"max-disorder", required_argument, NULL, 'D'},
        {"corr-max-groups", required_argument, NULL, 1001},
        {"corr-max-buffered", required_argument, NULL, 1002},
        {"corr-max-group-events", required_argument, NULL, 1003},
        {"corr-max-alert-events", required_argument, NULL, 1004},
        {"corr-max-copies", required_argument, NULL, 1005},
        {"max-clock-skew", required_argument, NULL, 1201},
        {"evidence-max-records", required_argument, NULL, 1202},
        {"no-evidence", no_argument, NULL, 1203},
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
    bool strict = false, no_color = false, no_progress = false, two_pass = false;
    bool evtx_slack = false;
    bool no_rule_cache = false;
    bool has_from = false, has_to = false;
    int64_t time_from = 0, time_to = 0;
    hunt_cli c = {0};
    size_t max_record = 0;
    unsigned threads = 0; /* 0: by the CPUs this process may use */
    /* URL intelligence (lw_intel): loaded here so a bad list fails the run up front. */
    /* + room for the rule folders' allowlists/ files (cli_auto_allowlists) */
    const char **intel_allow = calloc((size_t)argc + 1 + CLI_MAX_AUTO_ALLOW, sizeof(char *));
    const char **intel_block = calloc((size_t)argc + 1, sizeof(char *));
    size_t nintel_allow = 0, nintel_block = 0;
    static char auto_allow[CLI_MAX_AUTO_ALLOW][4096];
    lw_intel_options intel_opt = {0};
    lw_intel *intel = NULL;
    if (!intel_allow || !intel_block) {
        free(intel_allow);
        free(intel_block);
        free(rule_paths);
        free(placeholders);
        cli_err("out of memory");
        return LW_EXIT_ERROR;
    }
    lw_corr_options co = {0};
    lw_evidence_options eo = {0};
    bool disorder_given = false;
    int rc = LW_EXIT_OK;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:f:o:p:j:vqh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            rule_paths[nrule_paths++] = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'p':
            placeholders[nplaceholders++] = optarg;
            break;
        case 'S':
            strict = true;
            break;
        case 'C':
            no_color = true;
            break;
        case 'v':
            c.verbose = true;
            break;
        case 1301:
            c.summary_only = true;
            break;
        case 1302:
            no_progress = true;
            break;
        case 1304:
            two_pass = true;
            break;
        case 1308:
            evtx_slack = true;
            break;
        case 1305:
        case 1306: {
            int64_t ms;
            bool date_only;
            if (!lw_time_parse(optarg, &ms, &date_only)) {
                cli_err("--%s: '%s' is not a time (2026-03-02, 2026-03-02T09:15:00Z, ...)",
                        opt == 1305 ? "from" : "to", optarg);
                rc = LW_EXIT_USAGE;
                goto done;
            }
            if (opt == 1305) {
                time_from = ms;
                has_from = true;
            } else { /* inclusive: a date means through its end, a time through that ms */
                time_to = ms + (date_only ? 86400000 : 1);
                has_to = true;
            }
            break;
        }
        case 1303:
            c.min_level = lw_export_level_parse(optarg);
            c.min_level_name = optarg;
            if (c.min_level == 0) {
                cli_err("--min-level: '%s' is not informational, low, medium, high or critical",
                        optarg);
                rc = LW_EXIT_USAGE;
                goto done;
            }
            break;
        case 'q':
            c.quiet = true;
            break;
        case 1101:
            intel_allow[nintel_allow++] = optarg;
            break;
        case 1102:
            intel_block[nintel_block++] = optarg;
            break;
        case 1103:
            intel_opt.brands_file = optarg;
            break;
        case 1104:
            intel_opt.seen_db = optarg;
            break;
        case 1307:
            no_rule_cache = true;
            break;
        case 'j': {
            size_t n;
            if (!parse_count(optarg, "--threads", &n)) {
                rc = LW_EXIT_USAGE;
                goto done;
            }
            threads = n > 2 ? 2 : (unsigned)n;
            break;
        }
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
        case 'D': {
            int64_t d = parse_duration(optarg);
            if (d < 0) {
                cli_err("--max-disorder wants 'batch' or a duration such as 30s, 5m, 1h");
                rc = LW_EXIT_USAGE;
                goto done;
            }
            co.max_disorder_ms = d;
            disorder_given = true;
            break;
        }
        case 1001:
        case 1002:
        case 1003:
        case 1004:
        case 1005: {
            size_t *dst = opt == 1001   ? &co.max_groups
                          : opt == 1002 ? &co.max_buffered
                          : opt == 1003 ? &co.max_group_events
                          : opt == 1004 ? &co.max_alert_events
                                        : &co.max_copies;
            static const char *const names[] = {"--corr-max-groups", "--corr-max-buffered",
                                                "--corr-max-group-events",
                                                "--corr-max-alert-events", "--corr-max-copies"};
            if (!parse_count(optarg, names[opt - 1001], dst)) {
                rc = LW_EXIT_USAGE;
                goto done;
            }
            break;
        }
        case 1201: {
            int64_t d = parse_duration(optarg);
            if (d < 0 || !strcmp(optarg, "batch")) {
                cli_err("--max-clock-skew wants a duration such as 30s, 3m, 1h");
                rc = LW_EXIT_USAGE;
                goto done;
            }
            eo.max_clock_skew_ms = d ? d : 1; /* 0 would mean the default */
            break;
        }
        case 1202:
            if (!parse_count(optarg, "--evidence-max-records", &eo.max_records)) {
                rc = LW_EXIT_USAGE;
                goto done;
            }
            break;
        case 1203:
            eo.disable = 1;
            break;
        case 'h':
            hunt_usage(stdout);
            goto done;
        default:
            hunt_usage(stderr);
            rc = LW_EXIT_USAGE;
            goto done;
        }
    }
    if (has_from && has_to && time_to <= time_from) {
        cli_err("--to is not after --from: no event could be matched");
        rc = LW_EXIT_USAGE;
        goto done;
    }
    bool reads_stdin = false; /* a stream: no end to wait for, alerts wanted as found */
    for (int i = optind; i < argc; i++)
        reads_stdin |= strcmp(argv[i], "-") == 0;
    if (two_pass && reads_stdin) {
        cli_err("--two-pass reads every input twice: stdin ('-') cannot be");
        rc = LW_EXIT_USAGE;
        goto done;
    }
    if (optind >= argc) {
        cli_err("hunt: no input given");
        hunt_usage(stderr);
        rc = LW_EXIT_USAGE;
        goto done;
    }
    /* Always: chain alerts take their riskiest URL's score into their level.  Rule
     * folders may carry allow lists (allowlists/NAME.txt, e.g. vendor download hosts). */
    if (nrule_paths == 0)
        rule_paths[nrule_paths++] = (char *)cli_default_rules();
    cli_auto_allowlists(rule_paths, nrule_paths, auto_allow, CLI_MAX_AUTO_ALLOW);
    size_t nuser_allow = nintel_allow; /* the lists the user named, for the message below */
    for (size_t i = 0; i < CLI_MAX_AUTO_ALLOW && auto_allow[i][0]; i++)
        intel_allow[nintel_allow++] = auto_allow[i];
    {
        intel_opt.allow_files = intel_allow;
        intel_opt.block_files = intel_block;
        char ierr[512] = "";
        lw_status ist = lw_intel_new(&intel_opt, &intel, ierr, sizeof ierr);
        if (ist) {
            cli_err("%s", ierr[0] ? ierr : lw_strerror(ist));
            rc = ist == LW_ENOMEM ? LW_EXIT_ERROR : LW_EXIT_USAGE;
            goto done;
        }
        if (!c.quiet && (nuser_allow || nintel_block || intel_opt.brands_file)) {
            size_t na, nb, nbr, nsk;
            lw_intel_list_stats(intel, &na, &nb, &nbr, &nsk);
            fprintf(stderr,
                    "lurewatch: url intelligence: %zu allow and %zu block entries, %zu brands"
                    " (%zu list lines skipped)\n",
                    na, nb, nbr, nsk);
        }
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
    /* Reading a stream (winlogbeat | lurewatch hunt -): each alert line goes out when it is
     * found, not when a stdio buffer fills, so whatever reads our output sees it at once. */
    if (reads_stdin && strcmp(format, "html") != 0)
        setvbuf(out, NULL, _IOLBF, 0);
    if (!lw_sink_format_known(format)) {
        cli_err("unknown format '%s' (table, jsonl, csv, html)", format);
        rc = LW_EXIT_USAGE;
        goto close_out;
    }

    lw_rules *rules = NULL;
    if (lw_rules_new(&rules) ||
        lw_rules_set_cache_dir(rules, no_rule_cache ? NULL : cli_cache_dir())) {
        lw_rules_free(rules);
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
    lw_sink_set_intel(c.sink, intel); /* the HTML report scores URLs with it */
    lw_hunt_options ho = {
        .max_record_bytes = max_record,
        .on_diag = on_diag,
        .diag_ud = &c,
        .on_alert = on_alert,
        .alert_ud = &c,
        .intel = intel,
        .has_from = has_from,
        .has_to = has_to,
        .from_ms = time_from,
        .to_ms = time_to,
        .threads = threads ? threads : default_threads(),
        .thread_min_bytes = thread_min_bytes(),
        .evtx_slack = evtx_slack,
    };

    /* A progress line only for a person watching a terminal. */
    c.progress = !no_progress && !c.quiet && isatty(STDERR_FILENO);
    if (c.progress) {
        for (int i = optind; i < argc; i++)
            if (strcmp(argv[i], "-") != 0)
                c.total_bytes += input_bytes(argv[i], 0);
        c.t0 = now_s();
        const char *after = getenv("LUREWATCH_PROGRESS_AFTER");
        c.progress_after = after && *after ? strtod(after, NULL) : 0.5;
        ho.on_progress = on_progress;
        ho.progress_ud = &c;
    }
    lw_hunt *h = NULL;
    if (lw_hunt_new(rules, &ho, &h)) {
        cli_err("out of memory");
        lw_sink_close(c.sink);
        rc = LW_EXIT_ERROR;
        goto free_rules;
    }
    if (!disorder_given && reads_stdin)
        co.max_disorder_ms = 5 * 60 * 1000; /* a stream has no end to wait for */
    if (lw_hunt_set_correlation(h, &co) || lw_hunt_set_evidence(h, &eo)) {
        cli_err("out of memory");
        lw_sink_close(c.sink);
        lw_hunt_free(h);
        rc = LW_EXIT_ERROR;
        goto free_rules;
    }
    for (int i = optind; i < argc && two_pass; i++) {
        lw_status st = lw_hunt_prime_path(h, argv[i]);
        if (st) {
            cli_err("first pass stopped: %s", lw_strerror(st));
            rc = LW_EXIT_ERROR;
            break;
        }
    }
    for (int i = optind; i < argc && rc == LW_EXIT_OK; i++) {
        lw_status st = lw_hunt_path(h, argv[i]);
        if (st) {
            cli_err("hunt stopped: %s", lw_strerror(st));
            rc = LW_EXIT_ERROR;
            break;
        }
    }
    if (c.progress && c.progress_len)
        fprintf(stderr, "\r%*s\r", (int)c.progress_len, ""); /* leave a clean line */
    if (rc == LW_EXIT_OK) {
        lw_status st = lw_hunt_finish(h); /* the last correlation windows close */
        if (st) {
            cli_err("hunt stopped: %s", lw_strerror(st));
            rc = LW_EXIT_ERROR;
        }
    }
    {
        /* the HTML report's overview: what was read, skipped, loaded */
        lw_sink_run_info ri = {lw_hunt_get_stats(h),
                               lw_hunt_get_corr_stats(h),
                               lw_rules_count(rules),
                               (size_t)rejected,
                               (const char *const *)(argv + optind),
                               (size_t)(argc - optind)};
        if (lw_sink_set_run_info(c.sink, &ri) && c.sink_status == LW_OK)
            c.sink_status = LW_ENOMEM;
    }
    if (lw_sink_close(c.sink) || c.sink_status) {
        cli_err("writing alerts failed: %s", lw_strerror(c.sink_status ? c.sink_status : LW_EIO));
        rc = LW_EXIT_ERROR;
    }
    if (c.summary_only)
        print_quick_look(&c);
    print_summary(lw_hunt_get_stats(h), lw_rules_count(rules), rejected);
    if (c.min_level > 1)
        fprintf(stderr, "  shown    %llu alerts below --min-level %s not written\n",
                (unsigned long long)c.below_min, c.min_level_name);
    print_corr_summary(lw_hunt_get_corr_stats(h));
    print_evidence_summary(lw_hunt_get_evidence_stats(h));
    /* A person reading a table: say how to cut the informational flood (A3 alone is one
     * alert per browser connection). */
    uint64_t info = lw_hunt_get_stats(h)->alerts_by_level[0];
    if (!c.summary_only && c.min_level <= 1 && !strcmp(format, "table") && info >= 20)
        fprintf(stderr,
                "lurewatch: %llu informational alerts above (browser connections and such); "
                "--min-level low leaves them out\n",
                (unsigned long long)info);
    lw_hunt_free(h);
free_rules:
    lw_rules_free(rules);
close_out:
    if (out != stdout && fclose(out) != 0 && rc == LW_EXIT_OK) {
        cli_err("writing %s failed", output);
        rc = LW_EXIT_ERROR;
    }
done:
    lw_intel_free(intel);
    free(intel_allow);
    free(intel_block);
    free(rule_paths);
    free(placeholders);
    return rc;
}
