/* bootbox-lwip: the appliance on lwIP over a TAP device. `serve -c F`
 * loads the same configuration as bootbox, owns appliance.interface (a
 * TAP) with lwIP at appliance.address, and serves DHCP, TFTP and HTTP
 * there, with the Talos artifact cache filled over lwIP; the host needs
 * no address on that segment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/lwip/board_lwip.h"
#include "board/lwip/malloc_count.h"
#include "board/lwip/serve_lwip.h"
#include "board/lwip/tapif.h"
#include "common/err.h"
#include "common/parse.h"
#include "firmware/config/cli_opts.h"
#include "firmware/config/version.h"
#include "firmware/serve/log.h"
#include "firmware/serve/serve_cache.h"
#include "firmware/serve/serve_handoff.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/stats.h"

static struct netif the_netif;

/* The prefix of the subnet that holds our address (/24 when none does). */
static uint8_t our_prefix(const struct bb_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->dhcp.nsubnets; i++) {
		const struct bb_cfg_subnet *sn = &cfg->dhcp.subnets[i];
		uint32_t m = sn->prefix ? 0xffffffffu << (32 - sn->prefix) : 0;

		if ((cfg->appliance.address & m) == (sn->net & m))
			return sn->prefix;
	}
	return 24;
}

/* The peaks since start, and how often lwIP found its heap or a pool
 * empty (err: an allocation that failed) */
static void print_stats(void)
{
	size_t now, peak;

#if LWIP_STATS
	int i;

	bb_info("lwip: heap used max %u of %u bytes, err %u",
		(unsigned)lwip_stats.mem.max, (unsigned)lwip_stats.mem.avail,
		(unsigned)lwip_stats.mem.err);
	for (i = 0; i < MEMP_MAX; i++)
		if (lwip_stats.memp[i] &&
		    (lwip_stats.memp[i]->max || lwip_stats.memp[i]->err))
			bb_info("lwip: pool %s used max %u of %u, err %u",
				lwip_stats.memp[i]->name,
				(unsigned)lwip_stats.memp[i]->max,
				(unsigned)lwip_stats.memp[i]->avail,
				(unsigned)lwip_stats.memp[i]->err);
#endif
	if (bb_lwip_malloc_count(&now, &peak))
		bb_info("lwip: malloc held %zu, max %zu bytes", now, peak);
	else
		bb_info("lwip: malloc not counted in this build");
}

/* SIGHUP: every service takes the new configuration or keeps the old;
 * what the lwIP board has no service for stays off. The TAP, the
 * address and the lease journal are set at start. */
static void reload(void *arg)
{
	struct bb_serve *s = arg;
	struct bb_config *next = bb_serve_reload_begin(s);

	if (!next)
		return;
	if (strcmp(next->appliance.interface, s->cfg->appliance.interface) ||
	    next->appliance.address != s->cfg->appliance.address)
		bb_warn("a new appliance.interface or address takes effect at "
			"the next start");
	bb_serve_reload_apply(s, next);
}

static int serve(int argc, char **argv)
{
	struct bb_serve s = {0};
	struct bb_cli_opts o;
	char ip[16];
	int rc;

	if ((rc = bb_cli_parse(argc, argv, &o)))
		return rc;
	if (o.help) {
		printf("usage: bootbox-lwip serve [-c FILE]\n"
		       "Runs the appliance on lwIP over the TAP named by "
		       "appliance.interface.\nSIGHUP reloads the "
		       "configuration, SIGTERM stops.\n");
		return 0;
	}
	if ((rc = bb_serve_load("bootbox-lwip", o.config, &s.cfg)))
		return rc;
	if (!s.cfg->appliance.interface || !s.cfg->appliance.address) {
		bb_err("%s: appliance.interface and appliance.address are "
		       "needed on the lwIP board",
		       o.config);
		bb_config_free(s.cfg);
		return 1;
	}
	lwip_init();
	if (bb_tapif_open(&the_netif, s.cfg->appliance.interface,
			  s.cfg->appliance.address, our_prefix(s.cfg))) {
		bb_err("lwip: %s", bb_board_errmsg());
		bb_config_free(s.cfg);
		return 1;
	}
	s.started = bb_board_wall_now();
	rc = bb_serve_start_all(&s);
	if (rc) {
		bb_err("not starting: a service failed to start");
	} else {
		bb_info(
		    "bootbox-lwip %s serving as '%s' at %s on %s", BB_VERSION,
		    s.cfg->appliance.name ? s.cfg->appliance.name : "bootbox",
		    bb_fmt_ipv4(s.cfg->appliance.address, ip),
		    s.cfg->appliance.interface);
		bb_lwip_loop_on_hup(reload, &s);
		rc = bb_lwip_loop_run(&the_netif, NULL, NULL) ? 1 : 0;
		bb_info("stopping");
		print_stats();
	}
	bb_serve_stop_all(&s);
	bb_tapif_close(&the_netif);
	bb_config_free(s.cfg);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("bootbox-lwip %s (lwIP %s)\n", BB_VERSION,
		       LWIP_VERSION_STRING);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc - 1, argv + 1);
	fprintf(stderr, "usage: bootbox-lwip serve [-c FILE] | --version\n");
	return 2;
}
