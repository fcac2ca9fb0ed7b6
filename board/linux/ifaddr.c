/* rtnetlink, by hand: one dump of the IPv4 addresses, then RTM_NEWADDR and
 * RTM_NEWLINK (IFF_UP), each acknowledged. Every read is bounded in count
 * and in time, so a silent kernel cannot hold serve's start-up. */
#include "board/linux/ifaddr.h"
#include "common/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define NL_BUF	     16384
#define NL_MAX_READS 256

struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifaddrmsg a;
		struct ifinfomsg l;
	} u;
	char attrs[64];
};

static int nl_open(void)
{
	struct timeval tv = {.tv_sec = 2};
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void nl_attr(struct nl_req *r, unsigned short type, const void *v,
		    unsigned short len)
{
	struct rtattr *rta =
	    (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), v, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Reads replies to seq. A dump: on_msg sees each message until
 * NLMSG_DONE. A request: the NLMSG_ERROR ack (0 = success). */
static int nl_talk(int fd, struct nl_req *r, uint32_t seq,
		   void (*on_msg)(struct nlmsghdr *, void *), void *arg)
{
	char buf[NL_BUF] __attribute__((aligned(4)));
	int reads;

	r->h.nlmsg_seq = seq;
	if (send(fd, r, r->h.nlmsg_len, 0) < 0)
		return -1;
	for (reads = 0; reads < NL_MAX_READS; reads++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;
		size_t left;

		if (n < 0)
			return -1;
		left = (size_t)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
					errno = EPROTO;
					return -1;
				}
				if (!e->error)
					return 0;
				errno = -e->error;
				return -1;
			}
			if (on_msg)
				on_msg(h, arg);
		}
	}
	errno = ETIMEDOUT;
	return -1;
}

struct scan {
	int index;
	uint32_t want; /* network order */
	int have_want, have_other;
};

static void on_addr(struct nlmsghdr *h, void *arg)
{
	struct scan *s = arg;
	struct ifaddrmsg *a = NLMSG_DATA(h);
	struct rtattr *rta;
	size_t len;

	if (h->nlmsg_type != RTM_NEWADDR ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*a)) ||
	    a->ifa_family != AF_INET || (int)a->ifa_index != s->index)
		return;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*a));
	for (rta = IFA_RTA(a); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		uint32_t v;

		if (rta->rta_type != IFA_LOCAL || RTA_PAYLOAD(rta) < sizeof(v))
			continue;
		memcpy(&v, RTA_DATA(rta), sizeof(v));
		if (v == s->want)
			s->have_want = 1;
		else
			s->have_other = 1;
	}
}

int bb_ifaddr_ensure(const char *ifname, uint32_t addr, uint8_t prefix)
{
	struct scan sc = {.want = htonl(addr)};
	struct nl_req r;
	uint32_t v, mask;
	int fd, rc = -1;

	if (prefix > 32) {
		errno = EINVAL;
		return -1;
	}
	sc.index = (int)if_nametoindex(ifname);
	if (!sc.index)
		return -1; /* ENODEV */
	if ((fd = nl_open()) < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.a));
	r.h.nlmsg_type = RTM_GETADDR;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r.u.a.ifa_family = AF_INET;
	if (nl_talk(fd, &r, 1, on_addr, &sc))
		goto out;
	if (sc.have_want || sc.have_other) {
		rc = sc.have_want ? BB_IFADDR_PRESENT : BB_IFADDR_OTHER;
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.a));
	r.h.nlmsg_type = RTM_NEWADDR;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	r.u.a.ifa_family = AF_INET;
	r.u.a.ifa_prefixlen = prefix;
	r.u.a.ifa_scope = RT_SCOPE_UNIVERSE;
	r.u.a.ifa_index = (unsigned)sc.index;
	v = htonl(addr);
	nl_attr(&r, IFA_LOCAL, &v, sizeof(v));
	nl_attr(&r, IFA_ADDRESS, &v, sizeof(v));
	if (prefix < 31) {
		mask = prefix ? ~0u << (32 - prefix) : 0;
		v = htonl(addr | ~mask);
		nl_attr(&r, IFA_BROADCAST, &v, sizeof(v));
	}
	if (nl_talk(fd, &r, 2, NULL, NULL))
		goto out;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.l));
	r.h.nlmsg_type = RTM_NEWLINK;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r.u.l.ifi_family = AF_UNSPEC;
	r.u.l.ifi_index = sc.index;
	r.u.l.ifi_flags = IFF_UP;
	r.u.l.ifi_change = IFF_UP;
	if (nl_talk(fd, &r, 3, NULL, NULL))
		goto out;
	rc = BB_IFADDR_ADDED;
out:
	close(fd);
	return rc;
}

int bb_board_ifaddr_ensure(const char *ifname, uint32_t addr, uint8_t prefix,
			   char *msg, size_t cap)
{
	int rc = bb_ifaddr_ensure(ifname, addr, prefix);

	if (rc >= 0)
		return rc;
	snprintf(msg, cap, "%s", strerror(errno));
	return errno == ENODEV	? BB_ENOENT
	       : errno == EPERM ? BB_EACCES
				: BB_EIO;
}
