/* bootbox serve: load the config (refuse to start on any error), start every
 * configured service on one event loop, reload on SIGHUP (a bad new config is
 * refused and the old one keeps serving), stop cleanly on SIGTERM/SIGINT.
 * Tells systemd READY=1 when NOTIFY_SOCKET is set (Type=notify). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "board/linux/fsutil.h"
#include "board/linux/state_lock.h"
#include "board/linux/accept_guard.h"
#include "board/linux/trim.h"
#include "common/err.h"
#include "firmware/serve/api_token.h"
#include "firmware/cmd/cli.h"
#include "firmware/serve/log.h"
#include "firmware/cmd/privdrop.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_cache.h"
#include "firmware/serve/serve_handoff.h"
#include "firmware/serve/serve_ifup.h"

static void sd_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (!path || !path[0] || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0; /* abstract namespace */
	len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

static void reload(struct bb_serve *s)
{
	struct bb_config *next = bb_serve_reload_begin(s);

	if (next)
		bb_serve_reload_apply(s, next);
}

static void on_signal(struct bb_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct bb_serve *s = arg;
	struct signalfd_siginfo si;

	(void)ev;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			sd_notify("RELOADING=1");
			reload(s);
			sd_notify("READY=1");
		} else {
			bb_info("signal %u: stopping", si.ssi_signo);
			sd_notify("STOPPING=1");
			bb_loop_stop(loop);
		}
	}
}

/* One instance per state dir: two would interleave one lease journal. */
static int lock_state(const struct bb_config *cfg)
{
	long pid;
	int fd = bb_state_lock(cfg->appliance.state_dir, &pid);

	if (fd == BB_EEXIST)
		bb_err("not starting: %s is in use by another bootbox (PID "
		       "%ld)",
		       cfg->appliance.state_dir, pid);
	else if (fd < 0)
		bb_err("not starting: cannot lock %s/bootbox.lock: %s",
		       cfg->appliance.state_dir, strerror(errno));
	return fd;
}

/* Made before the privilege drop, so that it is the appliance user's. */
static int api_token(const struct bb_config *cfg)
{
	char tok[BB_API_TOKEN_LEN + 1];
	int rc;

	if (bb_mkdirs(cfg->appliance.state_dir, 0755) ||
	    (rc = bb_api_token_load(cfg->appliance.state_dir, true, tok))) {
		bb_err("cannot read or create %s/api.token",
		       cfg->appliance.state_dir);
		return BB_EIO;
	}
	bb_api_token_set(tok);
	return 0;
}

int bb_cmd_serve(int argc, char **argv)
{
	struct bb_serve s = {0};
	struct bb_loop *loop = NULL;
	struct bb_cli_opts o;
	sigset_t mask;
	int sfd = -1, lock = -1, rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help) {
		printf("usage: bootbox serve [-c FILE]\n"
		       "Runs the appliance in the foreground, logging to "
		       "stderr.\nSIGHUP reloads the configuration, SIGTERM "
		       "stops.\n\nEnvironment:\n"
		       "  BOOTBOX_LOG=error|warn|info|debug  least severe "
		       "level logged (default info;\n"
		       "                                    any other value is "
		       "an error)\n"
		       "  BOOTBOX_NO_ACCESS_LOG=1            no line per HTTP "
		       "request\n"
		       "  JOURNAL_STREAM                     set by systemd: "
		       "<N> priority prefixes,\n"
		       "                                    no timestamps\n"
		       "  NOTIFY_SOCKET                      set by systemd: "
		       "READY=1, RELOADING=1\n");
		return 0;
	}
	if ((rc = bb_serve_load("bootbox", o.config, &s.cfg)))
		return rc;
	if ((lock = lock_state(s.cfg)) < 0) {
		bb_config_free(s.cfg);
		return 1;
	}
	bb_fd_limit_raise(); /* before anything sizes itself to it */
	loop = bb_loop_new();
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!loop || sfd < 0 ||
	    bb_loop_add_fd(loop, sfd, BB_EV_READ, on_signal, &s)) {
		bb_err("cannot set up the event loop: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	s.started = bb_wall_now();
	bb_serve_ifup(s.cfg);
	if (api_token(s.cfg) || bb_serve_start_all(&s)) {
		bb_err("not starting: a service failed to start");
		rc = 1;
		goto out_stop;
	}
	/* every socket is bound: root is not needed any more; the lanes'
	 * threads start without it */
	if (bb_privdrop(s.cfg)) {
		rc = 1;
		goto out_stop;
	}
	if (bb_lanes_go()) {
		bb_err("cannot start the DHCP lane: %s", bb_board_errmsg());
		rc = 1;
		goto out_stop;
	}
	bb_info("bootbox %s serving as '%s'", BB_VERSION,
		s.cfg->appliance.name ? s.cfg->appliance.name : "bootbox");
	sd_notify("READY=1");
	bb_trim_code_pages();
	rc = bb_loop_run(loop) ? 1 : 0;
out_stop:
	bb_serve_stop_all(&s);
out:
	if (sfd >= 0)
		close(sfd);
	bb_loop_free(loop);
	bb_config_free(s.cfg);
	close(lock);
	return rc;
}
