// SPDX-License-Identifier: GPL-2.0
/*
 * portown benchmark: cost of a policy load and of the bind decision as the
 * policy grows. Prints numbers; asserts nothing (not a test).
 *
 * The decision is timed with bind() on an already bound socket: the LSM
 * hook runs in full, then the stack answers EINVAL without touching any
 * port table. Port 0 is the baseline: portown returns before the lookup.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"

#define POLICY "/sys/kernel/security/portown/policy"
#define ITERATIONS 20000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int write_policy(const char *text, size_t len)
{
	int fd = open(POLICY, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -errno;
}

/* n rules on tcp, one per port from 2000 up, then more owners per port. */
static char *make_policy(int n, size_t *len)
{
	char *text = malloc((size_t)n * 32 + 64);
	size_t off = 0;
	int i;

	if (!text)
		return NULL;
	off += sprintf(text, "tcp 1500 uid 0\n");
	for (i = 0; i < n; i++)
		off += sprintf(text + off, "tcp %d uid %d\n", 2000 + i % 60000,
			       1000 + i / 60000);
	*len = off;
	return text;
}

/* Mean ns of one bind() of an already bound socket to @port. */
static double time_bind(int fd, int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	double start;
	int i;

	start = now_ns();
	for (i = 0; i < ITERATIONS; i++)
		bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	return (now_ns() - start) / ITERATIONS;
}

int main(void)
{
	static const int sizes[] = { 0, 16, 1024, 16384, 65535 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	unsigned int i;
	int fd, err;

	if (access(POLICY, W_OK)) {
		printf("portown_bench: portown is not active\n");
		return 4;	/* KSFT_SKIP */
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("portown_bench: socket");
		return 1;
	}

	printf("%8s %10s %12s %14s %14s\n", "rules", "load_ms",
	       "port0_ns", "unowned_ns", "owner_ns");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		double start, load_ms;
		size_t len;
		char *text = make_policy(sizes[i], &len);

		if (!text)
			return 1;
		start = now_ns();
		err = write_policy(text, len);
		load_ms = (now_ns() - start) / 1e6;
		free(text);
		if (err) {
			printf("portown_bench: policy of %d rules: %s\n",
			       sizes[i], strerror(-err));
			return 1;
		}
		printf("%8d %10.2f %12.0f %14.0f %14.0f\n", sizes[i] + 1,
		       load_ms, time_bind(fd, 0), time_bind(fd, 63000),
		       time_bind(fd, 1500));
	}
	close(fd);
	return write_policy("\n", 1) ? 1 : 0;
}
