/* startup: how long a DHCP server takes from exec to serving.
 *   startup journal FILE N     writes N lease records (10.14.0.0 up) into
 *                              a bootbox lease journal
 *   startup measure -n NETNS -s SERVER -g GIADDR -- CMD ARGS...
 *       forks, enters NETNS (/run/netns/NETNS) in the child and execs CMD;
 *       meanwhile polls the child's UDP table for port 67 and sends a
 *       relayed DISCOVER every millisecond from GIADDR:67 (this process's
 *       namespace) until an OFFER comes back. Prints bind_ms= offer_ms=,
 *       then kills the child. Bounded: 10 s. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dhcp/dhcp_server.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int journal(const char *path, long n)
{
	FILE *f = fopen(path, "wb");
	long i;

	if (!f)
		return 1;
	for (i = 0; i < n; i++) {
		struct bb_dhcp_lease l = {0};
		uint8_t rec[BB_DHCP_JOURNAL_MAX];
		int len;

		l.ip = 0x0a0e0000u + (uint32_t)i;
		l.mac[0] = 0x02;
		l.mac[1] = 0x0c;
		l.mac[2] = (uint8_t)(i >> 24);
		l.mac[3] = (uint8_t)(i >> 16);
		l.mac[4] = (uint8_t)(i >> 8);
		l.mac[5] = (uint8_t)i;
		l.state = BB_LEASE_BOUND;
		l.expires = (int64_t)time(NULL) + 86400;
		l.updated = (int64_t)time(NULL);
		len = bb_dhcp_journal_encode(&l, rec, sizeof(rec));
		if (len <= 0 || fwrite(rec, 1, (size_t)len, f) != (size_t)len)
			return 1;
	}
	return fclose(f) ? 1 : 0;
}

/* Port 67 bound by the child: any local address but ours (before its
 * setns() the child's table is this namespace's, with our socket in it). */
static int bound(pid_t pid, uint32_t ours)
{
	char path[64], line[256], me[16];
	FILE *f;
	int hit = 0;

	/* the kernel prints the address as a host-order hex word */
	snprintf(me, sizeof(me), "%08X:0043", (unsigned)htonl(ours));
	snprintf(path, sizeof(path), "/proc/%d/net/udp", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!hit && fgets(line, sizeof(line), f))
		hit = strstr(line, ":0043 ") != NULL &&
		      strstr(line, " 00000000:0000 ") != NULL &&
		      strstr(line, me) == NULL;
	fclose(f);
	return hit;
}

static void discover(int s, uint32_t server, uint32_t giaddr)
{
	uint8_t b[300] = {0};
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(67),
				 .sin_addr.s_addr = htonl(server)};
	uint32_t v = htonl(giaddr);

	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	b[3] = 1;
	b[4] = 0x5a;
	memcpy(b + 24, &v, 4);
	b[28] = 0x02;
	b[29] = 0x0d;
	b[33] = 1;
	b[236] = 0x63;
	b[237] = 0x82;
	b[238] = 0x53;
	b[239] = 0x63;
	b[240] = 53;
	b[241] = 1;
	b[242] = 1;
	b[243] = 255;
	sendto(s, b, sizeof(b), 0, (struct sockaddr *)&to, sizeof(to));
}

static int measure(int argc, char **argv)
{
	const char *ns = NULL;
	struct in_addr a;
	uint32_t server = 0, giaddr = 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(67)};
	double t0, bind_ms = -1, offer_ms = -1, last = 0;
	int c, s;
	pid_t pid;

	while ((c = getopt(argc, argv, "n:s:g:")) != -1) {
		if (c == 'n')
			ns = optarg;
		else if ((c == 's' || c == 'g') && inet_aton(optarg, &a))
			*(c == 's' ? &server : &giaddr) = ntohl(a.s_addr);
		else
			return 2;
	}
	if (!ns || !server || !giaddr || optind >= argc)
		return 2;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(giaddr);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("startup: port 67");
		return 1;
	}
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		char p[256];
		int fd;

		snprintf(p, sizeof(p), "/run/netns/%s", ns);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET))
			_exit(126);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	while (now_ms() - t0 < 10000 && offer_ms < 0) {
		uint8_t b[1500];
		ssize_t n;

		if (bind_ms < 0 && bound(pid, giaddr))
			bind_ms = now_ms() - t0;
		if (now_ms() - last >= 1) {
			discover(s, server, giaddr);
			last = now_ms();
		}
		while ((n = recv(s, b, sizeof(b), 0)) >= 244)
			if (b[0] == 2 && b[4] == 0x5a) {
				offer_ms = now_ms() - t0;
				break;
			}
		usleep(200);
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "startup: %s exited\n", argv[optind]);
			return 1;
		}
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	printf("bind_ms=%.1f offer_ms=%.1f\n", bind_ms, offer_ms);
	return offer_ms < 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "journal"))
		return journal(argv[2], atol(argv[3]));
	if (argc > 1 && !strcmp(argv[1], "measure"))
		return measure(argc - 1, argv + 1);
	fprintf(stderr, "usage: startup journal FILE N | startup measure -n NS "
			"-s SERVER -g GIADDR -- CMD...\n");
	return 2;
}
