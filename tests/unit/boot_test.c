#include "boot/boot.h"
#include "common/err.h"
#include "tests/unit/test.h"

static const char profile_json[] =
    "{\"id\":\"talos\",\"name\":\"Talos\",\"boot\":{\"kernel\":\"/assets/talos/"
    "kernel-amd64\","
    "\"initrd\":[\"/assets/talos/"
    "initramfs-amd64.xz\"],\"args\":[\"talos.platform=metal\","
    "\"talos.config=http://192.168.2.2:8080/assets/talos/"
    "${hostname}.yaml\"]},\"unknown\":1}";
static const char *const groups_json[] = {
    "{\"id\":\"talos-management\",\"profile\":\"talos\",\"selector\":{"
    "\"hostname\":\"management\",\"domain\":\"incus\"}}",
    "{\"id\":\"talos-worker-1\",\"profile\":\"talos\",\"selector\":{\"mac\":"
    "\"10:66:6a:07:8d:0d\"},\"metadata\":{\"role\":\"worker\",\"n\":3}}",
    "{\"id\":\"talos\",\"profile\":\"talos\",\"selector\":{}}",
};

static void load(struct bb_boot *b)
{
	char err[128];
	size_t i;

	bb_boot_init(b);
	CHECK_EQ(bb_boot_load_profile_json(
		     b, profile_json, strlen(profile_json), err, sizeof(err)),
		 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(bb_boot_load_group_json(b, groups_json[i],
						 strlen(groups_json[i]), err,
						 sizeof(err)),
			 0);
}

static const char *pick(struct bb_boot *b, const char *query)
{
	struct bb_boot_params p;
	const struct bb_boot_group *g;

	bb_boot_parse_query(query, strlen(query), &p);
	g = bb_boot_select(b, &p);
	return g ? g->id : "(none)";
}

static void test_selection(void)
{
	struct bb_boot b;

	load(&b);
	CHECK_STR(
	    pick(&b, "mac=52-54-00-12-34-56&hostname=management&domain=incus"),
	    "talos-management");
	CHECK_STR(pick(&b, "mac=10-66-6A-07-8D-0D&hostname=&domain="),
		  "talos-worker-1");
	CHECK_STR(pick(&b, "mac=1066.6a07.8d0d"), "talos-worker-1");
	CHECK_STR(pick(&b, "mac=52-54-00-00-00-01&hostname=management"),
		  "talos"); /* domain missing */
	CHECK_STR(pick(&b, ""), "talos");
	bb_boot_free(&b);
}

static void test_ties_deterministic(void)
{
	struct bb_boot b;
	char err[64];
	const char *g1 = "{\"id\":\"b\",\"profile\":\"p\",\"selector\":{"
			 "\"role\":\"worker\"}}";
	const char *g2 = "{\"id\":\"a\",\"profile\":\"p\",\"selector\":{"
			 "\"arch\":\"amd64\"}}";

	bb_boot_init(&b);
	bb_boot_load_group_json(&b, g1, strlen(g1), err, sizeof(err));
	bb_boot_load_group_json(&b, g2, strlen(g2), err, sizeof(err));
	/* both match with one pair: "arch=amd64" < "role=worker" */
	CHECK_STR(pick(&b, "role=worker&arch=amd64"), "a");
	bb_boot_free(&b);
}

static void test_render(void)
{
	struct bb_boot b;
	struct bb_buf out = {0};
	struct bb_boot_params p;
	const struct bb_boot_profile *prof;

	load(&b);
	bb_boot_render_chain(&out);
	CHECK_STR(
	    out.p,
	    "#!ipxe\nchain ipxe?uuid=${uuid}&mac=${mac:hexhyp}&domain=${domain}"
	    "&hostname=${hostname}&serial=${serial}&arch=${buildarch:uristring}"
	    "\n");
	bb_buf_reset(&out);
	prof = bb_boot_profile(&b, "talos");
	CHECK(prof != NULL);
	bb_boot_render_ipxe(prof, &out);
	CHECK_STR(
	    out.p,
	    "#!ipxe\nkernel /assets/talos/kernel-amd64 talos.platform=metal "
	    "talos.config=http://192.168.2.2:8080/assets/talos/"
	    "${hostname}.yaml "
	    "initrd=initramfs-amd64.xz || goto bootbox_failed\n"
	    "initrd /assets/talos/initramfs-amd64.xz || goto bootbox_failed\n"
	    "boot || goto bootbox_failed\n:bootbox_failed\n"
	    "echo bootbox: the boot files could not be fetched; retrying in 20 "
	    "seconds\n"
	    "sleep 20\nchain --replace --autofree /boot.ipxe\n");
	bb_buf_reset(&out);
	bb_boot_render_unavailable("v1.10.4/kernel-amd64: ${evil}\necho x",
				   &out);
	CHECK(
	    strstr(out.p,
		   "cannot boot now: v1.10.4/kernel-amd64: ?{evil}?echo x\n") !=
	    NULL);
	CHECK(strstr(out.p, "chain --replace --autofree /boot.ipxe") != NULL);
	bb_buf_reset(&out);
	bb_boot_parse_query("mac=aa-bb-cc-dd-ee-ff",
			    strlen("mac=aa-bb-cc-dd-ee-ff"), &p);
	bb_boot_render_retry(&p, &out);
	CHECK(strstr(out.p,
		     "no profile for this machine (mac aa:bb:cc:dd:ee:ff") !=
	      NULL);
	CHECK(strstr(out.p, "chain --replace --autofree /boot.ipxe") != NULL);
	bb_buf_reset(&out);
	bb_boot_render_metadata(&b.groups[1], &p, &out);
	CHECK(strstr(out.p, "ROLE=worker\nN=3\nMAC=aa:bb:cc:dd:ee:ff\n") !=
	      NULL);
	bb_buf_free(&out);
	bb_boot_free(&b);
}

static void test_bad_json(void)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"id\":1}",
	    "{\"name\":\"x\"}",
	    "{\"id\":\"p\",\"boot\":{\"initrd\":\"notalist\"}}",
	    "{\"id\":\"p\",\"boot\":{\"args\":[1]}}",
	    "{\"id\":\"p\",\"boot\":[]}",
	    "{\"id\":\"p\"",
	};
	struct bb_boot b;
	char err[128];
	size_t i;

	bb_boot_init(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]);
		char *g = bb_test_guard(bad[i], n ? n : 1);

		CHECK(bb_boot_load_profile_json(&b, g, n, err, sizeof(err)) !=
		      0);
		CHECK(bb_boot_load_group_json(&b, g, n, err, sizeof(err)) != 0);
		bb_test_unguard(g, n ? n : 1);
	}
	CHECK_EQ(b.nprofiles, 0);
	CHECK(bb_boot_load_group_json(
		  &b,
		  "{\"id\":\"g\",\"profile\":\"p\",\"selector\":{\"a\":[1]}}",
		  46, err, sizeof(err)) != 0);
	bb_boot_free(&b);
}

static void test_states_forward_only(void)
{
	struct bb_boot b;
	const uint8_t mac[6] = {1, 2, 3, 4, 5, 6};
	struct bb_boot_machine *m;

	bb_boot_init(&b);
	m = bb_boot_machine_get(&b, mac);
	CHECK(m != NULL && !m->inventory);
	CHECK(bb_boot_advance(m, BB_BOOT_BOOTING, 1));
	CHECK(!bb_boot_advance(m, BB_BOOT_SEEN, 2));
	CHECK_EQ(m->state, BB_BOOT_BOOTING);
	CHECK(bb_boot_advance(m, BB_BOOT_BOOTED, 3));
	CHECK_STR(bb_boot_state_name(m->state), "booted");
	bb_boot_free(&b);
}

static void test_state_file(void)
{
	struct bb_boot a, b;
	const uint8_t inv[6] = {0x52, 0x54, 0, 0, 0, 1};
	const uint8_t str[6] = {0x52, 0x54, 0, 0, 0, 2};
	struct bb_boot_params labels = {0};
	struct bb_boot_machine *m;
	struct bb_buf out = {0};
	static const char bad[] =
	    "52:54:00:00:00:01 kernel 100 10.0.0.5 1\n"
	    "zz:54:00:00:00:03 seen 1 0.0.0.0 0\n"   /* bad mac */
	    "52:54:00:00:00:04 flying 1 0.0.0.0 0\n" /* bad state */
	    "52:54:00:00:00:05 seen -1 0.0.0.0 0\n"  /* bad time */
	    "52:54:00:00:00:06 seen 1 1.2.3 0\n"     /* bad address */
	    "52:54:00:00:00:07 seen 1 0.0.0.0 2\n"   /* bad flag */
	    "52:54:00:00:00:08 seen 1 0.0.0.0 0 x\n" /* not a version */
	    "52:54:00:00:00:09 seen\n"		     /* short */
	    "52:54:00:00:00:0a booted 7 0.0.0.0 0";  /* no newline: fine */

	bb_boot_init(&a);
	CHECK_EQ(bb_boot_add_machine(&a, "node1", inv, 0, &labels), 0);
	m = bb_boot_machine_by_mac(&a, inv);
	bb_boot_advance(m, BB_BOOT_INITRD, 1700000000);
	m->last_ip = 0x0a000005;
	m->local_boot = true;
	bb_boot_advance(bb_boot_machine_get(&a, str), BB_BOOT_BOOTING, 5);
	CHECK_EQ(bb_boot_state_encode(&a, &out), 0);

	bb_boot_init(&b);
	CHECK_EQ(bb_boot_add_machine(&b, "node1", inv, 0, &labels), 0);
	CHECK_EQ(bb_boot_state_decode(&b, out.p, out.len), 0);
	m = bb_boot_machine_by_mac(&b, inv);
	CHECK(m->inventory);
	CHECK_EQ(m->state, BB_BOOT_INITRD);
	CHECK_EQ(m->last_seen, 1700000000);
	CHECK_EQ(m->last_ip, 0x0a000005u);
	CHECK(m->local_boot);
	m = bb_boot_machine_by_mac(&b, str);
	CHECK(m && !m->inventory && m->state == BB_BOOT_BOOTING);
	bb_boot_reset(m, 9);
	CHECK_EQ(m->state, BB_BOOT_UNKNOWN);

	/* damaged lines cost only themselves */
	CHECK_EQ(bb_boot_state_decode(&b, bad, sizeof(bad) - 1), 7);
	CHECK_EQ(bb_boot_machine_by_mac(&b, inv)->state, BB_BOOT_KERNEL);
	CHECK_EQ(b.nmachines, 3u);
	bb_buf_free(&out);
	bb_boot_free(&a);
	bb_boot_free(&b);
}

static size_t count(const char *hay, const char *tok)
{
	size_t n = 0, l = strlen(tok);
	const char *p = hay;

	while ((p = strstr(p, tok))) {
		if ((p == hay || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\n'))
			n++;
		p += l;
	}
	return n;
}

static void test_render_talos(void)
{
	static const char cmdline[] =
	    "talos.platform=metal console=tty0 slab_nomerge pti=on "
	    "talos.environment=A=1\n\001bad $evil{x} console=tty0 ";
	char *args[] = {"console=ttyS0", "talos.config=http://h/c.yaml",
			"pti=on", "slab_nomerge"};
	char *initrd[] = {"/assets/talos/initramfs-amd64.xz"};
	char *pinned_initrd[] = {"/assets/talos/x/v1.11.0/initramfs-arm64.xz"};
	struct bb_boot_profile p = {0};
	struct bb_boot_talos t = {0};
	struct bb_buf out = {0};
	void *g;

	p.kernel = "/assets/talos/kernel-amd64";
	p.initrd = initrd;
	p.ninitrd = 1;
	p.args = args;
	p.nargs = 4;
	g = bb_test_guard(cmdline, sizeof(cmdline) - 1);
	t.cmdline = g;
	t.cmdline_len = sizeof(cmdline) - 1;
	bb_boot_render_talos(&p, &t, &out);
	bb_test_unguard(g, sizeof(cmdline) - 1);
	CHECK(!strncmp(out.p,
		       "#!ipxe\nkernel /assets/talos/kernel-amd64 "
		       "talos.platform=metal console=tty0 slab_nomerge "
		       "pti=on talos.environment=A=1 console=ttyS0 "
		       "talos.config=http://h/c.yaml "
		       "initrd=initramfs-amd64.xz ||",
		       strlen("#!ipxe\nkernel /assets/talos/kernel-amd64 "
			      "talos.platform=metal console=tty0 slab_nomerge "
			      "pti=on talos.environment=A=1 console=ttyS0 "
			      "talos.config=http://h/c.yaml "
			      "initrd=initramfs-amd64.xz ||")));
	CHECK(!strstr(out.p, "evil") && !strstr(out.p, "bad"));
	bb_buf_free(&out);

	/* no cmdline at all: the required ones still appear, once */
	memset(&out, 0, sizeof(out));
	p.nargs = 1;
	t.cmdline = NULL;
	t.cmdline_len = 0;
	t.kernel = "/assets/talos/x/v1.11.0/kernel-arm64";
	t.initrd = pinned_initrd;
	t.ninitrd = 1;
	bb_boot_render_talos(&p, &t, &out);
	CHECK(strstr(out.p, "kernel /assets/talos/x/v1.11.0/kernel-arm64 "));
	CHECK(
	    strstr(out.p, "initrd /assets/talos/x/v1.11.0/initramfs-arm64.xz"));
	CHECK_EQ(count(out.p, "talos.platform=metal"), 1);
	CHECK_EQ(count(out.p, "slab_nomerge"), 1);
	CHECK_EQ(count(out.p, "pti=on"), 1);
	CHECK_EQ(count(out.p, "initrd=initramfs-arm64.xz"), 1);
	bb_buf_free(&out);

	/* pti=off from the operator is kept: "when absent" */
	memset(&out, 0, sizeof(out));
	args[0] = "pti=off";
	bb_boot_render_talos(&p, &t, &out);
	CHECK_EQ(count(out.p, "pti=off"), 1);
	CHECK_EQ(count(out.p, "pti=on"), 0);
	bb_buf_free(&out);
}

static void test_state_talos_version(void)
{
	static const char line[] =
	    "52:54:00:00:00:09 booted 5 10.0.0.9 0 v1.11.0\n"
	    "52:54:00:00:00:0a booted 5 10.0.0.9 0 v1.11.0 extra\n"
	    "52:54:00:00:00:0b booted 5 10.0.0.9 0 "
	    "v1.11.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
	struct bb_boot b;
	struct bb_buf out = {0};
	const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 9};

	bb_boot_init(&b);
	CHECK_EQ(bb_boot_state_decode(&b, line, sizeof(line) - 1), 2);
	CHECK_STR(bb_boot_machine_by_mac(&b, mac)->talos_version, "v1.11.0");
	bb_boot_state_encode(&b, &out);
	CHECK(out.p && strstr(out.p, " 0 v1.11.0\n"));
	bb_buf_free(&out);
	bb_boot_free(&b);
}

int main(void)
{
	RUN(test_render_talos);
	RUN(test_state_talos_version);
	RUN(test_state_file);
	RUN(test_selection);
	RUN(test_ties_deterministic);
	RUN(test_render);
	RUN(test_bad_json);
	RUN(test_states_forward_only);
	return bb_test_done();
}
