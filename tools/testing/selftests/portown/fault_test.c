// SPDX-License-Identifier: GPL-2.0
/*
 * portown: policy writes under injected allocation failures, and a leak
 * scan after thousands of policy swaps
 *
 * Every allocation a policy write makes is failed in turn, with the
 * task's fail-nth (Documentation/fault-injection/fault-injection.rst):
 * each write that fails must fail with ENOMEM and leave the policy in
 * force byte for byte. Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB,
 * CONFIG_FAIL_PAGE_ALLOC and their debugfs knobs; the leak scan needs
 * CONFIG_DEBUG_KMEMLEAK. Both SKIP without them. The knobs are put back.
 */

#include "common.h"

#include <sys/mount.h>

#define DEBUGFS "/sys/kernel/debug"
#define FAIL_NTH "/proc/thread-self/fail-nth"
#define KMEMLEAK DEBUGFS "/kmemleak"

/* The policy in force while the faults are injected. */
#define OLD_POLICY "reserved 1024\ntcp 80 uid 33\nudp 53 gid 101\n"
/*
 * The one that is written: small, so that every allocation stays within
 * kmalloc() and none falls back to a vmalloc() that warns on failure.
 */
#define NEW_POLICY \
	"reserved 2000\nstrict\ntcp 80 uid 33\ntcp 443 gid 33\n" \
	"tcp 8000-8099 gid 1001\ntcp 8050-8060 uid 1000\nsctp 9899 uid 1000\n"

struct knob {
	const char *path;
	const char *value;
	char saved[32];
	bool changed;
};

FIXTURE(fault)
{
	struct knob knobs[4];
	int nknobs;
};

static bool mount_debugfs(void)
{
	struct stat st;

	if (!stat(DEBUGFS "/failslab", &st) || !stat(KMEMLEAK, &st))
		return true;
	return !mount("debugfs", DEBUGFS, "debugfs", 0, NULL) || errno == EBUSY;
}

static int set_knob(struct knob *k)
{
	ssize_t len = read_file(k->path, k->saved, sizeof(k->saved));
	int ret;

	if (len < 0)
		return len;
	ret = write_file(k->path, k->value);
	if (!ret)
		k->changed = true;
	return ret;
}

FIXTURE_SETUP(fault)
{
	static const struct {
		const char *path, *value;
	} knobs[] = {
		/* Fail GFP_KERNEL allocations too, and say nothing. */
		{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
		{ DEBUGFS "/failslab/verbose", "0" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
		{ DEBUGFS "/fail_page_alloc/verbose", "0" },
	};
	struct stat st;
	size_t i;

	self->nknobs = 0;
	if (!portown_setup(_metadata))
		return;
	if (stat(FAIL_NTH, &st))
		SKIP(return, "no %s: CONFIG_FAULT_INJECTION is off", FAIL_NTH);
	if (!mount_debugfs() || stat(DEBUGFS "/failslab", &st) ||
	    stat(DEBUGFS "/fail_page_alloc", &st))
		SKIP(return, "no failslab/fail_page_alloc in debugfs");
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		struct knob *k = &self->knobs[self->nknobs++];

		k->path = knobs[i].path;
		k->value = knobs[i].value;
		ASSERT_EQ(0, set_knob(k))
		{
			TH_LOG("cannot set %s", k->path);
		}
	}
	SET_POLICY(OLD_POLICY);
}

FIXTURE_TEARDOWN(fault)
{
	int i;

	for (i = 0; i < self->nknobs; i++)
		if (self->knobs[i].changed)
			EXPECT_EQ(0, write_file(self->knobs[i].path,
						self->knobs[i].saved));
	portown_teardown(_metadata);
}

/*
 * One write of NEW_POLICY with the nth fault point of this thread
 * failing. Returns the write's result (0 or -errno); *left is what
 * remained of fail-nth afterwards: more than 0 when the write had fewer
 * than n fault points, so none failed.
 */
static int write_failing(int pfd, int nth_fd, int n, int *left)
{
	char buf[16];
	ssize_t len;
	int ret;

	len = snprintf(buf, sizeof(buf), "%d", n);
	if (pwrite(nth_fd, buf, len, 0) != len)
		return -ENOTRECOVERABLE;
	ret = pwrite(pfd, NEW_POLICY, strlen(NEW_POLICY), 0) < 0 ? -errno : 0;
	len = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	/* Disarm before anything else allocates. */
	if (pwrite(nth_fd, "0", 1, 0) != 1 || len <= 0)
		return -ENOTRECOVERABLE;
	buf[len] = '\0';
	*left = atoi(buf);
	return ret;
}

TEST_F_TIMEOUT(fault, policy_write_enomem, 300)
{
	int pfd, nth_fd, n, left = 0, ret, nomem = 0, passed = 0;
	struct stats before, after;

	pfd = open(PORTOWN_POLICY, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, pfd);
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth_fd);
	ASSERT_EQ(0, read_stats(&before));

	for (n = 1; n < 1000; n++) {
		ret = write_failing(pfd, nth_fd, n, &left);
		ASSERT_NE(-ENOTRECOVERABLE, ret);
		if (left)
			break;		/* no fault point left to fail */
		if (ret == -ENOMEM) {
			nomem++;
			/* The old policy, byte for byte. */
			EXPECT_POLICY("reserved 1024\ntcp 80 uid 33\nudp 53 gid 101\n");
			continue;
		}
		/* A failure that costs the write nothing (an audit record). */
		EXPECT_EQ(0, ret)
		{
			TH_LOG("fault point %d: %s", n, strerror(-ret));
		}
		if (!ret) {
			passed++;
			SET_POLICY(OLD_POLICY);
		}
	}
	ASSERT_GT(left, 0)
	{
		TH_LOG("the write still failed at fault point %d", n);
	}
	/* With no fault left to inject, the write succeeds. */
	EXPECT_EQ(0, ret);
	EXPECT_POLICY("reserved 2000\nstrict\ntcp 80 uid 33\ntcp 443 gid 33\n"
		      "tcp 8000-8099 gid 1001\ntcp 8050-8060 uid 1000\n"
		      "sctp 9899 uid 1000\n");
	ASSERT_EQ(0, read_stats(&after));
	TH_LOG("%d fault points: %d writes failed with ENOMEM, %d succeeded",
	       n - 1, nomem, passed);
	/*
	 * The text copy, the rule list, the boundary bitmap, the scratch
	 * array and the policy itself are all allocated.
	 */
	EXPECT_LE(5, nomem);
	EXPECT_EQ(nomem, STATS_DELTA(after, before, policy_errors));
	close(nth_fd);
	close(pfd);
}

/* Unreferenced objects kmemleak reports with portown in their backtrace. */
static int kmemleak_portown(int *total)
{
	char *buf = malloc(1 << 20), *rec, *next;
	ssize_t len;
	int found = 0;

	*total = 0;
	if (!buf)
		return -ENOMEM;
	len = read_file(KMEMLEAK, buf, 1 << 20);
	if (len < 0) {
		free(buf);
		return len;
	}
	for (rec = strstr(buf, "unreferenced object"); rec; rec = next) {
		next = strstr(rec + 1, "unreferenced object");
		if (next)
			next[-1] = '\0';
		(*total)++;
		if (strstr(rec, "portown")) {
			found++;
			fprintf(stderr, "# %s\n", rec);
		}
	}
	free(buf);
	return found;
}

TEST_F_TIMEOUT(fault, no_leak_after_swaps, 600)
{
	char *policies[2];
	int i, ret, errors = 0, total = 0, pfd;

	if (access(KMEMLEAK, R_OK))
		SKIP(return, "no %s: CONFIG_DEBUG_KMEMLEAK is off", KMEMLEAK);
	/* Only what this test leaks counts. */
	ASSERT_EQ(0, write_file(KMEMLEAK, "clear"));

	for (i = 0; i < 2; i++) {
		struct strbuf sb;
		int r;

		sb_init(&sb, 65536);
		sb_printf(&sb, "reserved %d\n", 1000 + i);
		for (r = 0; r < 100; r++)
			sb_printf(&sb, "tcp %d-%d uid %d\n", 5000 + r * 7 + i,
				  5010 + r * 7, r);
		policies[i] = sb.buf;
	}
	pfd = open(PORTOWN_POLICY, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, pfd);
	for (i = 0; i < 3000; i++) {
		const char *text = i % 10 == 9 ? "tcp 0 uid 1\n" : policies[i % 2];

		ret = pwrite(pfd, text, strlen(text), 0) < 0 ? -errno : 0;
		if (ret != (i % 10 == 9 ? -EINVAL : 0))
			errors++;
	}
	close(pfd);
	EXPECT_EQ(0, errors);

	/* Old policies go after a grace period; kmemleak wants them 5 s old. */
	sleep(6);
	ASSERT_EQ(0, write_file(KMEMLEAK, "scan"));
	ASSERT_EQ(0, write_file(KMEMLEAK, "scan"));
	ret = kmemleak_portown(&total);
	ASSERT_LE(0, ret);
	TH_LOG("kmemleak: %d suspects in all, %d in portown", total, ret);
	EXPECT_EQ(0, ret);
	free(policies[0]);
	free(policies[1]);
}

TEST_HARNESS_MAIN
