/* accept4(2) that survives running out of file descriptors. On EMFILE or
 * ENFILE a listening socket stays readable under level-triggered epoll and
 * the loop would spin at 100% while nobody is served: the guard gives up a
 * reserved fd to accept the waiting client and close it at once (it sees a
 * close, not a hang), takes the reserve back, and stops polling the
 * listener for a short while. */
#ifndef BB_LINUX_ACCEPT_GUARD_H
#define BB_LINUX_ACCEPT_GUARD_H

#include <netinet/in.h>
#include <stdint.h>

#include "board/linux/loop.h"

#define BB_ACCEPT_BACKOFF_MS 100

struct bb_accept_guard {
	struct bb_loop *loop;
	int lfd;
	int reserve; /* -1 when it could not be (re)opened */
	struct bb_timer backoff;
	uint64_t exhausted; /* times fds ran out */
};

void bb_accept_guard_init(struct bb_accept_guard *g, struct bb_loop *loop,
			  int lfd);
void bb_accept_guard_free(struct bb_accept_guard *g);
/* A non-blocking, close-on-exec fd, or -1 (nothing waiting, or no fds:
 * then the listener is paused for BB_ACCEPT_BACKOFF_MS). */
int bb_accept_guard_accept(struct bb_accept_guard *g, struct sockaddr_in *sa);

/* Raises the soft RLIMIT_NOFILE to the hard one (once, at start: the
 * usual soft 1024 is below what the default limits need) and returns the
 * soft limit now in force. */
unsigned long bb_fd_limit_raise(void);
/* The soft limit in force. */
unsigned long bb_fd_limit(void);

#endif
