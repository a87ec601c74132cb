/*
 * libyaml event stream -> lw_ynode tree (see yaml-tree.h for the contract and limits).
 */
#include "yaml-tree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* One open collection while its children are being read; kids grow with realloc and are
 * copied into the arena when the collection closes. */
typedef struct yframe {
    lw_ynode *node;
    lw_ynode **kids;
    size_t n, cap;
} yframe;

typedef struct ystate {
    lw_arena *a;
    yframe stack[LW_YAML_MAX_DEPTH + 1];
    int depth;
    size_t nodes;
    lw_ynode *root;
} ystate;

static void yerr_set(lw_yerr *err, int doc, uint64_t line, uint64_t col, const char *msg)
{
    err->doc_index = doc;
    err->line = line;
    err->column = col;
    lw_fmt(err->msg, sizeof(err->msg), "%s", msg);
}

static void drop_frames(ystate *st)
{
    for (int i = 0; i < st->depth; i++)
        free(st->stack[i].kids);
    st->depth = 0;
}

/* Attach node to the open collection (or make it the document root). */
static lw_status attach(ystate *st, lw_ynode *node)
{
    if (st->depth == 0) {
        st->root = node;
        return LW_OK;
    }
    yframe *f = &st->stack[st->depth - 1];
    if (f->n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 8;
        lw_ynode **nk = realloc(f->kids, ncap * sizeof(*nk));
        if (!nk)
            return LW_ENOMEM;
        f->kids = nk;
        f->cap = ncap;
    }
    f->kids[f->n++] = node;
    return LW_OK;
}

static lw_ynode *new_node(ystate *st, lw_ytype t, const yaml_mark_t *mark)
{
    lw_ynode *n = lw_arena_alloc(st->a, sizeof(*n));
    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->type = (uint8_t)t;
    n->line = (uint64_t)mark->line + 1;
    n->col = (uint64_t)mark->column + 1;
    return n;
}

lw_status lw_yaml_parse(const char *buf, size_t n, lw_arena *a, lw_ydoc_fn fn, void *ud,
                        lw_yerr *err)
{
    yaml_parser_t p;
    yaml_event_t ev;
    ystate st;
    lw_status rc = LW_OK;
    int doc = -1;
    bool done = false;

    memset(&st, 0, sizeof(st));
    st.a = a;
    if (n > LW_YAML_MAX_FILE) {
        yerr_set(err, 0, 0, 0, "file larger than the 8 MiB rule file limit");
        return LW_ELIMIT;
    }
    if (!yaml_parser_initialize(&p))
        return LW_ENOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, n);

    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            char msg[256];
            if (p.error == YAML_MEMORY_ERROR) {
                rc = LW_ENOMEM;
                break;
            }
            lw_fmt(msg, sizeof(msg), "YAML syntax error: %s%s%s",
                   p.problem ? p.problem : "invalid YAML", p.context ? " " : "",
                   p.context ? p.context : "");
            yerr_set(err, doc < 0 ? 0 : doc, (uint64_t)p.problem_mark.line + 1,
                     (uint64_t)p.problem_mark.column + 1, msg);
            rc = LW_EFORMAT;
            break;
        }
        lw_ynode *node = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            doc++;
            st.root = NULL;
            st.nodes = 0;
            break;
        case YAML_DOCUMENT_END_EVENT:
            rc = fn(doc, st.root, ud);
            if (rc != LW_OK)
                done = true;
            break;
        case YAML_ALIAS_EVENT:
            yerr_set(err, doc, (uint64_t)ev.start_mark.line + 1, (uint64_t)ev.start_mark.column + 1,
                     "YAML aliases (*name) are not supported in rules");
            rc = LW_EFORMAT;
            done = true;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++st.nodes > LW_YAML_MAX_NODES) {
                yerr_set(err, doc, (uint64_t)ev.start_mark.line + 1,
                         (uint64_t)ev.start_mark.column + 1,
                         "YAML document has too many nodes (limit 200000)");
                rc = LW_ELIMIT;
                done = true;
                break;
            }
            if (ev.type == YAML_SCALAR_EVENT) {
                node = new_node(&st, LW_Y_SCALAR, &ev.start_mark);
                char *s = node ? lw_arena_strndup(a, (const char *)ev.data.scalar.value,
                                                  ev.data.scalar.length)
                               : NULL;
                if (!s) {
                    rc = LW_ENOMEM;
                    done = true;
                    break;
                }
                node->s = s;
                node->n = ev.data.scalar.length;
                node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                if ((rc = attach(&st, node)) != LW_OK)
                    done = true;
                break;
            }
            if (st.depth >= LW_YAML_MAX_DEPTH) {
                yerr_set(err, doc, (uint64_t)ev.start_mark.line + 1,
                         (uint64_t)ev.start_mark.column + 1, "YAML nesting deeper than 64 levels");
                rc = LW_ELIMIT;
                done = true;
                break;
            }
            node = new_node(&st, ev.type == YAML_SEQUENCE_START_EVENT ? LW_Y_SEQ : LW_Y_MAP,
                            &ev.start_mark);
            if (!node) {
                rc = LW_ENOMEM;
                done = true;
                break;
            }
            st.stack[st.depth++] = (yframe){node, NULL, 0, 0};
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            if (st.depth == 0)
                break; /* libyaml guarantees balance; be defensive anyway */
            yframe *f = &st.stack[st.depth - 1];
            node = f->node;
            if (f->n) {
                node->kids = lw_arena_alloc(a, f->n * sizeof(*node->kids));
                if (!node->kids) {
                    rc = LW_ENOMEM;
                    done = true;
                    break;
                }
                memcpy(node->kids, f->kids, f->n * sizeof(*node->kids));
            }
            node->nkids = f->n;
            free(f->kids);
            st.depth--;
            if ((rc = attach(&st, node)) != LW_OK)
                done = true;
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    drop_frames(&st);
    yaml_parser_delete(&p);
    return rc;
}

const lw_ynode *lw_ymap_key(const lw_ynode *map, const char *key)
{
    if (!map || map->type != LW_Y_MAP)
        return NULL;
    const lw_ynode *found = NULL;
    size_t kn = strlen(key);
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const lw_ynode *k = map->kids[i];
        if (k->type == LW_Y_SCALAR && k->n == kn && memcmp(k->s, key, kn) == 0)
            found = k;
    }
    return found;
}

const lw_ynode *lw_ymap_get(const lw_ynode *map, const char *key)
{
    if (!map || map->type != LW_Y_MAP)
        return NULL;
    const lw_ynode *found = NULL;
    size_t kn = strlen(key);
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const lw_ynode *k = map->kids[i];
        if (k->type == LW_Y_SCALAR && k->n == kn && memcmp(k->s, key, kn) == 0)
            found = map->kids[i + 1];
    }
    return found;
}

bool lw_ynode_is_null(const lw_ynode *n)
{
    if (!n)
        return true;
    if (n->type != LW_Y_SCALAR || !n->plain)
        return false;
    lw_str s = lw_ynode_str(n);
    return s.n == 0 || lw_str_eq_c(s, "~") || lw_str_eq_c(s, "null") || lw_str_eq_c(s, "Null") ||
           lw_str_eq_c(s, "NULL");
}
