// SPDX-License-Identifier: GPL-2.0
/*
 * trybind: bind one socket as a given user and report the errno, for the
 * portownctl VM tests.  Built static so it runs in a busybox initramfs.
 *
 *   trybind [-u UID] [-g GID] [-G GID,GID...] [-c] [-6] [-H | -w SECONDS] PROTO PORT
 *
 * PROTO: tcp, udp, sctp, dccp, mptcp, udplite.  -u/-g/-G switch to those
 * credentials first (setgroups, setgid, setuid: a non-zero uid loses all
 * capabilities).  -c keeps CAP_NET_BIND_SERVICE (only it) across the uid
 * switch, effective (PR_SET_KEEPCAPS, then capset), like a unit with
 * AmbientCapabilities=CAP_NET_BIND_SERVICE.  -6 uses AF_INET6.  -H holds the
 * socket (listening for stream sockets) until killed; -w SECONDS holds it
 * that long, then exits 0.
 * Prints "ok" or the errno name (e.g. EACCES).  Exit status: 0 bound,
 * 1 bind failed, 2 usage or setup error.
 */
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static const char *ename(int e)
{
	static char buf[16];

	switch (e) {
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EINVAL: return "EINVAL";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static void usage(void)
{
	fputs("usage: trybind [-u UID] [-g GID] [-G GID,...] [-c] [-6] [-H | -w SECONDS] PROTO PORT\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	long uid = -1, gid = -1;
	gid_t groups[64];
	int ngroups = -1, v6 = 0, hold = 0, keepcap = 0, c, type, proto, fd, one = 1;
	long wait_s = -1;
	char *p;

	while ((c = getopt(argc, argv, "u:g:G:c6Hw:")) != -1) {
		switch (c) {
		case 'u': uid = strtol(optarg, NULL, 10); break;
		case 'g': gid = strtol(optarg, NULL, 10); break;
		case 'G':
			ngroups = 0;
			for (p = strtok(optarg, ","); p && ngroups < 64; p = strtok(NULL, ","))
				groups[ngroups++] = (gid_t)strtoul(p, NULL, 10);
			break;
		case '6': v6 = 1; break;
		case 'H': hold = 1; break;
		case 'c': keepcap = 1; break;
		case 'w':
			wait_s = strtol(optarg, &p, 10);
			if (*p || wait_s < 0)
				usage();
			hold = 1;
			break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	const char *ps = argv[optind];
	long port = strtol(argv[optind + 1], NULL, 10);

	if (!strcmp(ps, "tcp")) { type = SOCK_STREAM; proto = IPPROTO_TCP; }
	else if (!strcmp(ps, "udp")) { type = SOCK_DGRAM; proto = IPPROTO_UDP; }
	else if (!strcmp(ps, "udplite")) { type = SOCK_DGRAM; proto = IPPROTO_UDPLITE; }
	else if (!strcmp(ps, "sctp")) { type = SOCK_STREAM; proto = IPPROTO_SCTP; }
	else if (!strcmp(ps, "mptcp")) { type = SOCK_STREAM; proto = IPPROTO_MPTCP; }
	else if (!strcmp(ps, "dccp")) { type = SOCK_DCCP; proto = IPPROTO_DCCP; }
	else usage();
	if (port < 0 || port > 65535)
		usage();

	/* the socket is created after the switch, so it belongs to the user */
	if (ngroups >= 0 && setgroups((size_t)ngroups, groups) < 0) {
		printf("setgroups: %s\n", ename(errno));
		return 2;
	}
	if (gid >= 0 && setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0) {
		printf("setgid: %s\n", ename(errno));
		return 2;
	}
	if (keepcap && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0) {
		printf("prctl: %s\n", ename(errno));
		return 2;
	}
	if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) {
		printf("setuid: %s\n", ename(errno));
		return 2;
	}
	if (keepcap) {
		/* permitted survived the switch (KEEPCAPS); effective was cleared */
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[2];

		memset(data, 0, sizeof(data));
		data[0].effective = data[0].permitted = 1u << CAP_NET_BIND_SERVICE;
		if (syscall(SYS_capset, &hdr, data) < 0) {
			printf("capset: %s\n", ename(errno));
			return 2;
		}
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, type, proto);
	if (fd < 0) {
		printf("socket: %s\n", ename(errno));
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int rc;

	if (v6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
					  .sin6_addr = IN6ADDR_ANY_INIT };
		rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_ANY) };
		rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	}
	if (rc < 0) {
		printf("%s\n", ename(errno));
		return 1;
	}
	if (hold) {
		if (type == SOCK_STREAM || type == SOCK_DCCP)
			listen(fd, 1);
		printf("ok\n");
		fflush(stdout);
		if (wait_s >= 0) {
			sleep((unsigned)wait_s);
			close(fd);
			return 0;
		}
		for (;;)
			pause();
	}
	printf("ok\n");
	close(fd);
	return 0;
}
