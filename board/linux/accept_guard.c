#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "board/linux/accept_guard.h"

static void resume(struct bb_loop *loop, void *arg)
{
	struct bb_accept_guard *g = arg;

	bb_loop_mod_fd(loop, g->lfd, BB_EV_READ);
}

void bb_accept_guard_init(struct bb_accept_guard *g, struct bb_loop *loop,
			  int lfd)
{
	g->loop = loop;
	g->lfd = lfd;
	g->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	g->exhausted = 0;
	bb_timer_init(&g->backoff, resume, g);
}

void bb_accept_guard_free(struct bb_accept_guard *g)
{
	bb_timer_cancel(g->loop, &g->backoff);
	if (g->reserve >= 0)
		close(g->reserve);
	g->reserve = -1;
}

int bb_accept_guard_accept(struct bb_accept_guard *g, struct sockaddr_in *sa)
{
	socklen_t sl = sizeof(*sa);
	int fd = accept4(g->lfd, (struct sockaddr *)sa, &sl,
			 SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd >= 0 || (errno != EMFILE && errno != ENFILE))
		return fd;
	g->exhausted++;
	if (g->reserve >= 0) {
		close(g->reserve);
		fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
		g->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	bb_loop_mod_fd(g->loop, g->lfd, 0);
	bb_timer_arm(g->loop, &g->backoff, BB_ACCEPT_BACKOFF_MS);
	errno = EMFILE;
	return -1;
}

unsigned long bb_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	return rl.rlim_cur == RLIM_INFINITY ? 1ul << 20
					    : (unsigned long)rl.rlim_cur;
}

unsigned long bb_fd_limit_raise(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return bb_fd_limit();
}
