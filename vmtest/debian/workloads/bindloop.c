// SPDX-License-Identifier: GPL-2.0
/*
 * portown-bindloop PORT COUNT: COUNT binds of 127.0.0.1:PORT, each on a new
 * TCP socket (SO_REUSEADDR) closed right after, timed around bind() alone.
 * Dynamically linked on purpose: under authbind, its LD_PRELOAD library
 * replaces bind() with a call of the setuid helper, and this measures it.
 * Prints "binds N ok N ns_per_bind N" and, on the first failure, the errno;
 * exits 0 when every bind succeeded.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	long port, count, ok = 0, i;
	long long spent = 0;
	int first_errno = 0;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: portown-bindloop PORT COUNT\n");
		return 2;
	}
	port = strtol(argv[1], &end, 10);
	if (*end || port < 1 || port > 65535) {
		fprintf(stderr, "portown-bindloop: bad port '%s'\n", argv[1]);
		return 2;
	}
	count = strtol(argv[2], &end, 10);
	if (*end || count < 1 || count > 10000000) {
		fprintf(stderr, "portown-bindloop: bad count '%s'\n", argv[2]);
		return 2;
	}
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < count; i++) {
		int one = 1, fd, rc, err;
		long long t0;

		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("portown-bindloop: socket");
			return 2;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		t0 = now_ns();
		rc = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
		err = errno;
		spent += now_ns() - t0;
		if (rc == 0)
			ok++;
		else if (!first_errno)
			first_errno = err;
		close(fd);
	}
	printf("binds %ld ok %ld ns_per_bind %lld\n", count, ok, spent / count);
	if (first_errno)
		printf("first failure: bind: %s (errno %d)\n",
		       strerror(first_errno), first_errno);
	return ok == count ? 0 : 1;
}
