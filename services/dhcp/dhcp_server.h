/* The DHCPv4 server engine (RFC 2131/2132), I/O-free: a received datagram and
 * the wall clock in, a reply datagram plus where to send it and what lease
 * record to persist first out. It owns the in-memory lease table; the board
 * owns the socket and the journal file.
 *
 * Durability contract: when bb_dhcp_server_input() returns a reply with
 * tx->journal_len > 0, the board must append those bytes to the lease journal
 * and fsync before it sends the reply (group commit: a batch of replies may
 * share one fsync). If the write fails the board drops the reply. */
#ifndef BB_DHCP_SERVER_H
#define BB_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_DHCP_MAX_PKT	    1500 /* largest reply we build (MTU) */
#define BB_DHCP_JOURNAL_MAX 256	 /* largest single journal record */
#define BB_DHCP_SERVER_PORT 67
#define BB_DHCP_CLIENT_PORT 68

struct bb_dhcp_pool {
	uint32_t lo, hi; /* inclusive, host byte order */
};

/* Hand-off: a scope the management cluster's DHCP server has taken over.
 * RENEWALS: only renewals (RENEWING/REBINDING) of leases we granted are
 * answered, until they expire; STOP: nothing is answered. Either way a
 * DISCOVER there never gets an offer from us. */
enum bb_dhcp_standdown {
	BB_STANDDOWN_NONE = 0,
	BB_STANDDOWN_RENEWALS,
	BB_STANDDOWN_STOP,
};

/* An operator's option (dhcp.options), already encoded: sent when the
 * client asks for it (option 55) or always_send is set, as kea does. */
struct bb_dhcp_option {
	uint8_t code;
	bool always_send;
	uint8_t len;
	uint8_t data[255];
};

struct bb_dhcp_subnet {
	uint32_t net;
	uint8_t prefix;
	const struct bb_dhcp_pool *pools;
	size_t npools;
	uint32_t router; /* 0: none */
	const uint32_t *dns;
	size_t ndns;
	const uint32_t *ntp;
	size_t nntp;
	const char *domain;  /* NULL: none */
	uint32_t lease_time; /* seconds; 0: config->lease_time */
	enum bb_dhcp_standdown standdown;
	const struct bb_dhcp_option *options;
	size_t noptions;
};

/* A reservation from the machine inventory. */
struct bb_dhcp_host {
	uint8_t mac[6];
	uint32_t ip;	      /* 0: known machine, address from the pool */
	const char *hostname; /* option 12; NULL: none */
	const char *domain;   /* option 15; NULL: the subnet's */
	const struct bb_dhcp_option *options; /* before the subnet's */
	size_t noptions;
};

struct bb_dhcp_boot {
	uint32_t next_server;	/* siaddr / option 66 (TFTP), 0: no TFTP */
	const char *bios_file;	/* e.g. "undionly.kpxe" */
	const char *efi64_file; /* "ipxe.efi" */
	const char *arm64_file; /* "snponly.efi" */
	/* base URL without trailing slash, e.g. "http://192.168.2.2:8080";
	 * NULL: no HTTP boot. iPXE gets <base>/boot.ipxe; UEFI HTTP boot gets
	 * <base>/<efi64_file> (or arm64_file). */
	const char *http_base;
};

struct bb_dhcp_config {
	uint32_t server_id;    /* option 54: our address on the bootstrap net */
	uint32_t lease_time;   /* default lease, seconds */
	uint32_t decline_time; /* quarantine of a declined address, seconds */
	uint32_t offer_time; /* how long an OFFER holds its address, seconds */
	bool known_only;     /* answer only hosts[] */
	/* false: a pool client is its hardware address (chaddr) and the
	 * client identifier is only recorded, so the PXE ROM, iPXE and the OS
	 * of one machine share one address; true: RFC 2131/6842 identity,
	 * option 61 when sent. Reservations always go by chaddr. */
	bool match_client_id;
	/* DISCOVERs + DECLINEs taken per chaddr per second; 0: no limit */
	uint32_t rate_limit;
	const struct bb_dhcp_subnet *subnets;
	size_t nsubnets;
	const struct bb_dhcp_host *hosts;
	size_t nhosts;
	struct bb_dhcp_boot boot;
};

enum bb_dhcp_lease_state {
	BB_LEASE_FREE = 0,     /* released or expired: may be reused */
	BB_LEASE_BOUND = 1,    /* ACKed */
	BB_LEASE_DECLINED = 2, /* quarantined until expires */
};

struct bb_dhcp_lease {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t state;	       /* enum bb_dhcp_lease_state */
	int64_t expires;       /* wall clock seconds */
	int64_t updated;       /* wall clock seconds of the last change */
	uint8_t client_id_len; /* option 61, 0..64 */
	uint8_t client_id[64];
	char hostname[64]; /* option 12 the client sent, NUL-terminated */
};

enum bb_dhcp_dest {
	BB_DHCP_TX_NONE = 0,
	BB_DHCP_TX_BROADCAST,  /* 255.255.255.255:68 on the interface */
	BB_DHCP_TX_UNICAST_HW, /* to dst_ip:68 at link address chaddr:
				* the client has no address yet */
	BB_DHCP_TX_UNICAST,    /* to dst_ip:dst_port, routable (relay:67,
				* renewing client:68) */
};

struct bb_dhcp_rx {
	const uint8_t *pkt;
	size_t len;
	uint32_t src_ip; /* source address of the datagram */
	uint16_t src_port;
	int64_t now; /* wall clock seconds */
};

struct bb_dhcp_tx {
	enum bb_dhcp_dest dest;
	uint32_t dst_ip;
	uint16_t dst_port;
	uint8_t chaddr[6];
	uint8_t msg_type; /* DHCPOFFER, DHCPACK, ... for logs */
	uint32_t yiaddr;
	uint8_t rx_type; /* the request's message type */
	/* why nothing is sent (enum bb_dhcp_ignore), BB_IGN_NONE otherwise;
	 * ign_ip: the address concerned, 0: none */
	uint8_t ignore;
	uint32_t ign_ip;
	/* bytes to append to the journal (and fsync) before sending; 0: none.
	 * Also filled for RELEASE/DECLINE, which send nothing. */
	size_t journal_len;
	uint8_t journal[BB_DHCP_JOURNAL_MAX];
};

/* Every request that gets no reply has one of these reasons. */
enum bb_dhcp_ignore {
	BB_IGN_NONE = 0,
	BB_IGN_NO_SUBNET,    /* no served subnet for its giaddr / our address */
	BB_IGN_UNKNOWN,	     /* known_only, and not a machine of ours */
	BB_IGN_STANDDOWN,    /* a scope handed over to the management DHCP */
	BB_IGN_OTHER_SERVER, /* REQUEST naming another server-id */
	BB_IGN_NO_ADDRESS,   /* pool exhausted */
	BB_IGN_IN_USE,	  /* its reserved address is held by another machine */
	BB_IGN_NOT_OWNER, /* RELEASE/DECLINE of an address not its own */
	BB_IGN_NO_REQUESTED,  /* REQUEST that names no address */
	BB_IGN_RATE_LIMITED,  /* DISCOVER/DECLINE over dhcp.rate_limit */
	BB_IGN_INFORM_OFFNET, /* INFORM from outside our subnets, not relayed */
	BB_IGN_NOT_REQUEST,   /* a server's message type, or an unknown one */
	BB_IGN_COUNT,
};

/* "no-subnet", "rate-limited", ...: the metric label and the log word. */
const char *bb_dhcp_ignore_name(unsigned reason);

struct bb_dhcp_stats {
	uint64_t rx, malformed, ignored;
	uint64_t discover, request, decline, release, inform;
	uint64_t offer, ack, nak;
	uint64_t no_address;	    /* pool exhausted */
	uint64_t decline_reclaimed; /* quarantined address given out again */
	uint64_t ignored_by[BB_IGN_COUNT];
};

struct bb_dhcp_server;

/* Copies everything it needs from cfg (strings and arrays too). NULL on
 * allocation failure or BB_EINVAL config. */
struct bb_dhcp_server *bb_dhcp_server_new(const struct bb_dhcp_config *cfg);
/* New config, same leases (SIGHUP). 0 or a negative BB_E*; on error the old
 * config stays. */
int bb_dhcp_server_reconfigure(struct bb_dhcp_server *srv,
			       const struct bb_dhcp_config *cfg);
void bb_dhcp_server_free(struct bb_dhcp_server *srv);

/* Handles one datagram. Returns the reply length written to out (> 0), 0 when
 * there is nothing to send (ignored; tx->journal_len may still be set), or a
 * negative BB_E* when the packet was malformed (dropped and counted). Never
 * reads outside rx->pkt[0..len). */
int bb_dhcp_server_input(struct bb_dhcp_server *srv,
			 const struct bb_dhcp_rx *rx, uint8_t *out, size_t cap,
			 struct bb_dhcp_tx *tx);

/* Replays journal bytes into the lease table (at start). Records are
 * self-delimiting and checksummed; *good_len is set to the length of the
 * longest prefix of whole, valid records, so the board can cut a torn tail.
 * Zero bytes between records or at the end (a preallocated file's unwritten
 * part) belong to that prefix. Returns the number of records applied, or a
 * negative BB_E*. */
long bb_dhcp_server_replay(struct bb_dhcp_server *srv, const uint8_t *buf,
			   size_t len, size_t *good_len);

/* Encodes one lease as a journal record; bytes written or BB_ENOSPC. Used for
 * compaction: the board writes every live lease into a fresh journal. */
int bb_dhcp_journal_encode(const struct bb_dhcp_lease *lease, uint8_t *buf,
			   size_t cap);

/* Calls fn for every lease that is not FREE (and not expired before now when
 * now > 0). Stops early and returns fn's value when fn returns non-zero. */
int bb_dhcp_server_foreach(const struct bb_dhcp_server *srv, int64_t now,
			   int (*fn)(const struct bb_dhcp_lease *, void *),
			   void *arg);

/* The lease for ip, or NULL. */
const struct bb_dhcp_lease *
bb_dhcp_server_lease_by_ip(const struct bb_dhcp_server *srv, uint32_t ip);

const struct bb_dhcp_stats *
bb_dhcp_server_stats(const struct bb_dhcp_server *srv);

/* The hostname of mac's reservation (the machine's name), or NULL; valid
 * until the next reconfigure. */
const char *bb_dhcp_server_host_name(const struct bb_dhcp_server *srv,
				     const uint8_t mac[6]);

#endif
