/* Who may see and change what: per-machine files, the management node's
 * address, the API token and the callers of state-changing routes, and the
 * state files' atomic writes (issue 11 findings 3, 8, 11; issue 15). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "board/board.h"
#include "board/linux/fsutil.h"
#include "board/linux/loop.h"
#include "boot/boot.h"
#include "common/err.h"
#include "firmware/serve/api_token.h"
#include "firmware/config/config.h"
#include "firmware/serve/routes.h"
#include "firmware/serve/serve.h"
#include "firmware/serve/serve_handoff.h"
#include "firmware/serve/trust.h"
#include "tests/unit/test.h"

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/bb-trust-XXXXXX");
	if (!mkdtemp(dir))
		abort();
}

static void add(struct bb_boot *b, const char *name, uint8_t last, uint32_t ip)
{
	uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, last};

	CHECK_EQ(bb_boot_add_machine(b, name, mac, ip, NULL), 0);
}

static void test_file_owner(void)
{
	struct bb_boot b;
	struct bb_boot_machine *m;

	bb_boot_init(&b);
	add(&b, "cp1", 1, 0);
	add(&b, "cp1.ring0", 2, 0);
	add(&b, "management", 3, 0);
	m = bb_trust_file_owner(&b, "/assets/talos/cp1.ring0.yaml");
	CHECK(m && !strcmp(m->name, "cp1.ring0"));
	m = bb_trust_file_owner(&b, "/assets/talos/cp1.yaml");
	CHECK(m && !strcmp(m->name, "cp1"));
	m = bb_trust_file_owner(&b, "/assets/cp1.ring0");
	CHECK(m && !strcmp(m->name, "cp1.ring0"));
	m = bb_trust_file_owner(&b, "/assets/talos/management.ign.json");
	CHECK(m && !strcmp(m->name, "management"));
	CHECK(bb_trust_file_owner(&b, "/assets/talos/cp10.yaml") == NULL);
	CHECK(bb_trust_file_owner(&b, "/assets/talos/cp1-x.yaml") == NULL);
	CHECK(bb_trust_file_owner(&b, "/assets/talos/kernel-amd64") == NULL);
	CHECK(bb_trust_file_owner(&b, "/assets/cp1/kernel") == NULL);
	bb_boot_free(&b);
}

static void test_names(void)
{
	char n[80];

	CHECK(bb_boot_name_ok("cp1.ring0"));
	CHECK(bb_boot_name_ok("node_1-a"));
	memset(n, 'a', 63);
	n[63] = 0;
	CHECK(bb_boot_name_ok(n));
	n[63] = 'a';
	n[64] = 0;
	CHECK(!bb_boot_name_ok(n)); /* would be cut at 63 */
	CHECK(!bb_boot_name_ok(""));
	CHECK(!bb_boot_name_ok(".x"));
	CHECK(!bb_boot_name_ok("-x"));
	CHECK(!bb_boot_name_ok("a/b"));
	CHECK(!bb_boot_name_ok("a b"));
	CHECK(!bb_boot_name_ok("a\nb"));
}

/* check refuses a machine name the inventory would cut or that a file
 * name cannot carry. */
static void test_config_names(void)
{
	static const char *const bad[] = {
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "a/b",
	    ".hidden",
	};
	char text[512];
	struct bb_config *cfg = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "appliance:\n  address: 10.0.0.2\nmachines:\n"
			 "  - {name: '%s', mac: '52:54:00:00:00:01'}\n",
			 bad[i]);
		CHECK_EQ(bb_config_parse("t.yaml", text, strlen(text), devnull,
					 &cfg),
			 BB_EINVAL);
	}
	snprintf(text, sizeof(text),
		 "appliance:\n  address: 10.0.0.2\nmachines:\n"
		 "  - {name: cp1.ring0, mac: '52:54:00:00:00:01'}\n");
	CHECK_EQ(bb_config_parse("t.yaml", text, strlen(text), devnull, &cfg),
		 0);
	bb_config_free(cfg);
	fclose(devnull);
}

static void test_own_addr(void)
{
	struct bb_boot_machine m = {.ip = 0x0a000003};

	CHECK(bb_trust_is_own_addr(&m, 0x0a000003, 0));
	CHECK(!bb_trust_is_own_addr(&m, 0x0a000009, 0));
	CHECK(bb_trust_is_own_addr(&m, 0x0a000009, 0x0a000009));
	m.ip = 0;
	m.last_ip = 0x0a000009; /* where it asked from proves nothing */
	CHECK(!bb_trust_is_own_addr(&m, 0x0a000009, 0));
	CHECK(!bb_trust_is_own_addr(&m, 0, 0));
}

static void test_bearer(void)
{
	const char *t = "00112233";

	CHECK(bb_trust_bearer_ok("Bearer 00112233", 15, t));
	CHECK(bb_trust_bearer_ok("bearer  00112233 ", 17, t));
	CHECK(!bb_trust_bearer_ok("Bearer 0011223", 14, t));
	CHECK(!bb_trust_bearer_ok("Bearer 001122334", 16, t));
	CHECK(!bb_trust_bearer_ok("Basic 00112233", 14, t));
	CHECK(!bb_trust_bearer_ok(NULL, 0, t));
	CHECK(!bb_trust_bearer_ok("Bearer ", 7, ""));
}

static void test_token_file(void)
{
	char a[BB_API_TOKEN_LEN + 1], b[BB_API_TOKEN_LEN + 1], p[128];
	struct stat st;
	FILE *f;

	mkdir_tmp();
	CHECK_EQ(bb_api_token_load(dir, false, a), BB_ENOENT);
	CHECK_EQ(bb_api_token_load(dir, true, a), 0);
	CHECK_EQ(strlen(a), BB_API_TOKEN_LEN);
	CHECK_EQ(bb_api_token_load(dir, false, b), 0);
	CHECK_STR(a, b);
	snprintf(p, sizeof(p), "%s/api.token", dir);
	CHECK_EQ(stat(p, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	f = fopen(p, "w");
	fputs("short\n", f);
	fclose(f);
	CHECK_EQ(bb_api_token_load(dir, true, b), BB_EMALFORMED);
	unlink(p);
	rmdir(dir);
}

/* A temp file planted where the old code wrote (<path>.tmp) is neither
 * written through nor read from; a symlink planted at either name never
 * makes us write its target; the file gets exactly its mode. */
static void test_atomic_write(void)
{
	char path[128], tmp[140], victim[128], buf[64] = "";
	struct stat st;
	mode_t old = umask(0);
	int fd;

	mkdir_tmp();
	snprintf(path, sizeof(path), "%s/root-ca-key.pem", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	fd = open(victim, O_WRONLY | O_CREAT, 0644);
	CHECK(write(fd, "precious", 8) == 8);
	close(fd);
	/* planted world-readable temp file, as another user would */
	fd = open(tmp, O_WRONLY | O_CREAT, 0666);
	close(fd);
	CHECK_EQ(bb_write_file_atomic(path, "SECRET", 6, 0600), 0);
	CHECK_EQ(stat(tmp, &st), 0);
	CHECK_EQ(st.st_size, 0); /* nothing went into the planted file */
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	unlink(tmp);
	/* a symlink at the temp name and one at the final name */
	CHECK_EQ(symlink(victim, tmp), 0);
	unlink(path);
	CHECK_EQ(symlink(victim, path), 0);
	CHECK_EQ(bb_write_file_atomic(path, "NEW", 3, 0640), 0);
	fd = open(victim, O_RDONLY);
	CHECK(read(fd, buf, sizeof(buf) - 1) == 8);
	close(fd);
	CHECK_STR(buf, "precious");
	CHECK_EQ(lstat(path, &st), 0);
	CHECK(S_ISREG(st.st_mode)); /* the link was replaced, not followed */
	CHECK_EQ(st.st_mode & 0777, 0640);
	unlink(tmp);
	unlink(path);
	unlink(victim);
	CHECK_EQ(rmdir(dir), 0); /* no temp file left behind */
	umask(old);
}

#define YAML                                                                   \
	"appliance:\n  name: t\n  address: 10.0.0.2\n  state_dir: %s\n"        \
	"http:\n  listen: 10.0.0.2:8080\n"                                     \
	"boot:\n  assets_dir: %s\n"                                            \
	"machines:\n"                                                          \
	"  - {name: mgmt, mac: '52:54:00:00:00:01'}\n"                         \
	"  - {name: cp1.ring0, mac: '52:54:00:00:00:02', ip: 10.0.0.5}\n"      \
	"  - {name: cp1, mac: '52:54:00:00:00:03', ip: 10.0.0.6}\n"            \
	"handoff:\n  management: mgmt\n"

/* A serve with boot: and machines: but no DHCP, to drive the routes. */
static struct bb_loop *loop;

static struct bb_serve *serve_new(void)
{
	struct bb_serve *s = calloc(1, sizeof(*s));
	FILE *devnull = fopen("/dev/null", "w");
	char text[2048];

	mkdir_tmp();
	snprintf(text, sizeof(text), YAML, dir, dir);
	CHECK_EQ(
	    bb_config_parse("t.yaml", text, strlen(text), devnull, &s->cfg), 0);
	fclose(devnull);
	loop =
	    bb_loop_new(); /* the board's, for the boot service's idle hook */
	if (!s->cfg || !loop || bb_serve_boot_start(s))
		abort();
	return s;
}

static void serve_free(struct bb_serve *s)
{
	char cmd[128];

	bb_serve_boot_stop(s);
	bb_loop_free(loop);
	bb_config_free(s->cfg);
	free(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

static int route(struct bb_serve *s, enum bb_http_method meth, const char *path,
		 const char *query, uint32_t from, const char *auth)
{
	struct bb_http_header h = {"Authorization", 13, auth,
				   auth ? strlen(auth) : 0};
	struct bb_http_request req = {
	    .method = meth,
	    .path = path,
	    .path_len = strlen(path),
	    .query = query,
	    .query_len = strlen(query),
	    .headers = &h,
	    .nheaders = auth ? 1 : 0,
	    .client_ip = from,
	};
	struct bb_http_response resp = {0};
	int st;

	bb_routes_handle(s, &req, &resp);
	st = resp.status;
	bb_buf_free(&resp.body);
	if (resp.fh) /* the routes opened the file for the service */
		bb_file_close(resp.fh);
	return st;
}

/* Finding 3: /ipxe?mac=<mgmt> from an attacker sets last_ip; it must not
 * become the management node's address (probes, stand-down). */
static void test_management_ip(void)
{
	struct bb_serve *s = serve_new();
	struct bb_boot_machine *m;
	uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 1};

	route(s, BB_HTTP_GET, "/ipxe", "mac=52:54:00:00:00:01", 0x0a000063,
	      NULL);
	m = bb_boot_machine_by_mac(s->boot, mac);
	CHECK(m && m->last_ip == 0x0a000063);
	CHECK_EQ(bb_handoff_management_ip(s), 0);
	serve_free(s);
}

/* Finding 8: cp1.ring0's file goes to 10.0.0.5 only, and cp1 (10.0.0.6)
 * does not get it by being a prefix. */
static void test_secret_routes(void)
{
	struct bb_serve *s = serve_new();
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/cp1.ring0.yaml", dir);
	f = fopen(p, "w");
	fputs("secrets\n", f);
	fclose(f);
	CHECK_EQ(route(s, BB_HTTP_GET, "/assets/cp1.ring0.yaml", "", 0x0a000063,
		       NULL),
		 403);
	CHECK_EQ(route(s, BB_HTTP_GET, "/assets/cp1.ring0.yaml", "", 0x0a000006,
		       NULL),
		 403);
	CHECK_EQ(route(s, BB_HTTP_GET, "/assets/cp1.ring0.yaml", "", 0x0a000005,
		       NULL),
		 200);
	serve_free(s);
}

/* Issue 15: booted for another machine's MAC from a foreign address, and a
 * reinstall without the token, are refused and counted; the machine itself
 * and the token holder are not. */
static void test_api_trust(void)
{
	struct bb_serve *s = serve_new();
	char tok[BB_API_TOKEN_LEN + 1], auth[80];
	uint64_t before = bb_api_refused_total();
	uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 2};
	struct bb_boot_machine *m = bb_boot_machine_by_mac(s->boot, mac);

	CHECK_EQ(bb_api_token_load(dir, true, tok), 0);
	bb_api_token_set(tok);
	snprintf(auth, sizeof(auth), "Bearer %s", tok);
	CHECK_EQ(route(s, BB_HTTP_GET, "/api/v1/booted",
		       "mac=52:54:00:00:00:02", 0x0a000063, NULL),
		 403);
	CHECK_EQ(route(s, BB_HTTP_GET, "/api/v1/booted",
		       "mac=52:54:00:00:00:99", 0x0a000063, NULL),
		 403);
	CHECK(m && m->state != BB_BOOT_BOOTED);
	CHECK_EQ(bb_api_refused_total(), before + 2);
	CHECK_EQ(route(s, BB_HTTP_GET, "/api/v1/booted",
		       "mac=52:54:00:00:00:02", 0x0a000005, NULL),
		 200);
	CHECK(m && m->state == BB_BOOT_BOOTED);
	CHECK_EQ(route(s, BB_HTTP_GET, "/api/v1/booted", "", 0x0a000063, NULL),
		 404);
	CHECK_EQ(route(s, BB_HTTP_POST, "/api/v1/machines/cp1/reinstall", "",
		       0x7f000001, NULL),
		 403);
	CHECK_EQ(route(s, BB_HTTP_POST, "/api/v1/machines/cp1/reinstall", "",
		       0x7f000001, "Bearer 0000"),
		 403);
	CHECK_EQ(route(s, BB_HTTP_POST, "/api/v1/machines/cp1/reinstall", "",
		       0x0a000063, auth),
		 200);
	CHECK_EQ(bb_api_refused_total(), before + 4);
	bb_api_token_set("");
	serve_free(s);
}

int main(void)
{
	RUN(test_file_owner);
	RUN(test_names);
	RUN(test_config_names);
	RUN(test_own_addr);
	RUN(test_bearer);
	RUN(test_token_file);
	RUN(test_atomic_write);
	RUN(test_management_ip);
	RUN(test_secret_routes);
	RUN(test_api_trust);
	return bb_test_done();
}
