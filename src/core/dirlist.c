/* Folder listings for the hunt's and the rule loader's walks: see dirlist.h. */
#include "dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void lw_dir_list_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

lw_status lw_dir_list(const char *dir, char ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    DIR *d = opendir(dir);
    if (!d)
        return LW_EIO;
    char **paths = NULL;
    size_t n = 0, cap = 0, dlen = strlen(dir);
    const char *sep = lw_path_sep(dir);
    lw_status st = LW_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue; /* ., .., and hidden files such as .git */
        if (n == cap) {
            char **np = lw_grow(paths, &cap, sizeof *np, 64);
            if (!np) {
                st = LW_ENOMEM;
                break;
            }
            paths = np;
        }
        size_t len = dlen + 1 + strlen(de->d_name) + 1;
        if (!(paths[n] = malloc(len))) {
            st = LW_ENOMEM;
            break;
        }
        lw_fmt(paths[n++], len, "%s%s%s", dir, sep, de->d_name);
    }
    int err = errno;
    closedir(d);
    if (st != LW_OK) {
        lw_dir_list_free(paths, n);
        errno = err;
        return st;
    }
    if (n > 1)
        qsort(paths, n, sizeof *paths, cmp_paths);
    *out = paths;
    *nout = n;
    return LW_OK;
}
