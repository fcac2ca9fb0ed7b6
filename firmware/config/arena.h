/* A bump allocator for data that lives and dies together (a loaded config):
 * one free releases everything. Allocation failure returns NULL. */
#ifndef BB_ARENA_H
#define BB_ARENA_H

#include <stddef.h>

struct bb_arena;

struct bb_arena *bb_arena_new(void);
void bb_arena_free(struct bb_arena *a);
void *bb_arena_alloc(struct bb_arena *a, size_t n); /* zeroed, aligned */
char *bb_arena_strndup(struct bb_arena *a, const char *s, size_t n);
char *bb_arena_strdup(struct bb_arena *a, const char *s);

#endif
