#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/config/arena.h"

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct bb_arena {
	struct chunk *head;
};

struct bb_arena *bb_arena_new(void)
{
	return calloc(1, sizeof(struct bb_arena));
}

void bb_arena_free(struct bb_arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *bb_arena_alloc(struct bb_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct chunk *c = a->head;
	void *p;

	n = (n + align - 1) / align * align;
	if (!n)
		n = align;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 16384 ? n : 16384;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *bb_arena_strndup(struct bb_arena *a, const char *s, size_t n)
{
	char *p = bb_arena_alloc(a, n + 1);

	if (p)
		memcpy(p, s, n);
	return p;
}

char *bb_arena_strdup(struct bb_arena *a, const char *s)
{
	return bb_arena_strndup(a, s, strlen(s));
}
