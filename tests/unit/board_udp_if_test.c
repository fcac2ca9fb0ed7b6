/* The Linux board's listener on an interface (bb_udp_open_if, what DHCP's
 * port 67 runs on), on the loopback device: a burst arrives in batches
 * (fewer batch_end calls than datagrams), each datagram says where it was
 * sent to, the replies queued in the callbacks leave at the flush, a
 * second server on the port is refused with BB_EEXIST, and a burst after
 * the first (the socket now polled on the ticker) is read too. Binding to
 * a device needs CAP_NET_RAW before Linux 5.7: skipped without it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "board/board.h"
#include "board/linux/board_udp.h"
#include "board/linux/loop.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define BURST 200

static struct bb_loop *loop;
static int got, batches, wrong_local;

static void on_dgram(void *arg, struct bb_udp *u, const uint8_t *pkt,
		     size_t len, const struct bb_udp_peer *from)
{
	(void)arg;
	got++;
	if (bb_udp_local(u) != 0x7f000001u)
		wrong_local++;
	/* echoed at the flush of the batch */
	bb_udp_send(u, BB_UDP_TO, from, NULL, pkt, len);
}

static void on_batch_end(void *arg, struct bb_udp *u)
{
	(void)arg;
	batches++;
	bb_udp_flush(u);
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t l = sizeof(sa);

	getsockname(fd, (struct sockaddr *)&sa, &l);
	return ntohs(sa.sin_port);
}

/* BURST datagrams to port, then the loop until all are echoed (2 s at
 * most); the echoes that came back. */
static int burst(int c, uint16_t port)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	char buf[64];
	int i, back = 0;
	time_t t0 = time(NULL);

	to.sin_addr.s_addr = htonl(0x7f000001u);
	to.sin_port = htons(port);
	for (i = 0; i < BURST; i++) {
		int n = snprintf(buf, sizeof(buf), "datagram %d", i);

		sendto(c, buf, (size_t)n, 0, (struct sockaddr *)&to,
		       sizeof(to));
	}
	while (back < BURST && time(NULL) - t0 < 2) {
		bb_loop_run_once(loop, 5);
		while (recv(c, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			back++;
	}
	return back;
}

static struct bb_udp *u;
static int client = -1;

static void test_burst_in_batches(void)
{
	got = batches = wrong_local = 0;
	CHECK_EQ(burst(client, port_of(u->fd)), BURST);
	CHECK_EQ(got, BURST);
	CHECK_EQ(wrong_local, 0);
	CHECK(batches >= 1 && batches < BURST / 4);
}

static void test_second_burst_while_polled(void)
{
	got = batches = 0;
	CHECK_EQ(burst(client, port_of(u->fd)), BURST);
	CHECK_EQ(got, BURST);
}

static void test_second_server_refused(void)
{
	struct bb_udp *v = NULL;

	CHECK_EQ(bb_udp_open_if("lo", port_of(u->fd), on_dgram, on_batch_end,
				NULL, &v),
		 BB_EEXIST);
	CHECK(v == NULL);
	CHECK(bb_board_errmsg()[0] != 0);
}

static void test_bad_interface(void)
{
	struct bb_udp *v = NULL;

	CHECK_EQ(bb_udp_open_if(NULL, 0, on_dgram, on_batch_end, NULL, &v),
		 BB_EINVAL);
	CHECK_EQ(bb_udp_open_if("an-interface-name-too-long", 0, on_dgram,
				on_batch_end, NULL, &v),
		 BB_EINVAL);
	CHECK_EQ(
	    bb_udp_open_if("nosuchif0", 0, on_dgram, on_batch_end, NULL, &v),
	    BB_EIO);
	CHECK(v == NULL);
}

int main(void)
{
	int rc;

	loop = bb_loop_new();
	rc = bb_udp_open_if("lo", 0, on_dgram, on_batch_end, NULL, &u);
	if (rc == BB_EIO && strstr(bb_board_errmsg(), strerror(EPERM))) {
		printf("skip: binding to a device needs CAP_NET_RAW\n");
		return 77;
	}
	if (rc) {
		printf("not ok - open on lo: %s\n", bb_board_errmsg());
		return 1;
	}
	client = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	RUN(test_burst_in_batches);
	RUN(test_second_burst_while_polled);
	RUN(test_second_server_refused);
	RUN(test_bad_interface);
	close(client);
	bb_udp_close(u);
	bb_loop_free(loop);
	return bb_test_done();
}
