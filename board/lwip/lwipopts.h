/* lwIP's configuration for the lwIP board, and the one place where its
 * static RAM is sized: the heap, the pools and bootbox's own tables on this
 * board. NO_SYS=1 (one thread, the main loop calls lwIP), raw API only.
 * `make firmware` prints the resulting .bss/.data with size(1). */
#ifndef BB_LWIPOPTS_H
#define BB_LWIPOPTS_H

/* --- bootbox's own tables on this board --- */
#define BB_LWIP_MAX_TFTP    64 /* transfers at once (one UDP pcb each) */
#define BB_LWIP_MAX_HTTP    64 /* HTTP connections at once */
#define BB_LWIP_MAX_STREAMS BB_LWIP_MAX_HTTP /* board.h TCP streams */
/* outbound connections (the artifact cache's downloads) with a pcb kept
 * for them beside the HTTP ones; each download also mallocs about 110 KiB
 * (the fetch machine's, the TLS session's and mbedTLS's record buffers)
 * and its parsed CA certificates */
#define BB_LWIP_MAX_DIAL 8
/* HTTPS sessions at once: each holds about 80 KiB (the session's record
 * buffers and mbedTLS's own), from malloc, not from lwIP's heap */
#define BB_LWIP_MAX_TLS	 8
#define BB_LWIP_TFTP_BLK 1468 /* largest TFTP block: MTU - IP - UDP - 4 */

/* --- the system: one thread, no OS --- */
#define NO_SYS		     1
#define LWIP_NETCONN	     0
#define LWIP_SOCKET	     0
#define LWIP_NETIF_API	     0
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS	     1

/* --- memory: everything static, nothing from malloc --- */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT	8
/* the heap holds the TCP send data (tcp_write copies) and PBUF_RAM
 * packets we build. The streams share all of it but the reserve (tcp.c):
 * 16 fast downloads get about 22 KiB each, 64 at once about 5.5 KiB,
 * and DHCP replies, ACKs and a TFTP window (16 blocks) are never
 * refused. Sized for the 1 MiB of RAM with 64 clients: heap + pools + our
 * malloc (about 380 KiB then) + static tables, as bench_lwip counts them
 * (~970 KiB; 416 KiB of heap came to 1004 KiB for 3% more throughput) */
#define MEM_SIZE		(384 * 1024)
#define BB_LWIP_HEAP_RESERVE	(32 * 1024)
#define MEMP_NUM_PBUF		64
#define MEMP_NUM_UDP_PCB	(BB_LWIP_MAX_TFTP + 4)
#define MEMP_NUM_TCP_PCB	(BB_LWIP_MAX_HTTP + BB_LWIP_MAX_DIAL + 4)
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG	512
#define MEMP_NUM_REASSDATA	4
#define MEMP_NUM_FRAG_PBUF	16
#define MEMP_NUM_ARP_QUEUE	32
#define MEMP_NUM_SYS_TIMEOUT	(LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
/* received frames: each is taken in and freed in the same turn, but for
 * a request held while its connection is still sending (one per
 * connection) and out-of-order segments; bench_lwip saw a peak of 1 */
#define PBUF_POOL_SIZE 64
#define PBUF_POOL_BUFSIZE                                                      \
	LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + PBUF_LINK_ENCAPSULATION_HLEN +      \
			    PBUF_LINK_HLEN)

/* --- protocols --- */
#define LWIP_IPV4		      1
#define LWIP_IPV6		      0
#define LWIP_ARP		      1
#define ARP_TABLE_SIZE		      128 /* every client of a /24 pool, and spare */
#define ARP_QUEUEING		      1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_ETHERNET		      1
#define LWIP_ICMP		      1
#define LWIP_RAW		      0
#define LWIP_UDP		      1
#define LWIP_TCP		      1
#define LWIP_DHCP		      0 /* we are the server, with our own engine */
/* a DISCOVER comes from 0.0.0.0, which lwIP drops as a broadcast source
 * unless its port is one that link-layer addressing is accepted for */
#define LWIP_IP_ACCEPT_UDP_PORT(port) ((port) == PP_NTOHS(67))
#define LWIP_AUTOIP		      0
#define LWIP_IGMP		      0
#define LWIP_DNS		      0
#define IP_REASSEMBLY		      1
#define IP_FRAG			      1
#define IP_SOF_BROADCAST	      0
#define LWIP_BROADCAST_PING	      0
#define SO_REUSE		      1 /* a DHCP pcb and the TFTP ones on one addr */

#define TCP_MSS			   1460
#define TCP_WND			   (8 * TCP_MSS)
#define TCP_SND_BUF		   (32 * TCP_MSS)
#define TCP_SND_QUEUELEN	   (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG	   1
#define TCP_DEFAULT_LISTEN_BACKLOG 64
#define LWIP_TCP_KEEPALIVE	   0
#define TCP_QUEUE_OOSEQ		   1
#define LWIP_WND_SCALE		   0

#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0
#define LWIP_SINGLE_NETIF	   1
#define LWIP_NETIF_TX_SINGLE_PBUF  1 /* one write(2) per frame to the TAP */

/* --- checksums: TCP and UDP ones sent are left to the kernel (the TAP's
 * virtio-net header, tap_tx.c); IP, ICMP and everything received are
 * ours (the TAP takes no offloads in) --- */
#define CHECKSUM_GEN_TCP      0
#define CHECKSUM_GEN_UDP      0
#define LWIP_CHECKSUM_ON_COPY 0

/* --- statistics: pools and heap peaks for the benchmark --- */
#define LWIP_STATS	   1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS	   1
#define MEMP_STATS	   1
#define LINK_STATS	   1

#define LWIP_DEBUG    0
#define LWIP_NOASSERT 0

#endif
