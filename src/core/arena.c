#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct lw_arena_block {
    lw_arena_block *prev;
    size_t size; /* usable bytes in data */
    size_t used;
    _Alignas(16) unsigned char data[];
};

void lw_arena_init(lw_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->total = 0;
}

void *lw_arena_alloc(lw_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t need = (n + 15) & ~(size_t)15;
    if (need == 0)
        need = 16;
    lw_arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t sz = a->block_size;
        if (sz < need)
            sz = need;
        b = malloc(sizeof(*b) + sz);
        if (!b)
            return NULL;
        b->prev = a->head;
        b->size = sz;
        b->used = 0;
        a->head = b;
        a->total += sz;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

char *lw_arena_strndup(lw_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = lw_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

bool lw_arena_owns(const lw_arena *a, const void *p)
{
    uintptr_t u = (uintptr_t)p;
    for (const lw_arena_block *b = a->head; b; b = b->prev)
        if (u >= (uintptr_t)b->data && u < (uintptr_t)b->data + b->used)
            return true;
    return false;
}

void lw_arena_reset(lw_arena *a)
{
    lw_arena_block *b = a->head;
    if (!b)
        return;
    lw_arena_block *p = b->prev;
    while (p) {
        lw_arena_block *q = p->prev;
        a->total -= p->size;
        free(p);
        p = q;
    }
    b->prev = NULL;
    b->used = 0;
}

void lw_arena_free(lw_arena *a)
{
    lw_arena_block *b = a->head;
    while (b) {
        lw_arena_block *q = b->prev;
        free(b);
        b = q;
    }
    a->head = NULL;
    a->total = 0;
}
