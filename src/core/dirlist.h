/*
 * One folder's entries, sorted, for the walks that read folders recursively (hunt inputs,
 * rule folders): the same order on every machine, whatever readdir returns.
 */
#ifndef LW_DIRLIST_H
#define LW_DIRLIST_H

#include <stddef.h>

#include "lurewatch.h"

/* The entries of dir but the hidden ones (a name starting with '.': ".", "..", ".git"),
 * each as "dir/name" (no second '/' when dir ends with one), sorted by strcmp.  *paths is
 * a malloc'd array of malloc'd strings (lw_dir_list_free), NULL when there are none.
 * LW_EIO when dir cannot be opened (errno says why), LW_ENOMEM. */
lw_status lw_dir_list(const char *dir, char ***paths, size_t *n);
void lw_dir_list_free(char **paths, size_t n);

#endif
