/*
 * Archives: zip, 7z, rar and tar (plain or gzip / bzip2 / xz compressed), read with
 * libarchive.  Each regular member is streamed as one input through an lw_reader in pull
 * mode (nothing is extracted to disk: the native EVTX decoder reads the stream too; only
 * the libevtx oracle, LUREWATCH_EVTX_DECODER=libevtx, copies EVTX to a temporary file), so
 * an archive costs the memory of one read window.
 */
#ifndef LW_ARCHIVE_H
#define LW_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"

/* At most this many members are read from one archive; the rest are reported. */
#define LW_ARCHIVE_MAX_MEMBERS 100000u

typedef struct lw_archive lw_archive;

/* True when head (the first n bytes of the file, after gzip decompression when the file is
 * gzip) starts an archive lurewatch opens: zip, 7z, rar or tar. */
bool lw_archive_sniff(const unsigned char *head, size_t n);

/* Open the archive at path.  On failure returns LW_EIO (or LW_ENOMEM) with a message in
 * err. */
lw_status lw_archive_open(const char *path, lw_archive **out, char *err, size_t errcap);

/* Advance to the next regular member (directories, links and devices are passed over).
 * Returns 1 with *name set (valid until the next call), 0 at the end, -1 on a damaged or
 * unreadable archive (message in err; the caller stops reading it). */
int lw_archive_next(lw_archive *a, const char **name, char *err, size_t errcap);

/* "archive:member", the name a member goes by in reports (malloc'd; NULL when out of
 * memory). */
char *lw_archive_member_path(const char *archive, const char *member);

/* Open r on the current member's bytes. */
lw_status lw_archive_reader(lw_archive *a, lw_reader *r, size_t max);

/* The current member's bytes in a malloc'd buffer (NUL-terminated, *n without the NUL).
 * LW_ELIMIT when it is larger than max, LW_EIO when it cannot be read (message in err),
 * LW_ENOMEM. */
lw_status lw_archive_read_member(lw_archive *a, size_t max, char **buf, size_t *n, char *err,
                                 size_t errcap);

void lw_archive_close(lw_archive *a);

#endif
