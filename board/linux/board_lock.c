/* board/board.h's locks on Linux: a pthread mutex each. */
#include <pthread.h>
#include <stdlib.h>

#include "board/board.h"

struct bb_lock {
	pthread_mutex_t mu;
};

struct bb_lock *bb_lock_new(void)
{
	struct bb_lock *k = malloc(sizeof(*k));

	if (k && pthread_mutex_init(&k->mu, NULL)) {
		free(k);
		return NULL;
	}
	return k;
}

void bb_lock_free(struct bb_lock *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->mu);
	free(k);
}

void bb_lock_take(struct bb_lock *k)
{
	if (k)
		pthread_mutex_lock(&k->mu);
}

void bb_lock_give(struct bb_lock *k)
{
	if (k)
		pthread_mutex_unlock(&k->mu);
}
