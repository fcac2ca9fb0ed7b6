#include <cjson/cJSON.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "board/linux/fsutil.h"
#include "boot/boot.h"
#include "firmware/cmd/check_host.h"

struct ck {
	const struct bb_config *cfg;
	FILE *errs;
	yaml_document_t doc;
	bool have_doc;
	int nerr, nwarn;
};

static void load_doc(struct ck *k)
{
	struct bb_buf buf = {0};
	yaml_parser_t p;

	if (bb_read_file(k->cfg->path, &buf, 4u << 20))
		return;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf.p, buf.len);
	k->have_doc = yaml_parser_load(&p, &k->doc);
	yaml_parser_delete(&p);
	bb_buf_free(&buf);
}

static yaml_node_t *child(yaml_document_t *d, yaml_node_t *n, const char *key,
			  size_t klen)
{
	yaml_node_pair_t *p;

	if (!n || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(d, p->key);

		if (kn && kn->type == YAML_SCALAR_NODE &&
		    kn->data.scalar.length == klen &&
		    !memcmp(kn->data.scalar.value, key, klen))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

/* line:col of "a.b[2].c" in the file: the deepest node found, 1:1 when
 * none (a default the file does not spell). */
static void locate(struct ck *k, const char *path, int *line, int *col)
{
	yaml_node_t *n, *best;
	const char *p = path;

	*line = *col = 1;
	if (!k->have_doc)
		return;
	n = best = yaml_document_get_root_node(&k->doc);
	while (n && *p) {
		size_t len = strcspn(p, ".[");

		if (len)
			n = child(&k->doc, n, p, len);
		p += len;
		if (n && *p == '[') {
			long i = strtol(p + 1, NULL, 10);

			n = n->type == YAML_SEQUENCE_NODE &&
				    i < n->data.sequence.items.top -
					    n->data.sequence.items.start
				? yaml_document_get_node(
				      &k->doc, n->data.sequence.items.start[i])
				: NULL;
			p = strchr(p, ']');
			p = p ? p + 1 : "";
		}
		if (*p == '.')
			p++;
		if (n)
			best = n;
	}
	if (best) {
		*line = (int)best->start_mark.line + 1;
		*col = (int)best->start_mark.column + 1;
	}
}

__attribute__((format(printf, 4, 5))) static void
report(struct ck *k, bool warn, const char *path, const char *fmt, ...)
{
	char msg[600];
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	locate(k, path, &line, &col);
	fprintf(k->errs, "%s:%d:%d: %s: %s%s\n", k->cfg->path, line, col, path,
		warn ? "warning: " : "", msg);
	if (warn)
		k->nwarn++;
	else
		k->nerr++;
}

enum kind { DIR_, FILE_, EXEC_ };

static void need(struct ck *k, const char *path, const char *v, enum kind want)
{
	struct stat st;

	if (!v)
		return;
	if (stat(v, &st)) {
		report(k, false, path, "'%s': %m", v);
		return;
	}
	if (want == DIR_ && !S_ISDIR(st.st_mode))
		report(k, false, path, "'%s' is not a directory", v);
	else if (want != DIR_ && !S_ISREG(st.st_mode))
		report(k, false, path, "'%s' is not a regular file", v);
	else if (want == EXEC_ && access(v, X_OK))
		report(k, false, path, "'%s' is not executable", v);
	else if (want == FILE_ && access(v, R_OK))
		report(k, false, path, "'%s': cannot be read: %m", v);
}

/* The hook is a shell command: check its program when it is named by an
 * absolute path (the first word). */
static void hook_program(struct ck *k, const char *hook)
{
	char prog[512];
	size_t n;

	if (!hook || hook[0] != '/')
		return;
	n = strcspn(hook, " \t;|&<>");
	if (n >= sizeof(prog))
		return;
	memcpy(prog, hook, n);
	prog[n] = 0;
	need(k, "handoff.hook", prog, EXEC_);
}

static void paths(struct ck *k)
{
	const struct bb_config *c = k->cfg;

	if (c->boot.enabled)
		need(k, "boot.assets_dir", c->boot.assets_dir, DIR_);
	if (c->boot.enabled)
		need(k, "boot.matchbox_dir", c->boot.matchbox_dir, DIR_);
	if (c->tftp.enabled)
		need(k, "tftp.root", c->tftp.root, DIR_);
	if (c->pki.enabled) {
		need(k, "pki.auth_key_file", c->pki.auth_key_file, FILE_);
		need(k, "pki.ca_bundle", c->pki.ca_bundle, FILE_);
	}
	if (c->talos.enabled)
		need(k, "talos.ca_bundle", c->talos.ca_bundle, FILE_);
	if (c->handoff.enabled) {
		need(k, "handoff.ca_bundle", c->handoff.ca_bundle, FILE_);
		hook_program(k, c->handoff.hook);
	}
}

static void interface(struct ck *k)
{
	const char *ifn = k->cfg->appliance.interface;
	uint32_t want = k->cfg->appliance.address;
	struct ifaddrs *ifa, *i;
	bool found = false;
	char ip[16];

	if (!ifn)
		return;
	if (!if_nametoindex(ifn)) {
		report(k, false, "appliance.interface",
		       "no interface '%s' on this host", ifn);
		return;
	}
	if (!want || getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, ifn) &&
		    ntohl(
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr) ==
			want)
			found = true;
	freeifaddrs(ifa);
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", want >> 24, (want >> 16) & 255,
		 (want >> 8) & 255, want & 255);
	if (!found)
		report(k, true, "appliance.address",
		       "%s does not carry %s yet (serve adds it)", ifn, ip);
}

/* The 1-based line and column of byte off of buf. */
static void json_pos(const char *buf, size_t off, int *line, int *col)
{
	size_t i;

	*line = *col = 1;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void json_dir(struct ck *k, struct bb_boot *b, const char *sub,
		     int (*load)(struct bb_boot *, const char *, size_t, char *,
				 size_t))
{
	char dir[1100], path[1400], err[200];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", k->cfg->boot.matchbox_dir, sub);
	if (!(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct bb_buf buf = {0};
		const char *end = NULL;
		cJSON *j;
		int line, col;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (bb_read_file(path, &buf, 1 << 20)) {
			fprintf(k->errs,
				"%s:1:1: boot.matchbox_dir: cannot "
				"read\n",
				path);
			k->nerr++;
			continue;
		}
		j = cJSON_ParseWithLengthOpts(buf.p ? buf.p : "", buf.len, &end,
					      0);
		if (!j) {
			const char *at = cJSON_GetErrorPtr();
			size_t off =
			    at && buf.p && at >= buf.p && at <= buf.p + buf.len
				? (size_t)(at - buf.p)
				: 0;

			json_pos(buf.p ? buf.p : "", off, &line, &col);
			fprintf(k->errs,
				"%s:%d:%d: boot.matchbox_dir: not "
				"valid JSON\n",
				path, line, col);
			k->nerr++;
		} else if (load(b, buf.p, buf.len, err, sizeof(err))) {
			fprintf(k->errs, "%s:1:1: boot.matchbox_dir: %s\n",
				path, err);
			k->nerr++;
		}
		cJSON_Delete(j);
		bb_buf_free(&buf);
	}
	closedir(d);
}

static void unknown_profile(struct ck *k, const char *list, size_t i,
			    const char *id)
{
	char path[64];

	snprintf(path, sizeof(path), "%s[%zu].profile", list, i);
	report(k, false, path,
	       "no profile '%s' in the config or in %s/profiles", id,
	       k->cfg->boot.matchbox_dir);
}

static void matchbox(struct ck *k)
{
	const struct bb_config *c = k->cfg;
	struct bb_boot b;
	size_t i;

	if (!c->boot.enabled || !c->boot.matchbox_dir)
		return;
	bb_boot_init(&b);
	for (i = 0; i < c->boot.nprofiles; i++) {
		struct bb_boot_profile p = {.id = c->boot.profiles[i].id};

		bb_boot_add_profile(&b, &p);
	}
	json_dir(k, &b, "profiles", bb_boot_load_profile_json);
	json_dir(k, &b, "groups", bb_boot_load_group_json);
	/* the file could not tell: its profiles may be in the directory */
	for (i = 0; i < c->boot.ngroups; i++)
		if (c->boot.groups[i].profile &&
		    !bb_boot_profile(&b, c->boot.groups[i].profile))
			unknown_profile(k, "boot.groups", i,
					c->boot.groups[i].profile);
	for (i = 0; i < c->nmachines; i++)
		if (c->machines[i].profile &&
		    !bb_boot_profile(&b, c->machines[i].profile))
			unknown_profile(k, "machines", i,
					c->machines[i].profile);
	for (i = 0; i < b.ngroups; i++)
		if (b.groups[i].profile &&
		    !bb_boot_profile(&b, b.groups[i].profile)) {
			fprintf(k->errs,
				"%s/groups:1:1: boot.matchbox_dir: "
				"group '%s' names profile '%s', which "
				"neither the config nor profiles/ "
				"has\n",
				c->boot.matchbox_dir, b.groups[i].id,
				b.groups[i].profile);
			k->nerr++;
		}
	bb_boot_free(&b);
}

int bb_check_host(const struct bb_config *cfg, FILE *errs, int *warnings)
{
	struct ck k = {.cfg = cfg, .errs = errs};

	load_doc(&k);
	paths(&k);
	interface(&k);
	matchbox(&k);
	if (k.have_doc)
		yaml_document_delete(&k.doc);
	*warnings = k.nwarn;
	return k.nerr;
}
