#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/err.h"
#include "firmware/serve/log.h"
#include "firmware/cmd/privdrop.h"

#define KEEP ((1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_NET_ADMIN))

static uid_t to_uid;
static gid_t to_gid;
static unsigned long skipped;

/* Hands the state dir to the user. Links are not followed (lchown), and a
 * file with a second hard link is left alone: it may be a link planted to
 * something outside the state dir. */
static int chown_one(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_F && st->st_nlink > 1) {
		skipped++;
		return 0;
	}
	if ((st->st_uid != to_uid || st->st_gid != to_gid) &&
	    lchown(path, to_uid, to_gid))
		bb_warn("privileges: cannot hand %s to uid %u: %s", path,
			(unsigned)to_uid, strerror(errno));
	return 0;
}

/* An appliance.user that does not exist is an error (as dnsmasq's -u);
 * without the key, a missing "bootbox" user (make install creates it)
 * leaves serve as root with a warning, as kea runs as whoever started it:
 * falling back to "nobody" would hand the state dir, keys included, to
 * every other daemon that runs as nobody. */
static int pick_user(const struct bb_config *cfg, struct passwd **pw)
{
	const char *name =
	    cfg->appliance.user ? cfg->appliance.user : "bootbox";

	*pw = getpwnam(name);
	if (*pw)
		return 0;
	if (cfg->appliance.user) {
		bb_err("privileges: appliance.user '%s' does not exist "
		       "(create it: useradd --system %s)",
		       name, name);
		return BB_EINVAL;
	}
	bb_warn("privileges: no user 'bootbox': still running as root with "
		"every capability (create the user, or set appliance.user)");
	return 0;
}

static int set_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)KEEP;
	d[1].effective = d[1].permitted = (uint32_t)(KEEP >> 32);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/* While still root (it takes CAP_SETPCAP): nothing run from here on can
 * win back a dropped capability, even by a file's capabilities. Up to what
 * this kernel knows, which may be more than our headers. */
static int drop_bounding(void)
{
	int cap;

	for (cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0;
	     cap++)
		if (!(KEEP & (1ull << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return -1;
	return 0;
}

/* What the user must reach after the drop: the state dir (fatal, or every
 * write would fail later and one at a time), the files it serves. */
static int check_access(const struct bb_config *cfg, const char *name)
{
	if (access(cfg->appliance.state_dir, R_OK | W_OK | X_OK)) {
		bb_err("privileges: %s cannot use the state dir %s (%s): "
		       "make its parents searchable",
		       name, cfg->appliance.state_dir, strerror(errno));
		return BB_EACCES;
	}
	if (cfg->tftp.enabled && access(cfg->tftp.root, R_OK | X_OK))
		bb_warn("privileges: %s cannot read tftp.root %s", name,
			cfg->tftp.root);
	if (cfg->boot.enabled && cfg->boot.assets_dir &&
	    access(cfg->boot.assets_dir, R_OK | X_OK))
		bb_warn("privileges: %s cannot read boot.assets_dir %s", name,
			cfg->boot.assets_dir);
	if (cfg->pki.enabled && cfg->pki.auth_key_file &&
	    access(cfg->pki.auth_key_file, R_OK))
		bb_warn("privileges: %s is not readable by %s: certificate "
			"renewals will fail (give it to the user's group, "
			"mode 0640)",
			cfg->pki.auth_key_file, name);
	return 0;
}

int bb_privdrop(const struct bb_config *cfg)
{
	struct passwd *pw;
	char name[64];
	int rc;

	if (geteuid() != 0)
		return 0;
	if (cfg->appliance.user && !strcmp(cfg->appliance.user, "root")) {
		bb_warn("privileges: appliance.user is root: keeping every "
			"capability");
		return 0;
	}
	if ((rc = pick_user(cfg, &pw)) || !pw)
		return rc;
	snprintf(name, sizeof(name), "%s", pw->pw_name);
	to_uid = pw->pw_uid;
	to_gid = pw->pw_gid;
	skipped = 0;
	/* contents first: once the directory is the user's, root without
	 * CAP_DAC_OVERRIDE (a hardened unit) may no longer look inside */
	nftw(cfg->appliance.state_dir, chown_one, 16,
	     FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
	if (skipped)
		bb_warn("privileges: %lu hard-linked file(s) in %s left to "
			"their owner",
			skipped, cfg->appliance.state_dir);
	if (drop_bounding() || prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    initgroups(name, to_gid) || setresgid(to_gid, to_gid, to_gid) ||
	    setresuid(to_uid, to_uid, to_uid) || set_caps() ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		bb_err("privileges: cannot become %s: %s", name,
		       strerror(errno));
		return BB_EIO;
	}
	if (setresuid(0, 0, 0) == 0) {
		bb_err("privileges: root came back after the drop");
		return BB_EIO;
	}
	bb_info("privileges: running as %s (uid %u), keeping "
		"CAP_NET_BIND_SERVICE and CAP_NET_ADMIN",
		name, (unsigned)to_uid);
	return check_access(cfg, name);
}
