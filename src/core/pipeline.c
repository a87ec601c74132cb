/* Decode thread: see pipeline.h. */
#include "pipeline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NO_EVENT UINT32_MAX
/* Event memory a batch slot keeps between records; a slot that held a bigger record gives
 * its memory back before the next one. */
#define SLOT_KEEP_BYTES  (256u * 1024)
#define SLOT_KEEP_FIELDS 1024u
#define SLOT_ARENA_BLOCK (16u * 1024)
#define FIRST_ITEMS      (LW_PIPE_BATCH_EVENTS + 16)
#define NOTE_ARENA_BLOCK (8u * 1024)

typedef struct item {
    uint32_t ev; /* index into the batch's events, or NO_EVENT for a note */
    lw_pipe_note note;
} item;

typedef struct batch {
    lw_event ev[LW_PIPE_BATCH_EVENTS];
    uint32_t nev;
    item *items;
    size_t nitems, capitems;
    lw_arena notes; /* note messages */
    size_t bytes;   /* event bytes copied into the batch */
    lw_status end;  /* LW_OK: more batches follow; else how decoding ended */
} batch;

struct lw_pipeline {
    bool running; /* a decode thread is started (and not yet joined) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t ready, freed;
    uint64_t produced, consumed; /* batches handed over / given back (under mu) */
    atomic_bool cancel;
    batch b[LW_PIPE_BATCHES];
    /* Decode thread only. */
    lw_input *in;
    const lw_decoder *dec;
    const char *path;
    batch *fill;
    bool note_oom; /* a note could not be queued: decoding stops with LW_ENOMEM */
    /* Hunting thread only. */
    batch *read;
    size_t read_pos;
};

static bool push_item(batch *b, item it)
{
    if (b->nitems == b->capitems) {
        item *ni = lw_grow(b->items, &b->capitems, sizeof *ni, FIRST_ITEMS);
        if (!ni)
            return false;
        b->items = ni;
    }
    b->items[b->nitems++] = it;
    return true;
}

/* in->defer: runs on the decode thread, inside dec->next. */
static void defer_note(void *ud, lw_input_note_kind kind, uint64_t line, uint64_t col,
                       const char *reason, const char *msg)
{
    lw_pipeline *p = ud;
    batch *b = p->fill;
    size_t n = strlen(msg);
    char *m = lw_arena_strndup(&b->notes, msg, n);
    b->bytes += n + sizeof(item); /* notes count toward the batch's memory bound */
    if (!m || !push_item(b, (item){NO_EVENT, {kind, line, col, reason, m}}))
        p->note_oom = true;
}

static lw_status own_str(lw_event *ev, lw_str *s, size_t *bytes)
{
    if (!s->n || !s->p || lw_arena_owns(&ev->arena, s->p))
        return LW_OK;
    char *c = lw_arena_strndup(&ev->arena, s->p, s->n);
    if (!c)
        return LW_ENOMEM;
    s->p = c;
    *bytes += s->n;
    return LW_OK;
}

/* Copy every string of ev that points outside its arena (into the reader window the
 * decoder will reuse) into the arena. */
static lw_status own_event(lw_event *ev, size_t *bytes)
{
    if (own_str(ev, &ev->host, bytes) || own_str(ev, &ev->channel, bytes) ||
        own_str(ev, &ev->provider, bytes))
        return LW_ENOMEM;
    for (uint32_t i = 0; i < ev->nfields; i++)
        if (own_str(ev, &ev->fields[i].name, bytes) || own_str(ev, &ev->fields[i].value, bytes))
            return LW_ENOMEM;
    *bytes += sizeof(lw_event) + (size_t)ev->nfields * sizeof(lw_field);
    return LW_OK;
}

/* Give a slot's memory back when the last record it held was large. */
static void trim_slot(lw_event *ev)
{
    if (ev->arena.total > SLOT_KEEP_BYTES)
        lw_arena_free(&ev->arena);
    if (ev->cap > SLOT_KEEP_FIELDS) {
        free(ev->fields);
        ev->fields = NULL;
        ev->nfields = ev->cap = 0;
    }
}

static void fill_batch(lw_pipeline *p, batch *b)
{
    b->nev = 0;
    b->nitems = 0;
    b->bytes = 0;
    b->end = LW_OK;
    lw_arena_reset(&b->notes);
    p->fill = b;
    while (b->nev < LW_PIPE_BATCH_EVENTS && b->nitems < LW_PIPE_BATCH_ITEMS &&
           b->bytes < LW_PIPE_BATCH_BYTES) {
        if (atomic_load_explicit(&p->cancel, memory_order_relaxed)) {
            b->end = LW_EOF; /* nobody reads it */
            return;
        }
        lw_event *ev = &b->ev[b->nev];
        trim_slot(ev);
        lw_event_reset(ev);
        ev->src_path = p->path;
        lw_status st = p->dec->next(p->in, ev);
        if (p->note_oom) {
            b->end = LW_ENOMEM;
            return;
        }
        if (st == LW_EFORMAT)
            continue; /* its note is queued */
        if (st != LW_OK) {
            b->end = st;
            return;
        }
        if (own_event(ev, &b->bytes) || !push_item(b, (item){b->nev, {0}})) {
            b->end = LW_ENOMEM;
            return;
        }
        b->nev++;
    }
}

static void *decode_main(void *arg)
{
    lw_pipeline *p = arg;
    for (uint64_t k = 0;; k++) {
        pthread_mutex_lock(&p->mu);
        while (k - p->consumed >= LW_PIPE_BATCHES && !atomic_load(&p->cancel))
            pthread_cond_wait(&p->freed, &p->mu);
        pthread_mutex_unlock(&p->mu);
        if (atomic_load(&p->cancel))
            return NULL;
        batch *b = &p->b[k % LW_PIPE_BATCHES];
        fill_batch(p, b);
        pthread_mutex_lock(&p->mu);
        p->produced = k + 1;
        pthread_cond_signal(&p->ready);
        pthread_mutex_unlock(&p->mu);
        if (b->end != LW_OK)
            return NULL;
    }
}

static void free_batches(lw_pipeline *p)
{
    for (unsigned i = 0; i < LW_PIPE_BATCHES; i++) {
        batch *b = &p->b[i];
        for (unsigned k = 0; k < LW_PIPE_BATCH_EVENTS; k++)
            lw_event_destroy(&b->ev[k]);
        free(b->items);
        lw_arena_free(&b->notes);
    }
}

/* A pipeline's batch memory and its lock live as long as the hunt: one thread after
 * another uses them, an input at a time. */
static lw_pipeline *pipeline_new(void)
{
    lw_pipeline *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    if (pthread_mutex_init(&p->mu, NULL))
        goto no_mutex;
    if (pthread_cond_init(&p->ready, NULL))
        goto no_ready;
    if (pthread_cond_init(&p->freed, NULL))
        goto no_freed;
    for (unsigned i = 0; i < LW_PIPE_BATCHES; i++) {
        for (unsigned k = 0; k < LW_PIPE_BATCH_EVENTS; k++) {
            lw_event_init(&p->b[i].ev[k]);
            lw_arena_init(&p->b[i].ev[k].arena, SLOT_ARENA_BLOCK);
        }
        lw_arena_init(&p->b[i].notes, NOTE_ARENA_BLOCK);
    }
    return p;
no_freed:
    pthread_cond_destroy(&p->ready);
no_ready:
    pthread_mutex_destroy(&p->mu);
no_mutex:
    free(p);
    return NULL;
}

lw_status lw_pipeline_start(lw_pipeline **pp, lw_input *in, const lw_decoder *dec, const char *path)
{
    lw_pipeline *p = *pp;
    if (!p && !(p = *pp = pipeline_new()))
        return LW_ENOMEM;
    if (p->running)
        return LW_EINVAL;
    p->in = in;
    p->dec = dec;
    p->path = path;
    p->produced = p->consumed = 0;
    p->fill = p->read = NULL;
    p->read_pos = 0;
    p->note_oom = false;
    atomic_store(&p->cancel, false);
    in->defer = defer_note;
    in->defer_ud = p;
    if (pthread_create(&p->thread, NULL, decode_main, p) != 0) {
        in->defer = NULL;
        in->defer_ud = NULL;
        return LW_EIO;
    }
    p->running = true;
    return LW_OK;
}

lw_status lw_pipeline_next(lw_pipeline *p, lw_event **ev, const lw_pipe_note **note)
{
    *ev = NULL;
    *note = NULL;
    for (;;) {
        if (!p->read) {
            pthread_mutex_lock(&p->mu);
            while (p->produced == p->consumed)
                pthread_cond_wait(&p->ready, &p->mu);
            p->read = &p->b[p->consumed % LW_PIPE_BATCHES];
            pthread_mutex_unlock(&p->mu);
            p->read_pos = 0;
        }
        batch *b = p->read;
        if (p->read_pos < b->nitems) {
            item *it = &b->items[p->read_pos++];
            if (it->ev == NO_EVENT)
                *note = &it->note;
            else
                *ev = &b->ev[it->ev];
            return LW_OK;
        }
        if (b->end != LW_OK)
            return b->end; /* the last batch: stay on it */
        pthread_mutex_lock(&p->mu);
        p->consumed++;
        pthread_cond_signal(&p->freed);
        pthread_mutex_unlock(&p->mu);
        p->read = NULL;
    }
}

void lw_pipeline_stop(lw_pipeline *p)
{
    if (!p || !p->running)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->cancel, true);
    pthread_cond_broadcast(&p->freed);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->running = false;
    p->in->defer = NULL;
    p->in->defer_ud = NULL;
}

void lw_pipeline_free(lw_pipeline *p)
{
    if (!p)
        return;
    lw_pipeline_stop(p);
    free_batches(p);
    pthread_cond_destroy(&p->freed);
    pthread_cond_destroy(&p->ready);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
