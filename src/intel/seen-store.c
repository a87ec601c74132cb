/*
 * seen-store.c - newly observed domains: first-seen time per registrable domain in an
 * SQLite file that survives runs.
 *
 * Why this shape: the store is written from hunt threads, so one mutex guards the
 * connection (SQLite serialises writers anyway).  New rows are batched in one open
 * transaction, committed every LW_SEEN_BATCH rows and at close, because a commit per
 * domain (an fsync each) would cap a hunt at a few hundred new domains per second.  WAL
 * mode lets another lurewatch read the store while one writes.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "intel/intel.h"

#define LW_SEEN_BATCH 512

struct lw_seen {
    sqlite3 *db;
    sqlite3_stmt *get, *ins, *upd;
    pthread_mutex_t mu;
    int pending;
    int64_t created_ms;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(lw_seen *s, const char *path, const char *what, char *err, size_t errlen)
{
    lw_fmt(err, errlen, "%s: seen store: %s: %s", path, what,
           s->db ? sqlite3_errmsg(s->db) : "cannot open");
}

lw_status lw_seen_open(const char *path, lw_seen **out, char *err, size_t errlen)
{
    *out = NULL;
    lw_seen *s = calloc(1, sizeof *s);
    if (!s)
        return LW_ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    static const char schema[] =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS seen(domain TEXT PRIMARY KEY,"
        " first_seen_ms INTEGER NOT NULL) WITHOUT ROWID;";
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        fail(s, path, "cannot open or create", err, errlen);
        lw_seen_close(s);
        return LW_EIO;
    }
    /* created: first use of this file; kept so the "new domain" signal can wait until the
     * store has learned what is normal here. */
    char sql[160];
    lw_fmt(sql, sizeof sql, "INSERT OR IGNORE INTO meta(key,value) VALUES('created_ms',%lld);",
           (long long)now_ms());
    sqlite3_stmt *q = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='created_ms'", -1, &q, NULL) !=
            SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        fail(s, path, "not a lurewatch seen store", err, errlen);
        lw_seen_close(s);
        return LW_EFORMAT;
    }
    s->created_ms = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(s->db, "SELECT first_seen_ms FROM seen WHERE domain=?1", -1, &s->get,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO seen(domain,first_seen_ms) VALUES(?1,?2)",
                           -1, &s->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE seen SET first_seen_ms=?2 WHERE domain=?1", -1, &s->upd,
                           NULL) != SQLITE_OK) {
        fail(s, path, "cannot prepare statements", err, errlen);
        lw_seen_close(s);
        return LW_EFORMAT;
    }
    *out = s;
    return LW_OK;
}

int64_t lw_seen_created(const lw_seen *s)
{
    return s ? s->created_ms : 0;
}

static void commit(lw_seen *s)
{
    if (s->pending) {
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        s->pending = 0;
    }
}

int64_t lw_seen_touch(lw_seen *s, lw_str domain, int64_t when_ms, bool record)
{
    if (!s || domain.n == 0 || domain.n > 255)
        return 0;
    if (when_ms <= 0)
        when_ms = now_ms();
    int64_t first = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_bind_text(s->get, 1, domain.p, (int)domain.n, SQLITE_STATIC);
    if (sqlite3_step(s->get) == SQLITE_ROW)
        first = sqlite3_column_int64(s->get, 0);
    sqlite3_reset(s->get);
    sqlite3_clear_bindings(s->get);
    if (record && (first == 0 || when_ms < first)) {
        if (s->pending == 0)
            sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
        sqlite3_stmt *st = first == 0 ? s->ins : s->upd;
        sqlite3_bind_text(st, 1, domain.p, (int)domain.n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, when_ms);
        if (sqlite3_step(st) == SQLITE_DONE)
            first = when_ms;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (++s->pending >= LW_SEEN_BATCH)
            commit(s);
    }
    pthread_mutex_unlock(&s->mu);
    return first;
}

void lw_seen_close(lw_seen *s)
{
    if (!s)
        return;
    if (s->db) {
        commit(s);
        sqlite3_finalize(s->get);
        sqlite3_finalize(s->ins);
        sqlite3_finalize(s->upd);
        sqlite3_close(s->db);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}
