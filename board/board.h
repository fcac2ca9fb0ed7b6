/* The board interface: what firmware/serve needs from the platform under
 * it, and nothing more. One implementation per board, chosen at link time
 * (board/linux on the kernel's stack, board/lwip on lwIP over a TAP or a
 * MAC). Everything runs on one loop thread, callbacks come from the loop,
 * except in a lane (below): what a lane's setup opens is served by the
 * lane's own loop, on a thread of its own where the board has threads.
 * Errors are a negative BB_E* (common/err.h) and a message the board
 * keeps for the caller (bb_board_errmsg), never errno or err_t.
 *
 * Kept small enough for a board with a flash filesystem and no OS: files
 * are read by offset and replaced whole (no rename of directories, no
 * links), the journal is append + commit, and spawning may be absent.
 *
 * Status: board/lwip implements the parts it uses; firmware/serve moves
 * onto it part by part (tests/layering.allow lists what is left). */
#ifndef BB_BOARD_H
#define BB_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- errors ------------------------------------------------------- */

/* The message of the last failed board call on this loop ("" if none):
 * each lane has its own. */
const char *bb_board_errmsg(void);
/* For the boards themselves: keeps the message, returns rc. */
int bb_board_fail(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --- capacities ------------------------------------------------------ */

/* What one board holds or sends at once, for the services to size
 * themselves by; 0 where the board sets no bound of its own. */
struct bb_board_caps {
	uint32_t tftp_transfers;   /* TFTP transfers at once */
	uint32_t udp_payload_max;  /* the largest datagram it sends */
	uint32_t udp_train_bytes;  /* a run of bb_udp_send_tftp_data ... */
	uint32_t udp_train_blocks; /* ... and its blocks; 0: one a call */
	uint32_t read_ahead;	   /* bytes a lock-step transfer may cache */
};
void bb_board_caps(struct bb_board_caps *c);

/* --- time and timers ---------------------------------------------- */

uint64_t bb_board_now_ms(void);	 /* monotonic, sampled once per turn */
int64_t bb_board_wall_now(void); /* wall clock seconds (lease expiry) */

struct bb_board_timer;
typedef void (*bb_board_timer_fn)(void *arg);
/* A timer is owned by the caller; arm re-arms. */
struct bb_board_timer *bb_board_timer_new(bb_board_timer_fn fn, void *arg);
void bb_board_timer_arm(struct bb_board_timer *t, uint64_t delay_ms);
void bb_board_timer_cancel(struct bb_board_timer *t);
void bb_board_timer_free(struct bb_board_timer *t);
/* Runs once after each batch of events, before the loop sleeps (group
 * commit of the lease journal, saving machine states). */
int bb_board_idle_add(void (*fn)(void *arg), void *arg);

/* --- lanes and locks ------------------------------------------------ */
/* A lane is a loop of its own for one service that must answer at once
 * whatever the main loop is doing (DHCP beside a storm of downloads): on
 * Linux a thread; on a board with one thread, the main loop itself. The
 * UDP sockets, journals and timers that setup opens belong to the lane
 * and call back on it, so what they share with the main loop is the
 * caller's to guard with a lock. setup runs at once, on the caller's
 * thread (sockets are bound before privileges are dropped); its result
 * is start's, and when it fails there is no lane. Otherwise *out is set
 * even when start fails later, for stop. The lane runs from bb_lanes_go
 * on, which serve calls once it has dropped root (a thread made earlier
 * would keep root's capabilities), or at once when started after it.
 * stop runs teardown on the lane (to close what setup opened), then ends
 * it. */
struct bb_lane;
int bb_lane_start(const char *name, int (*setup)(void *arg), void *arg,
		  struct bb_lane **out);
int bb_lanes_go(void);
void bb_lane_stop(struct bb_lane *l, void (*teardown)(void *arg), void *arg);

/* A mutex between lanes and the main loop (no-op with one thread). Not
 * recursive; NULL from new when memory ran out, and take/give on NULL do
 * nothing. */
struct bb_lock;
struct bb_lock *bb_lock_new(void);
void bb_lock_free(struct bb_lock *k);
void bb_lock_take(struct bb_lock *k);
void bb_lock_give(struct bb_lock *k);

/* --- UDP ------------------------------------------------------------ */

struct bb_udp;
struct bb_udp_peer {
	uint32_t ip; /* host byte order */
	uint16_t port;
	/* received: when the datagram reached the host (the kernel's stamp
	 * on Linux's listener on an interface) in CLOCK_MONOTONIC ns; 0 when
	 * the board does not know. Ignored in a destination. */
	uint64_t rx_ns;
};
/* One datagram; the bytes are valid during the call only. */
typedef void (*bb_udp_recv_fn)(void *arg, struct bb_udp *u, const uint8_t *pkt,
			       size_t len, const struct bb_udp_peer *from);

/* Bound to addr:port (0: any) on the board's interface; with a non-NULL
 * peer, connected to it (a TFTP transfer's TID). */
struct bb_udp *bb_udp_open(uint32_t addr, uint16_t port,
			   const struct bb_udp_peer *peer, bb_udp_recv_fn fn,
			   void *arg);
/* A listener on the interface ifname only, for a service of its segment
 * (DHCP's port 67): it hears what is broadcast there, its BROADCAST and
 * TO_HW leave there, and the board serves it ahead of other work (a reply
 * waits for no download). Datagrams come in batches (recvmmsg on Linux,
 * which under load polls the socket every millisecond rather than wake
 * per datagram); batch_end(arg, u) follows each batch. Sends wait for
 * bb_udp_flush (one sendmmsg). 0, BB_EEXIST (another server has the
 * port), BB_EINVAL or BB_EIO, with the board's message. */
int bb_udp_open_if(const char *ifname, uint16_t port, bb_udp_recv_fn fn,
		   void (*batch_end)(void *arg, struct bb_udp *u), void *arg,
		   struct bb_udp **out);
void bb_udp_close(struct bb_udp *u);
/* The largest datagram payload that leaves unfragmented (path MTU). */
size_t bb_udp_max_payload(const struct bb_udp *u);

enum bb_udp_how {
	BB_UDP_TO,	  /* to->ip:port, routable */
	BB_UDP_BROADCAST, /* 255.255.255.255:to->port on the interface */
	BB_UDP_TO_HW,	  /* to->ip:port at link address hw: the client has
			   * no address yet (DHCP OFFER/ACK without the
			   * BROADCAST flag); the board may fall back to
			   * broadcast when it cannot address the frame */
};
/* Queues one datagram (copied); the board may send at once or at flush.
 * On a connected bb_udp, how/to/hw are ignored (NULL is fine); else to is
 * needed (its port for BROADCAST too) and hw for TO_HW.
 * 0 or BB_EAGAIN (no buffer: the caller drops or retries) / BB_EIO. */
int bb_udp_send(struct bb_udp *u, enum bb_udp_how how,
		const struct bb_udp_peer *to, const uint8_t hw[6],
		const void *pkt, size_t len);
/* Sends what is queued (a batch: sendmmsg on Linux). */
void bb_udp_flush(struct bb_udp *u);
/* In a receive callback: the address the datagram was sent to (for a
 * broadcast, the interface's own); replies from u leave from it. */
uint32_t bb_udp_local(const struct bb_udp *u);
struct bb_file;
/* TFTP DATA blocks first.. of f on a connected u: count datagrams of seg
 * bytes (a 4-byte header, then seg - 4 bytes of f from off; the last may
 * be shorter), len file bytes in all, at most the caps' train. One UDP GSO
 * send on Linux. 0, BB_EIO (a short read of f) or BB_ENOENT (the peer is
 * unreachable); a full send buffer is not an error (the blocks go again
 * at the retransmit). */
int bb_udp_send_tftp_data(struct bb_udp *u, struct bb_file *f, uint32_t first,
			  uint32_t count, uint32_t seg, uint64_t off,
			  uint64_t len);

/* --- TCP streams ----------------------------------------------------- */

struct bb_stream;
struct bb_stream_ops {
	/* bytes arrived; returns how many it took (0..len): the board keeps
	 * the rest, unacknowledged (the peer's window closes), and offers it
	 * again on bb_stream_resume(); len 0: the peer closed */
	size_t (*data)(void *arg, struct bb_stream *s, const uint8_t *p,
		       size_t len);
	/* some of what was written has been acknowledged: room again */
	void (*writable)(void *arg, struct bb_stream *s);
	/* the board ended the stream (reset, error); not called after the
	 * caller's own close or abort */
	void (*closed)(void *arg, struct bb_stream *s);
};
/* A new stream: returns the callbacks' arg and sets *ops, or NULL to
 * refuse it (reset). */
typedef void *(*bb_accept_fn)(void *arg, struct bb_stream *s,
			      const struct bb_udp_peer *from,
			      const struct bb_stream_ops **ops);
struct bb_listener;
struct bb_listener *bb_tcp_listen(uint32_t addr, uint16_t port, bb_accept_fn fn,
				  void *arg);
void bb_tcp_unlisten(struct bb_listener *l);
/* Bytes taken (copied), 0..len: fewer when the send buffer is full;
 * writable() says when to go on. */
size_t bb_stream_write(struct bb_stream *s, const void *p, size_t len);
/* Up to len bytes of an open file from off, without a copy where the
 * board can (sendfile); bytes taken, as bb_stream_write. */
struct bb_file;
size_t bb_stream_send_file(struct bb_stream *s, struct bb_file *f, uint64_t off,
			   size_t len);
/* As bb_stream_write, with more bytes following at once (a head before
 * its body): the board may hold them for one segment (MSG_MORE). */
size_t bb_stream_write_more(struct bb_stream *s, const void *p, size_t len);
/* What the board holds at once, for the HTTP service to size itself by;
 * 0 where it sets no bound of its own. */
struct bb_stream_caps {
	uint32_t streams; /* streams open at once (fds, pcbs) */
	uint32_t tls;	  /* TLS sessions at once (their RAM) */
};
void bb_stream_caps(struct bb_stream_caps *c);
/* Offers the bytes a data() call left again. */
void bb_stream_resume(struct bb_stream *s);
/* No more bytes from us once written ones are out (a FIN); reading goes
 * on, so that a client still sending gets our answer, not a reset. */
void bb_stream_shutdown(struct bb_stream *s);
/* Graceful close once written bytes are out. */
void bb_stream_close(struct bb_stream *s);
void bb_stream_abort(struct bb_stream *s);

/* A file still being written (an artifact arriving from upstream, handed
 * over in bb_http_response.growing), streamed as it grows. Readers never
 * get its last byte before the writer says it is whole and verified. */
struct bb_growing;
struct bb_growing_waiter {
	struct bb_growing_waiter *prev, *next;
	bool queued;
	void (*wake)(struct bb_growing_waiter *w);
};
enum bb_growing_state {
	BB_GROWING_OPEN = 0, /* bytes still arriving */
	BB_GROWING_DONE = 1, /* complete and verified: have == total */
	BB_GROWING_FAILED = -1,
};
/* The writer's side: the file at path, being written, read as it grows
 * (one reference; NULL when it cannot be opened). Each update (bytes in
 * it, its final length or 0 while unknown, a bb_growing_state) wakes the
 * readers that had caught up. */
struct bb_growing *bb_growing_open(const char *path);
/* The writer's file is now the one at path (another process's .part was
 * taken over, or replaced): readers keep their place and read it from
 * now on. 0, or BB_EIO when it cannot be opened (g unchanged). */
int bb_growing_reopen(struct bb_growing *g, const char *path);
void bb_growing_update(struct bb_growing *g, uint64_t have, uint64_t total,
		       int state);
uint64_t bb_growing_have(const struct bb_growing *g);
struct bb_growing *bb_growing_ref(struct bb_growing *g);
void bb_growing_unref(struct bb_growing *g);
int bb_growing_state(const struct bb_growing *g);
uint64_t bb_growing_total(const struct bb_growing *g);	  /* 0: unknown yet */
uint64_t bb_growing_sendable(const struct bb_growing *g); /* bytes, now */
/* Its bytes, for bb_stream_send_file (owned by g). */
struct bb_file *bb_growing_file(struct bb_growing *g);
/* Wait for the writer's next report (once); unwait is safe when not
 * waiting. */
void bb_growing_wait(struct bb_growing *g, struct bb_growing_waiter *w);
void bb_growing_unwait(struct bb_growing *g, struct bb_growing_waiter *w);

/* TLS on a stream (HTTPS): the server's certificate chain and key from
 * files, as one mbedTLS server configuration for services/http/
 * tls_session, counted (a renewed pair serves new sessions while open
 * ones keep theirs). NULL with one line in msg when a file is missing or
 * unreadable or the key is not the certificate's. */
struct bb_tls_cred;
struct mbedtls_ssl_config;
struct bb_tls_cred *bb_tls_cred_load(const char *cert_path,
				     const char *key_path, char *msg,
				     size_t cap);
struct bb_tls_cred *bb_tls_cred_get(struct bb_tls_cred *c); /* refs++ */
void bb_tls_cred_put(struct bb_tls_cred *c); /* refs--, freed at 0 */
/* Whether the files differ from what c was loaded from (c may be NULL). */
int bb_tls_cred_changed(const struct bb_tls_cred *c, const char *cert_path,
			const char *key_path);
const struct mbedtls_ssl_config *bb_tls_cred_conf(const struct bb_tls_cred *c);
/* The leaf's serial number, for the log. */
void bb_tls_cred_serial(const struct bb_tls_cred *c, char *buf, size_t cap);

/* --- files beneath a root -------------------------------------------- */

struct bb_root;
struct bb_root *bb_root_open(const char *dir);
void bb_root_close(struct bb_root *r);
/* A regular file by a relative, already normalised name; no name, link or
 * ".." leaves the root. BB_ENOENT, BB_EACCES. */
int bb_file_open(struct bb_root *r, const char *name, struct bb_file **f);
/* rel beneath the directory root (an absolute path): bb_file_open's rule,
 * but a last-component link is followed when its owner also owns its
 * target (matchbox asset dirs and /usr/lib/ipxe are full of links); the
 * HTTP routes' files, with their mtime in ns. BB_ENOENT, BB_EACCES, or
 * BB_EAGAIN (out of descriptors). */
int bb_file_open_confined(const char *root, const char *rel, struct bb_file **f,
			  uint64_t *mtime_ns);
/* Forgets what bb_file_open_confined keeps per root (a reload). */
void bb_file_confined_flush(void);
/* A regular file of our own by absolute path (a cached artifact). */
int bb_file_open_path(const char *path, struct bb_file **f, uint64_t *mtime_ns);
uint64_t bb_file_size(const struct bb_file *f);
int64_t bb_file_mtime(const struct bb_file *f);
long bb_file_pread(struct bb_file *f, void *buf, size_t len, uint64_t off);
void bb_file_close(struct bb_file *f);
/* Replaces name with data whole, durably (temp + fsync + rename on
 * Linux; a new log generation on flash). */
int bb_file_write_atomic(struct bb_root *r, const char *name, const void *data,
			 size_t len);
/* Calls fn for each entry of a directory (regular files and dirs). */
int bb_dir_list(struct bb_root *r, const char *name,
		int (*fn)(void *arg, const char *entry, bool is_dir),
		void *arg);

/* --- the interface ---------------------------------------------------- */

enum bb_ifaddr_result {
	BB_IFADDR_PRESENT = 0, /* it already had addr: nothing done */
	BB_IFADDR_ADDED = 1,   /* addr/prefix added and the link set up */
	BB_IFADDR_OTHER = 2,   /* it has other IPv4 addresses: left alone */
};
/* Gives ifname addr/prefix (host order) and sets its link up when it has
 * no IPv4 address yet. A bb_ifaddr_result, or a negative BB_E* with why in
 * msg (no such interface, no permission). */
int bb_board_ifaddr_ensure(const char *ifname, uint32_t addr, uint8_t prefix,
			   char *msg, size_t cap);

/* --- state files by path ---------------------------------------------
 * The state directory, certificates, the config: small files read whole
 * (at most max bytes) and replaced whole and durably (temp, sync, rename,
 * sync of the directory), so a power cut leaves the old or the new one.
 * 0 or a negative BB_E* (BB_ENOENT for a missing file). */

struct bb_buf;
int bb_read_file(const char *path, struct bb_buf *out, size_t max);
int bb_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned int mode);
/* bb_write_file_atomic off the loop where the board can (Linux: a thread
 * of its own; the lwIP board writes at once): data is copied, and
 * done(arg, rc) runs on the loop once the file is replaced (or at once,
 * before this returns). One write at a time: BB_EAGAIN while one is in
 * flight, BB_EINVAL for a path too long; else 0. */
int bb_write_file_bg(const char *path, const void *data, size_t len,
		     unsigned int mode, void (*done)(void *arg, int rc),
		     void *arg);
/* Waits for the write in flight, if any, and runs its done. */
void bb_write_file_bg_wait(void);
int bb_mkdirs(const char *dir, unsigned int mode);
/* The size of the regular file at path: 0 or BB_ENOENT. */
int bb_path_size(const char *path, uint64_t *size);
/* A file of our own opened read-write (created 0644 when absent) for a
 * download into it (bb_board_download_opts.fd): POSIX files on both boards
 * in this build. 0 or a negative BB_E*. */
int bb_fd_open_rw(const char *path, int *fd);
int bb_fd_size(int fd, uint64_t *size);
/* Where a download into fd resumes: its size, unless it has a hole (two
 * connections write a large body at their offsets, and a killed process
 * leaves a gap between them): then a little before the first hole, and
 * the file is cut there. 0 or BB_EIO. */
int bb_fd_resume_size(int fd, uint64_t *size);
/* Takes the file open on fd for this open alone (flock, not waiting): 0,
 * BB_EAGAIN while another open of it (another process) holds it, or
 * BB_EIO. Released when fd is closed. */
int bb_fd_trylock(int fd);
/* fd is still the file at path (not renamed away nor replaced since). */
bool bb_fd_is_path(int fd, const char *path);
void bb_fd_close(int fd);
int bb_mkdirs_parent(const char *path, unsigned int mode);
int bb_fsync_parent(const char *path);
/* fn(arg, name) for each entry of dir but "." and "..", of any type (a
 * link is the caller's to follow or not), until fn returns nonzero, which
 * is then returned. BB_ENOENT when dir cannot be read. */
int bb_list_dir(const char *dir, int (*fn)(void *arg, const char *name),
		void *arg);
bool bb_is_dir(const char *path);
/* A set of files published at once (a key and its certificate): they are
 * written into staged, made empty (mode 0700) beside live and named in
 * staged, which publish then makes live in one step; after a power cut
 * either the old set or the new one is live, never a mix. */
int bb_dir_stage(const char *live, char *staged, size_t cap);
int bb_dir_publish(const char *staged, const char *live);

/* --- randomness ----------------------------------------------------- */
/* len bytes from the board's cryptographic random source: 0 or BB_EIO. */
int bb_board_random(void *p, size_t len);

/* --- the lease journal --------------------------------------------- */

struct bb_jr;
/* Opens (creating) the journal and hands its whole content to replay,
 * which returns how many leading bytes were whole records (a torn tail is
 * cut there; len cuts nothing). Errors here and below come with the
 * board's message of why (the caller names the path). */
int bb_jr_open(const char *path,
	       size_t (*replay)(void *arg, const uint8_t *p, size_t len),
	       void *arg, struct bb_jr **out);
void bb_jr_append(struct bb_jr *j, const void *rec, size_t len);
/* Makes what was appended durable, then calls done(arg, 0 or BB_EIO):
 * later on the loop (a thread on Linux, its outcome served ahead of other
 * work) or before returning (inline on a board without threads). A commit
 * while one is in flight is BB_EAGAIN. */
int bb_jr_commit(struct bb_jr *j, void (*done)(void *arg, int rc), void *arg);
bool bb_jr_busy(const struct bb_jr *j);
/* Replaces the journal with data (compaction), durably; BB_EAGAIN while
 * a commit is in flight. */
int bb_jr_rewrite(struct bb_jr *j, const void *data, size_t len);
/* Bytes in the file; read it only while no commit is in flight. */
uint64_t bb_jr_size(const struct bb_jr *j);
/* Waits for a commit in flight, writes what is still appended, closes. */
void bb_jr_close(struct bb_jr *j);

/* --- outbound HTTP(S): the cfssl client, the export POST ---------- */
/* One request and its whole reply in memory, Connection: close. https
 * trusts ca_path and extra_ca only (a PKI is trusted through its own
 * bundle, never the system store unless it is named) and
 * checks an IP host against the certificate's IP subjectAltNames. The
 * result comes once, later on the loop (never from inside start). */
struct bb_board_fetch;
struct bb_board_fetch_req {
	const char *method;   /* NULL: POST */
	const char *url;      /* http:// or https:// */
	const char *ca_path;  /* PEM; required for https */
	const char *extra_ca; /* PEM trusted besides ca_path; NULL */
	const char *headers;  /* extra lines, each ending in CRLF; NULL */
	const void *body;     /* copied at start */
	size_t body_len;
	uint32_t timeout_ms; /* each connect, read and write; 0: 10 s */
	size_t max_reply;    /* body cap; 0: 1 MiB */
};
struct bb_board_fetch_result {
	int err;	     /* 0: a whole reply came (any status); BB_E* */
	const char *msg;     /* why, when err */
	int status;	     /* HTTP status */
	const uint8_t *body; /* valid during the call */
	size_t len;
};
typedef void (*bb_board_fetch_fn)(void *arg,
				  const struct bb_board_fetch_result *r);
/* 0, or a negative BB_E* (fn is then not called). With out, the caller
 * may cancel it until fn has been called. */
int bb_board_fetch_start(const struct bb_board_fetch_req *req,
			 bb_board_fetch_fn fn, void *arg,
			 struct bb_board_fetch **out);
/* fn is not called after this. */
void bb_board_fetch_cancel(struct bb_board_fetch *f);
/* The artifact cache's download: url into the open file fd (read-write;
 * POSIX files on both boards in this build) from offset on: the bytes
 * already there are hashed again and the rest asked for with Range (a 200
 * instead restarts the file). Redirects are followed (an https fetch only
 * to https), proxy is an "http://host:port" for CONNECT (NULL: direct),
 * TLS trusts system_ca (NULL: the Debian bundle) plus ca_bundle and fails
 * closed. The file is synced before done, which comes once, later on the
 * loop (never from inside start); the download is freed after it returns.
 * The lwIP board has no resolver: its hosts (the factory, the proxy) are
 * IPv4 literals, and an https host is verified against the certificate's
 * IP subjectAltNames. */
struct bb_board_download;
struct bb_board_download_opts {
	const char *url;
	const char *ca_bundle; /* extra trusted CAs (PEM), NULL: none */
	const char *system_ca; /* NULL: /etc/ssl/certs/ca-certificates.crt */
	const char *proxy;
	uint32_t read_timeout_ms; /* idle; 0: 30 s */
	int fd;
	uint64_t offset;
	uint64_t max_bytes; /* a larger body fails; 0: 4 GiB */
};
struct bb_board_download_result {
	int err;	    /* 0 or a negative BB_E* */
	char msg[256];	    /* one line, for logs and the CLI */
	int status;	    /* last HTTP status, 0 if none */
	uint64_t length;    /* bytes in the file */
	uint8_t sha256[32]; /* of the whole file, when err == 0 */
	bool resumable;	    /* the connection was cut: retry with offset */
};
struct bb_board_download_cb {
	/* total is 0 while unknown; called as bytes land */
	void (*progress)(void *arg, uint64_t have, uint64_t total);
	void (*done)(void *arg, const struct bb_board_download_result *r);
	void *arg;
};
/* NULL (and no callback) when the URL is unusable or memory ran out; the
 * board's message says why. */
struct bb_board_download *
bb_board_download_start(const struct bb_board_download_opts *o,
			const struct bb_board_download_cb *cb);
/* Stops without calling done. */
void bb_board_download_cancel(struct bb_board_download *d);

/* --- the hand-off probe ---------------------------------------------- */
/* One probe of services/handoff (tcp: a connect; http(s): a GET whose
 * answer services/handoff/probe_reply.c judges) against ip, bounded by
 * timeout_ms from the start. fn(arg, ok, why) once, on the loop; why is
 * NULL when ok, else a reason valid during the call. NULL when it could
 * not even start (fn is then not called; bb_board_errmsg says why). */
struct bb_probe;
struct bb_board_probe;
struct bb_board_probe_opts {
	uint32_t timeout_ms;
	const char *ca_file; /* https: verify against it; NULL: no check */
	const char *sni;     /* https: the server name; NULL: none */
};
typedef void (*bb_board_probe_fn)(void *arg, bool ok, const char *why);
struct bb_board_probe *bb_board_probe_start(uint32_t ip,
					    const struct bb_probe *p,
					    const struct bb_board_probe_opts *o,
					    bb_board_probe_fn fn, void *arg);
/* Stops a probe without calling its fn. */
void bb_board_probe_cancel(struct bb_board_probe *r);

/* --- child processes: hooks, the certificate renewal ---------------- */
/* Runs path (NULL: this program itself) with argv, the environment plus
 * env ("NAME=value" strings, NULL-terminated; NULL for none) and no signal
 * blocked. done(arg, status) on the loop when it ends: its exit status, or
 * 128 + the signal that killed it. 0, or BB_EUNSUPP on a board without
 * processes, or BB_EIO. With out, the caller may stop it until done has
 * been called; without, it runs on after the caller forgets it (done may
 * be NULL). */
struct bb_spawn;
typedef void (*bb_spawn_fn)(void *arg, int status);
int bb_spawn(const char *path, const char *const *argv, const char *const *env,
	     bb_spawn_fn done, void *arg, struct bb_spawn **out);
/* SIGTERM, then waits for it; done is not called. */
void bb_spawn_stop(struct bb_spawn *p);

/* --- reload ----------------------------------------------------------- */
/* Asks the board's runner to reload the configuration soon, as an
 * operator's SIGHUP does (a new NetBox copy); never inside this call. */
void bb_board_reload_soon(void);

/* --- log output ------------------------------------------------------ */
/* Whole lines, each ending in a newline, formatted by firmware/serve/log.c;
 * written in order, at once (the caller serialises its threads). */
void bb_board_log_write(const char *text, size_t len);
#endif
