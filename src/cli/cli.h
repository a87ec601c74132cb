/* The lurewatch command line: argument parsing and wiring only (uses lurewatch.h). */
#ifndef LW_CLI_H
#define LW_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "lurewatch.h"

#define LW_EXIT_OK    0
#define LW_EXIT_ERROR 1 /* the run could not complete (out of memory, output failed) */
#define LW_EXIT_USAGE 2 /* bad usage, or --strict with a rejected rule */

int cmd_hunt(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_url(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Print "lurewatch: " + message to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The shipped rules folder: $LUREWATCH_RULES, else rules/ next to the installed or built
 * binary, else the source tree's rules/ (compile-time).  Returns a static string. */
const char *cli_default_rules(void);
/* Where compiled rule databases are kept (lw_rules_set_cache_dir): $LUREWATCH_CACHE_DIR,
 * else $XDG_CACHE_HOME/lurewatch, else $HOME/.cache/lurewatch; "" (no cache) when none is
 * set or LUREWATCH_CACHE_DIR is empty.  Returns a static string. */
const char *cli_cache_dir(void);
/* Load rule paths into r and resolve correlation references, printing rejections (as
 * warnings) to stderr unless quiet.  Returns the number of rules rejected, or -1 if a path
 * is unreadable or memory ran out. */
long cli_load_rules(lw_rules *r, char **paths, size_t npaths, bool quiet);

/* Rule folders may carry default placeholder values in placeholders/NAME.txt; load those
 * whose NAME was not given explicitly (explicit: the NAME part of NAME=FILE arguments).
 * Returns 0, or -1 after printing an error. */
int cli_auto_placeholders(lw_rules *r, char **rule_paths, size_t n, char **explicit_names,
                          size_t nexplicit);

/* Rule folders may carry URL allow lists in allowlists/NAME.txt (vendor download hosts):
 * write up to max of their paths into out (unused entries are ""). */
#define CLI_MAX_AUTO_ALLOW 16
void cli_auto_allowlists(char **rule_paths, size_t n, char out[][4096], size_t max);

#endif
