/*
 * SigmaHQ rule set over the engine: how many of rules/windows load (goal >= 98%), the most
 * common rejection reasons, load time, and matcher throughput on the regression samples
 * (evtx_dump JSON decoded with cJSON).  Skips when ../shared/sigma is absent.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "sigma/sigma.h"

#define WIN_RULES  LW_SHARED_DIR "/sigma/rules/windows"
#define REGRESSION LW_SHARED_DIR "/sigma/regression_data"

typedef struct reason_count {
    char reason[160];
    size_t count;
    char example[256];
} reason_count;

typedef struct tally {
    size_t ok, bad;
    reason_count rc[256];
    size_t nrc;
} tally;

/* Group reasons by their text with quoted parts blanked. */
static void on_report(const lw_rule_report *r, void *ud)
{
    tally *t = ud;
    if (r->ok) {
        t->ok++;
        return;
    }
    t->bad++;
    char key[160];
    size_t k = 0;
    bool q = false;
    for (const char *p = r->reason; *p && k + 1 < sizeof(key); p++) {
        if (*p == '\'') {
            q = !q;
            key[k++] = '\'';
            if (q && k + 1 < sizeof(key))
                key[k++] = '_';
            continue;
        }
        if (!q)
            key[k++] = *p;
    }
    key[k] = '\0';
    for (size_t i = 0; i < t->nrc; i++) {
        if (!strcmp(t->rc[i].reason, key)) {
            t->rc[i].count++;
            return;
        }
    }
    if (t->nrc < 256) {
        reason_count *c = &t->rc[t->nrc++];
        snprintf(c->reason, sizeof(c->reason), "%s", key);
        snprintf(c->example, sizeof(c->example), "%s:%llu:%llu: %s", r->path,
                 (unsigned long long)r->line, (unsigned long long)r->column, r->reason);
        c->count = 1;
    }
}

static int cmp_rc(const void *a, const void *b)
{
    const reason_count *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int have_shared(void)
{
    struct stat sb;
    return stat(WIN_RULES, &sb) == 0;
}

static lw_rules *g_rules;

static void test_load_windows(void **state)
{
    (void)state;
    if (!have_shared())
        skip();
    tally *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    assert_int_equal(lw_rules_new(&g_rules), LW_OK);
    double t0 = now_s();
    assert_int_equal(lw_rules_load(g_rules, WIN_RULES, on_report, t), LW_OK);
    assert_int_equal(lw_rules_compile(g_rules), LW_OK);
    double dt = now_s() - t0;
    qsort(t->rc, t->nrc, sizeof(t->rc[0]), cmp_rc);
    printf("sigmahq windows: %zu loaded, %zu rejected (%.2f%% loaded) in %.3f s\n", t->ok, t->bad,
           100.0 * (double)t->ok / (double)(t->ok + t->bad), dt);
    for (size_t i = 0; i < t->nrc && i < 20; i++)
        printf("  %4zu  %s\n        e.g. %s\n", t->rc[i].count, t->rc[i].reason, t->rc[i].example);
    assert_int_equal(lw_rules_count(g_rules), t->ok);
    assert_int_equal(lw_rules_rejected(g_rules), t->bad);
    assert_true((double)t->ok >= 0.98 * (double)(t->ok + t->bad));
    free(t);
}

#ifdef LW_HAVE_CJSON
#include <cjson/cJSON.h>

typedef struct evbuf {
    lw_event *evs;
    char (*ids)[64]; /* expected rule id: the sample file's name */
    size_t n, cap;
} evbuf;

static void add_obj_fields(lw_event *ev, const cJSON *obj, const char *prefix)
{
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        if (!c->string)
            continue;
        if (cJSON_IsObject(c)) {
            /* evtx_dump nests attributes ("#attributes") and text ("#text"). */
            const cJSON *txt = cJSON_GetObjectItemCaseSensitive(c, "#text");
            if (txt && cJSON_IsString(txt))
                lw_event_add_copy(ev, lw_str_c(c->string), lw_str_c(txt->valuestring), 0);
            continue;
        }
        char num[64];
        const char *v = NULL;
        uint32_t flags = 0;
        if (cJSON_IsString(c)) {
            v = c->valuestring;
        } else if (cJSON_IsNumber(c)) {
            snprintf(num, sizeof(num), "%.0f", c->valuedouble);
            v = num;
            flags = LW_FIELD_NUMBER;
        } else if (cJSON_IsBool(c)) {
            v = cJSON_IsTrue(c) ? "true" : "false";
            flags = LW_FIELD_NUMBER;
        } else if (cJSON_IsNull(c)) {
            v = "";
            flags = LW_FIELD_NULL;
        } else {
            continue;
        }
        lw_event_add_copy(ev, lw_str_c(c->string), lw_str_c(v), flags);
    }
    (void)prefix;
}

/* One evtx_dump record -> event: System props + EventData/UserData fields, then the
 * lead's normalizer assigns categories. */
static int json_to_event(const cJSON *root, lw_event *ev)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "Event");
    if (!e)
        return 0;
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(e, "System");
    const cJSON *ed = cJSON_GetObjectItemCaseSensitive(e, "EventData");
    lw_event_init(ev);
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(sys, "Channel");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(sys, "EventID");
    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(sys, "Provider");
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(sys, "Computer");
    if (cJSON_IsObject(id))
        id = cJSON_GetObjectItemCaseSensitive(id, "#text");
    if (ch && cJSON_IsString(ch))
        ev->channel =
            (lw_str){lw_arena_strndup(&ev->arena, ch->valuestring, strlen(ch->valuestring)),
                     strlen(ch->valuestring)};
    if (comp && cJSON_IsString(comp))
        ev->host =
            (lw_str){lw_arena_strndup(&ev->arena, comp->valuestring, strlen(comp->valuestring)),
                     strlen(comp->valuestring)};
    if (id && cJSON_IsNumber(id))
        ev->event_id = (int32_t)id->valuedouble;
    const cJSON *attrs = prov ? cJSON_GetObjectItemCaseSensitive(prov, "#attributes") : NULL;
    const cJSON *pn = attrs ? cJSON_GetObjectItemCaseSensitive(attrs, "Name") : NULL;
    if (pn && cJSON_IsString(pn))
        ev->provider =
            (lw_str){lw_arena_strndup(&ev->arena, pn->valuestring, strlen(pn->valuestring)),
                     strlen(pn->valuestring)};
    ev->product = LW_PRODUCT_WINDOWS;
    add_obj_fields(ev, ed, "");
    const cJSON *ud = cJSON_GetObjectItemCaseSensitive(e, "UserData");
    for (const cJSON *c = ud ? ud->child : NULL; c; c = c->next)
        if (cJSON_IsObject(c))
            add_obj_fields(ev, c, "");
    lw_event_normalize(ev);
    return 1;
}

static void collect_json(const char *dir, evbuf *b, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > 10) {
        if (d)
            closedir(d);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(p, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            collect_json(p, b, depth + 1);
            continue;
        }
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 5, ".json"))
            continue;
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        char *buf = malloc((size_t)sb.st_size + 1);
        size_t got = buf ? fread(buf, 1, (size_t)sb.st_size, f) : 0;
        fclose(f);
        if (!buf)
            continue;
        buf[got] = '\0';
        /* Concatenated JSON values (pretty-printed or one per line). */
        const char *cur = buf, *stop = buf + got;
        while (cur < stop) {
            while (cur < stop && (*cur == ' ' || *cur == '\n' || *cur == '\r' || *cur == '\t'))
                cur++;
            if (cur >= stop)
                break;
            const char *endp = NULL;
            cJSON *root = cJSON_ParseWithLengthOpts(cur, (size_t)(stop - cur), &endp, 0);
            if (!root || !endp || endp <= cur)
                break;
            if (b->n == b->cap) {
                b->cap = b->cap ? b->cap * 2 : 256;
                b->evs = realloc(b->evs, b->cap * sizeof(*b->evs));
                b->ids = realloc(b->ids, b->cap * sizeof(*b->ids));
            }
            if (json_to_event(root, &b->evs[b->n])) {
                snprintf(b->ids[b->n], sizeof(b->ids[0]), "%.*s", (int)(n - 5), de->d_name);
                b->n++;
            }
            cJSON_Delete(root);
            cur = endp;
        }
        free(buf);
    }
    closedir(d);
}

static void count_match(const lw_rule *r, const lw_event *ev, void *ud)
{
    (void)r;
    (void)ev;
    (*(size_t *)ud)++;
}

static void test_throughput(void **state)
{
    (void)state;
    if (!have_shared() || !g_rules)
        skip();
    evbuf b = {0};
    collect_json(REGRESSION, &b, 0);
    printf("regression events: %zu\n", b.n);
    assert_true(b.n > 0);
    lw_matcher *m;
    assert_int_equal(lw_matcher_new(g_rules, &m), LW_OK);
    size_t matches = 0;
    uint64_t evals = 0;
    for (size_t i = 0; i < b.n; i++)
        assert_int_equal(lw_matcher_run(m, &b.evs[i], count_match, &matches, &evals), LW_OK);
    printf("one pass: %zu matches, %llu rule evaluations\n", matches, (unsigned long long)evals);
    size_t rounds = 0;
    double t0 = now_s(), dt;
    do {
        for (size_t i = 0; i < b.n; i++)
            lw_matcher_run(m, &b.evs[i], count_match, &matches, NULL);
        rounds++;
        dt = now_s() - t0;
    } while (dt < 2.0);
    printf("matcher: %.0f events/s (%zu rules, %.1f rule evals/event, 1 thread)\n",
           (double)(rounds * b.n) / dt, lw_rules_count(g_rules), (double)evals / (double)b.n);
    lw_matcher_free(m);
    for (size_t i = 0; i < b.n; i++)
        lw_event_destroy(&b.evs[i]);
    free(b.evs);
    free(b.ids);
}

typedef struct want {
    const char *id;
    int hit;
} want;

static void mark_hit(const lw_rule *r, const lw_event *ev, void *ud)
{
    want *w = ud;
    if (!strcmp(lw_rule_get_meta(r)->id, w->id))
        w->hit = 1;
}

/* Every regression sample must fire the rule it was written for (all three folders). */
static void test_regression_samples(void **state)
{
    (void)state;
    if (!have_shared())
        skip();
    lw_rules *rs;
    tally *t = calloc(1, sizeof(*t));
    assert_int_equal(lw_rules_new(&rs), LW_OK);
    assert_int_equal(lw_rules_load(rs, LW_SHARED_DIR "/sigma/rules", on_report, t), LW_OK);
    assert_int_equal(lw_rules_load(rs, LW_SHARED_DIR "/sigma/rules-emerging-threats", on_report, t),
                     LW_OK);
    assert_int_equal(lw_rules_load(rs, LW_SHARED_DIR "/sigma/rules-threat-hunting", on_report, t),
                     LW_OK);
    assert_int_equal(lw_rules_compile(rs), LW_OK);
    printf("all SigmaHQ folders: %zu loaded, %zu rejected\n", t->ok, t->bad);
    evbuf b = {0};
    collect_json(REGRESSION, &b, 0);
    lw_matcher *m;
    assert_int_equal(lw_matcher_new(rs, &m), LW_OK);
    /* A sample file passes when at least one of its events fires its rule. */
    size_t files = 0, failed = 0;
    for (size_t i = 0; i < b.n;) {
        size_t j = i;
        want w = {b.ids[i], 0};
        while (j < b.n && !strcmp(b.ids[j], b.ids[i]))
            lw_matcher_run(m, &b.evs[j++], mark_hit, &w, NULL);
        files++;
        if (!w.hit) {
            failed++;
            printf("  no match: rule %s (%s)\n", b.ids[i], lw_event_channel(&b.evs[i]).p ? "" : "");
        }
        i = j;
    }
    printf("regression samples: %zu of %zu files fire their rule\n", files - failed, files);
    lw_matcher_free(m);
    for (size_t i = 0; i < b.n; i++)
        lw_event_destroy(&b.evs[i]);
    free(b.evs);
    free(b.ids);
    lw_rules_free(rs);
    free(t);
}
#else
static void test_throughput(void **state)
{
    (void)state;
    skip();
}
static void test_regression_samples(void **state)
{
    (void)state;
    skip();
}
#endif

static int teardown(void **state)
{
    (void)state;
    lw_rules_free(g_rules);
    g_rules = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_windows),
        cmocka_unit_test(test_throughput),
        cmocka_unit_test(test_regression_samples),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
