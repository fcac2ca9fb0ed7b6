/* board.h's child processes on Linux: fork and exec, then the child's
 * pidfd on the loop tells when it ends, so neither a slow hook nor a
 * renewal waiting on the PKI ever holds the loop. Where pidfd_open is
 * refused (an old kernel, a seccomp profile) a timer asks instead. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board/board.h"
#include "board/linux/loop.h"
#include "common/err.h"

#define POLL_MS 200

struct bb_spawn {
	pid_t pid;
	int pidfd; /* -1: polled by the timer */
	struct bb_timer poll;
	bb_spawn_fn done;
	void *arg;
};

static void forget(struct bb_spawn *p)
{
	struct bb_loop *loop = bb_loop_board();

	if (p->pidfd >= 0) {
		bb_loop_del_fd(loop, p->pidfd);
		close(p->pidfd);
	}
	bb_timer_cancel(loop, &p->poll);
	free(p);
}

/* True once it has ended and been reaped. */
static bool reap(struct bb_spawn *p)
{
	int st = 0;
	pid_t r = waitpid(p->pid, &st, WNOHANG);
	bb_spawn_fn done = p->done;
	void *arg = p->arg;

	if (r == 0 || (r < 0 && errno == EINTR))
		return false;
	/* r < 0 (ECHILD): someone else reaped it; nothing more to learn */
	st = r < 0	       ? 128
	     : WIFEXITED(st)   ? WEXITSTATUS(st)
	     : WIFSIGNALED(st) ? 128 + WTERMSIG(st)
			       : 128;
	forget(p);
	if (done)
		done(arg, st);
	return true;
}

static void on_pidfd(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	(void)loop;
	(void)fd;
	(void)ev;
	reap(arg);
}

static void on_poll(struct bb_loop *loop, void *arg)
{
	struct bb_spawn *p = arg;

	if (!reap(p))
		bb_timer_arm(loop, &p->poll, POLL_MS);
}

static void child(const char *path, const char *const *argv,
		  const char *const *env)
{
	sigset_t all;
	size_t i;

	/* serve blocks its signals for the signalfd: not the child's */
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	for (i = 0; env && env[i]; i++)
		if (putenv((char *)env[i]))
			_exit(127);
	execv(path ? path : "/proc/self/exe", (char *const *)argv);
	_exit(127);
}

int bb_spawn(const char *path, const char *const *argv, const char *const *env,
	     bb_spawn_fn done, void *arg, struct bb_spawn **out)
{
	struct bb_loop *loop = bb_loop_board();
	struct bb_spawn *p = calloc(1, sizeof(*p));

	if (out)
		*out = NULL;
	if (!p)
		return bb_board_fail(BB_ENOMEM, "out of memory");
	p->done = done;
	p->arg = arg;
	p->pidfd = -1;
	bb_timer_init(&p->poll, on_poll, p);
	p->pid = fork();
	if (p->pid < 0) {
		free(p);
		return bb_board_fail(BB_EIO, "fork: %s", strerror(errno));
	}
	if (p->pid == 0)
		child(path, argv, env);
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd >= 0 &&
	    bb_loop_add_fd(loop, p->pidfd, BB_EV_READ, on_pidfd, p)) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	if (p->pidfd < 0)
		bb_timer_arm(loop, &p->poll, POLL_MS);
	if (out)
		*out = p;
	return 0;
}

void bb_spawn_stop(struct bb_spawn *p)
{
	int st;

	if (!p)
		return;
	kill(p->pid, SIGTERM);
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	forget(p);
}
