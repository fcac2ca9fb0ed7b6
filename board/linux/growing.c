#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "board/linux/board_file.h"
#include "common/err.h"
#include "board/linux/growing.h"

struct bb_growing *bb_growing_new(int fd)
{
	struct bb_growing *g = calloc(1, sizeof(*g));

	if (!g) {
		close(fd);
		return NULL;
	}
	if (bb_file_adopt(fd, 0, &g->file)) { /* it closed fd */
		free(g);
		return NULL;
	}
	g->refs = 1;
	return g;
}

struct bb_growing *bb_growing_ref(struct bb_growing *g)
{
	g->refs++;
	return g;
}

void bb_growing_unref(struct bb_growing *g)
{
	if (!g || --g->refs)
		return;
	bb_file_close(g->file);
	free(g);
}

int bb_growing_state(const struct bb_growing *g)
{
	return g->state;
}

uint64_t bb_growing_total(const struct bb_growing *g)
{
	return g->total;
}

struct bb_file *bb_growing_file(struct bb_growing *g)
{
	return g->file;
}

uint64_t bb_growing_sendable(const struct bb_growing *g)
{
	if (g->state == BB_GROWING_DONE)
		return g->total;
	if (g->state < 0 || !g->have)
		return 0;
	/* the last byte waits for the verification */
	return g->total && g->have >= g->total ? g->total - 1 : g->have;
}

void bb_growing_wait(struct bb_growing *g, struct bb_growing_waiter *w)
{
	if (w->queued)
		return;
	w->prev = NULL;
	w->next = g->waiters;
	if (w->next)
		w->next->prev = w;
	g->waiters = w;
	w->queued = true;
}

void bb_growing_unwait(struct bb_growing *g, struct bb_growing_waiter *w)
{
	if (!w->queued)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		g->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->queued = false;
}

void bb_growing_update(struct bb_growing *g, uint64_t have, uint64_t total,
		       int state)
{
	struct bb_growing_waiter *w = g->waiters, *next;

	g->have = have;
	g->total = total;
	g->state = state;
	/* detach the list first: a woken reader may close (freeing its
	 * waiter and dropping its reference) or wait again at once */
	g->waiters = NULL;
	bb_growing_ref(g);
	for (; w; w = next) {
		next = w->next;
		w->prev = w->next = NULL;
		w->queued = false;
		w->wake(w);
	}
	bb_growing_unref(g);
}

struct bb_growing *bb_growing_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? NULL : bb_growing_new(fd);
}

int bb_growing_reopen(struct bb_growing *g, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct bb_file *f;

	if (fd < 0 || bb_file_adopt(fd, 0, &f)) /* adopt closes fd */
		return BB_EIO;
	bb_file_close(g->file);
	g->file = f;
	return 0;
}

uint64_t bb_growing_have(const struct bb_growing *g)
{
	return g->have;
}
