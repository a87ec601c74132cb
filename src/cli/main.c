#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "cli.h"

/* No second '/' after a folder given as "rules/". */
static const char *dir_sep(const char *dir)
{
    size_t n = strlen(dir);
    return n && dir[n - 1] == '/' ? "" : "/";
}

#ifndef LW_SOURCE_RULES_DIR
#define LW_SOURCE_RULES_DIR "rules"
#endif

static void usage(FILE *f)
{
    fputs("usage: lurewatch <command> [options]\n"
          "\n"
          "Find users who clicked a malicious link that led to code running (ATT&CK\n"
          "T1204.001) in Windows event logs (EVTX, XML, JSON) and network logs (Zeek,\n"
          "Suricata EVE, proxies) with Sigma rules, URL intelligence and chain correlation.\n"
          "\n"
          "commands:\n"
          "  hunt [-r RULES]... [-f table|jsonl|csv|html] [-o FILE] PATH...\n"
          "                      read event files and folders, run the rules, print alerts\n"
          "  rules check [-f table|jsonl] PATH...\n"
          "                      load Sigma rules and report which load and why others do not\n"
          "  url [-f table|jsonl] URL... | -\n"
          "                      score URLs 0-100 (lookalikes, lexical signs, lists) and say why\n"
          "  export --format rpz|hosts|suricata|suricata-dataset|squid|plain [-o FILE] "
          "ALERTS.jsonl...\n"
          "                      turn hunt alerts into block lists for DNS, proxies and IDS\n"
          "\n"
          "Run 'lurewatch <command> --help' for the options of a command.\n"
          "  --version           print the version\n",
          f);
}

void cli_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lurewatch: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *cli_cache_dir(void)
{
    static char dir[4096];
    const char *e = getenv("LUREWATCH_CACHE_DIR");
    if (e)
        return e; /* "" turns the cache off */
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    bool ok = false;
    if (xdg && xdg[0] == '/')
        ok = snprintf(dir, sizeof dir, "%s/lurewatch", xdg) < (int)sizeof dir;
    else if (home && home[0] == '/')
        ok = snprintf(dir, sizeof dir, "%s/.cache/lurewatch", home) < (int)sizeof dir;
    return ok ? dir : "";
}

const char *cli_default_rules(void)
{
    static char buf[4096];
    const char *env = getenv("LUREWATCH_RULES");
    if (env && *env)
        return env;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"/../share/lurewatch/rules", "/../rules", "/rules"};
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                char cand[4096];
                int k = snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
                if (k <= 0 || (size_t)k >= sizeof cand || !is_dir(cand))
                    continue;
                /* Reports name rule files by this path: "/usr/share/..." reads better
                 * than "/usr/bin/../share/...". */
                if (!realpath(cand, buf))
                    memcpy(buf, cand, (size_t)k + 1);
                return buf;
            }
        }
    }
    return LW_SOURCE_RULES_DIR;
}

typedef struct load_ctx {
    bool quiet;
    long rejected;
} load_ctx;

static void on_rule_report(const lw_rule_report *r, void *ud)
{
    load_ctx *c = ud;
    if (r->ok)
        return;
    c->rejected++;
    if (!c->quiet)
        cli_err("warning: rule rejected: %s:%llu:%llu: %s", r->path, (unsigned long long)r->line,
                (unsigned long long)r->column, r->reason);
}

long cli_load_rules(lw_rules *r, char **paths, size_t npaths, bool quiet)
{
    load_ctx c = {quiet, 0};
    for (size_t i = 0; i < npaths; i++) {
        lw_status st = lw_rules_load(r, paths[i], on_rule_report, &c);
        if (st == LW_EIO) {
            cli_err("cannot read rules from %s", paths[i]);
            return -1;
        }
        if (st == LW_ENOMEM) {
            cli_err("out of memory loading rules");
            return -1;
        }
    }
    /* Correlations wait for the rules they reference (maybe in a later path): the ones
     * whose references never loaded are reported now. */
    if (lw_rules_resolve(r, on_rule_report, &c) == LW_ENOMEM) {
        cli_err("out of memory resolving correlation rules");
        return -1;
    }
    return c.rejected;
}

int cli_auto_placeholders(lw_rules *r, char **rule_paths, size_t n, char **explicit_names,
                          size_t nexplicit)
{
    for (size_t i = 0; i < n; i++) {
        char dir[4096];
        int k =
            snprintf(dir, sizeof dir, "%s%splaceholders", rule_paths[i], dir_sep(rule_paths[i]));
        if (k <= 0 || (size_t)k >= sizeof dir || !is_dir(dir))
            continue;
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t len = strlen(de->d_name);
            if (len <= 4 || strcmp(de->d_name + len - 4, ".txt") != 0)
                continue;
            char name[256];
            if (len - 4 >= sizeof name)
                continue;
            memcpy(name, de->d_name, len - 4);
            name[len - 4] = '\0';
            bool given = false;
            for (size_t j = 0; j < nexplicit && !given; j++)
                given = strcmp(explicit_names[j], name) == 0;
            char file[4352];
            k = snprintf(file, sizeof file, "%s/%s", dir, de->d_name);
            if (given || k <= 0 || (size_t)k >= sizeof file)
                continue;
            char err[256] = "";
            if (lw_rules_add_placeholder_file(r, name, file, err, sizeof err)) {
                cli_err("placeholder %s from %s: %s", name, file, err);
                closedir(d);
                return -1;
            }
        }
        closedir(d);
    }
    return 0;
}

void cli_auto_allowlists(char **rule_paths, size_t n, char out[][4096], size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < max; i++)
        out[i][0] = '\0';
    for (size_t i = 0; i < n && k < max; i++) {
        char dir[4096];
        int len =
            snprintf(dir, sizeof dir, "%s%sallowlists", rule_paths[i], dir_sep(rule_paths[i]));
        if (len <= 0 || (size_t)len >= sizeof dir || !is_dir(dir))
            continue;
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d)) && k < max) {
            size_t l = strlen(de->d_name);
            if (l <= 4 || strcmp(de->d_name + l - 4, ".txt") != 0)
                continue;
            len = snprintf(out[k], 4096, "%s/%s", dir, de->d_name);
            if (len > 0 && (size_t)len < 4096)
                k++;
            else
                out[k][0] = '\0';
        }
        closedir(d);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return LW_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return LW_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("lurewatch %s\n", LW_VERSION);
        return LW_EXIT_OK;
    }
    if (strcmp(cmd, "hunt") == 0)
        return cmd_hunt(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    if (strcmp(cmd, "url") == 0)
        return cmd_url(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    cli_err("unknown command '%s'", cmd);
    usage(stderr);
    return LW_EXIT_USAGE;
}
