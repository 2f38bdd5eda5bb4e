// SPDX-License-Identifier: GPL-2.0
/*
 * portown: sctp_bindx()
 *
 * Each address of an SCTP_SOCKOPT_BINDX_ADD list is judged: a refused one
 * fails the whole list, and a failed list keeps only ports it was allowed.
 *
 * Runs as root; whatever needs other credentials runs in a forked child
 * that drops its privileges first (see common.h).  Each fixture loads a
 * known policy and puts back the one in force afterwards.  Everything
 * SKIPs when portown is not active.
 */

#include "common.h"
#include "wrappers.h"

/* ---- sctp_bindx --------------------------------------------------- */

FIXTURE(sctp_bindx) {
	char policy[160];
};

FIXTURE_VARIANT(sctp_bindx)
{
	int domain;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(sctp_bindx, ipv4) {
	/* clang-format on */
	.domain = AF_INET,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(sctp_bindx, ipv6) {
	/* clang-format on */
	.domain = AF_INET6,
};

#define SCTP_OWNED 8080		/* uid UID_OWNER */
#define SCTP_OWNED_LOW P_OWNED_LOW	/* uid UID_OWNER */
#define SCTP_THEIRS 30001	/* uid UID_OTHER */
#define SCTP_FREE_HIGH 30000
#define SCTP_FREE_LOW P_FREE_LOW

FIXTURE_SETUP(sctp_bindx)
{
	int fd;

	if (!portown_setup(_metadata))
		return;
	fd = socket(variant->domain, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0 && errno_unsupported(errno))
		SKIP(return, "SCTP is not supported: %s", strerror(errno));
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(self->policy, sizeof(self->policy),
		 "reserved 1024\nsctp %d uid %d\nsctp %d uid %d\n"
		 "sctp %d uid %d\ntcp %d uid %d\n",
		 SCTP_OWNED_LOW, UID_OWNER, SCTP_OWNED, UID_OWNER,
		 SCTP_THEIRS, UID_OTHER, SCTP_FREE_HIGH, UID_OTHER);
	SET_POLICY(self->policy);
}

FIXTURE_TEARDOWN_PARENT(sctp_bindx)
{
	portown_teardown(_metadata);
}

/* One address of a packed sctp_bindx() list. */
struct bx_addr {
	int v4;		/* 1: sockaddr_in, 0: sockaddr_in6 */
	unsigned short port;
	int loopback;	/* 1: 127.0.0.1 or ::1, 0: the wildcard address */
};

struct bindx_job {
	int domain;
	int nsteps;
	/* Steps run on one socket, in order; each reports in res[i]. */
	struct {
		int naddrs;
		struct bx_addr addrs[3];
	} steps[4];
};

static int pack_addrs(char *buf, const struct bx_addr *addrs, int n)
{
	int i, len = 0;

	for (i = 0; i < n; i++) {
		if (addrs[i].v4) {
			struct sockaddr_in in4 = {
				.sin_family = AF_INET,
				.sin_port = htons(addrs[i].port),
			};

			if (addrs[i].loopback)
				in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			memcpy(buf + len, &in4, sizeof(in4));
			len += sizeof(in4);
		} else {
			struct sockaddr_in6 in6 = {
				.sin6_family = AF_INET6,
				.sin6_port = htons(addrs[i].port),
			};

			if (addrs[i].loopback)
				in6.sin6_addr = in6addr_loopback;
			memcpy(buf + len, &in6, sizeof(in6));
			len += sizeof(in6);
		}
	}
	return len;
}

/* res[i]: result of step i; res[nsteps]: the bound port afterwards. */
static void bindx_fn(const void *arg, int *res)
{
	const struct bindx_job *job = arg;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char buf[256];
	int fd, i;

	fd = socket(job->domain, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0) {
		res[0] = R_SOCKET - errno;
		return;
	}
	for (i = 0; i < job->nsteps; i++) {
		int len = pack_addrs(buf, job->steps[i].addrs,
				     job->steps[i].naddrs);

		res[i] = sys_sctp_bindx_add(fd, buf, len) ? errno : 0;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen))
		res[i] = R_MISC - errno;
	else
		res[i] = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	close(fd);
}

#define BX(v4, port) { v4, port, 0 }
/*
 * A wildcard address covers every address of the socket, so the stack
 * refuses a second one with EINVAL: lists of several addresses on one
 * port use the loopback addresses.
 */
#define BXL(v4, port) { v4, port, 1 }

TEST_F(sctp_bindx, owner_and_non_owner)
{
	const int v4 = variant->domain == AF_INET;
	struct bindx_job job = {
		.domain = variant->domain,
		.nsteps = 1,
		.steps = { { 1, { BX(v4, SCTP_OWNED) } } },
	};
	int res[MAX_RESULTS];

	ASSERT_EQ(0, run_child(&owner_creds, bindx_fn, &job, res));
	EXPECT_EQ(0, res[0])
	{
		TH_LOG("owner: %s", result_str(res[0]));
	}
	EXPECT_EQ(SCTP_OWNED, res[1]);

	ASSERT_EQ(0, run_child(&other_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0])
	{
		TH_LOG("non-owner: %s", result_str(res[0]));
	}
	/* Still unbound. */
	EXPECT_EQ(0, res[1]);

	job.steps[0].addrs[0].port = SCTP_OWNED_LOW;
	ASSERT_EQ(0, run_child(&owner_creds, bindx_fn, &job, res));
	EXPECT_EQ(0, res[0]);
	ASSERT_EQ(0, run_child(&other_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0]);

	/* Unowned reserved and unowned high ports. */
	job.steps[0].addrs[0].port = SCTP_FREE_LOW;
	ASSERT_EQ(0, run_child(&other_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0]);
	ASSERT_EQ(0, run_child(&other_cap_creds, bindx_fn, &job, res));
	EXPECT_EQ(0, res[0]);
	job.steps[0].addrs[0].port = SCTP_FREE_HIGH;
	ASSERT_EQ(0, run_child(&other_creds, bindx_fn, &job, res));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(SCTP_FREE_HIGH, res[1]);
}

TEST_F(sctp_bindx, refused_address_in_list)
{
	const int v4 = variant->domain == AF_INET;
	struct bindx_job job = {
		.domain = variant->domain,
		.nsteps = 3,
		.steps = {
			/* Allowed first, refused second. */
			{ 2, { BX(v4, SCTP_OWNED), BX(v4, SCTP_THEIRS) } },
			/* Refused first, allowed second. */
			{ 2, { BX(v4, SCTP_THEIRS), BX(v4, SCTP_OWNED) } },
			/* Nothing was half bound: this still works. */
			{ 1, { BX(v4, SCTP_OWNED) } },
		},
	};
	int res[MAX_RESULTS];

	ASSERT_EQ(0, run_child(&owner_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0])
	{
		TH_LOG("allowed, refused: %s", result_str(res[0]));
	}
	EXPECT_EQ(EACCES, res[1])
	{
		TH_LOG("refused, allowed: %s", result_str(res[1]));
	}
	EXPECT_EQ(0, res[2])
	{
		TH_LOG("allowed alone: %s", result_str(res[2]));
	}
	EXPECT_EQ(SCTP_OWNED, res[3]);

	if (v4)
		return;
	/* Mixed families in one list, on an IPv6 socket. */
	job.nsteps = 2;
	job.steps[0].addrs[1].v4 = 1;
	job.steps[1].naddrs = 3;
	job.steps[1].addrs[0] = (struct bx_addr)BX(1, SCTP_OWNED);
	job.steps[1].addrs[1] = (struct bx_addr)BX(0, SCTP_OWNED);
	job.steps[1].addrs[2] = (struct bx_addr)BX(1, SCTP_FREE_LOW);
	ASSERT_EQ(0, run_child(&owner_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0]);
	EXPECT_EQ(EACCES, res[1]);
	EXPECT_EQ(0, res[2]);

	/* A mixed list the owner may bind whole: both addresses judged. */
	job.nsteps = 1;
	job.steps[0].naddrs = 2;
	job.steps[0].addrs[0] = (struct bx_addr)BXL(1, SCTP_OWNED);
	job.steps[0].addrs[1] = (struct bx_addr)BXL(0, SCTP_OWNED);
	ASSERT_EQ(0, run_child(&owner_creds, bindx_fn, &job, res));
	EXPECT_EQ(0, res[0])
	{
		TH_LOG("owner, v4 + v6: %s", result_str(res[0]));
	}
	EXPECT_EQ(SCTP_OWNED, res[1]);
	ASSERT_EQ(0, run_child(&other_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0]);
	EXPECT_EQ(0, res[1]);
}

/*
 * sctp_bindx_add() binds a list one address at a time and, when one
 * fails in the stack, takes back the addresses but keeps the port: the
 * caller holds it after a failed call. portown judges every address
 * before the first is bound, so only a caller allowed the port keeps it.
 */
TEST_F(sctp_bindx, failed_list_keeps_only_a_judged_port)
{
	const int v4 = variant->domain == AF_INET;
	struct bindx_job job = {
		.domain = variant->domain,
		.nsteps = 1,
		/* The same address twice: the stack refuses the second. */
		.steps = { { 2, { BXL(v4, SCTP_OWNED), BXL(v4, SCTP_OWNED) } } },
	};
	int res[MAX_RESULTS];

	ASSERT_EQ(0, run_child(&owner_creds, bindx_fn, &job, res));
	EXPECT_EQ(EINVAL, res[0])
	{
		TH_LOG("owner, address twice: %s", result_str(res[0]));
	}
	EXPECT_EQ(SCTP_OWNED, res[1]);

	ASSERT_EQ(0, run_child(&other_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0])
	{
		TH_LOG("non-owner, address twice: %s", result_str(res[0]));
	}
	EXPECT_EQ(0, res[1]);
}

TEST_F(sctp_bindx, permissive)
{
	const int v4 = variant->domain == AF_INET;
	struct bindx_job job = {
		.domain = variant->domain,
		.nsteps = 1,
		.steps = { { 1, { BX(v4, SCTP_OWNED) } } },
	};
	struct stats before, after;
	int res[MAX_RESULTS];

	SET_ENFORCE(0);
	ASSERT_EQ(0, read_stats(&before));
	/* Owned, >= 1024: the stock rule allows it, so logged and bound. */
	ASSERT_EQ(0, run_child(&other_creds, bindx_fn, &job, res));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(SCTP_OWNED, res[1]);
	/* Owned, < 1024, no capability: refused in permissive mode too. */
	job.steps[0].addrs[0].port = SCTP_OWNED_LOW;
	ASSERT_EQ(0, run_child(&other_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0]);
	EXPECT_EQ(0, res[1]);
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(1, STATS_DELTA(after, before, logged));
	EXPECT_EQ(1, STATS_DELTA(after, before, denied));
}

TEST_F(sctp_bindx, strict)
{
	const int v4 = variant->domain == AF_INET;
	struct bindx_job job = {
		.domain = variant->domain,
		.nsteps = 1,
		.steps = { { 1, { BX(v4, SCTP_OWNED) } } },
	};
	int res[MAX_RESULTS];

	ASSERT_EQ(0, run_child(&other_cap_creds, bindx_fn, &job, res));
	EXPECT_EQ(0, res[0]);
	SET_POLICY("reserved 1024\nstrict\nsctp 8080 uid 1001\n");
	ASSERT_EQ(0, run_child(&other_cap_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0]);
	ASSERT_EQ(0, run_child(&owner_creds, bindx_fn, &job, res));
	EXPECT_EQ(0, res[0]);
	job.steps[0].addrs[0].port = SCTP_FREE_LOW;
	ASSERT_EQ(0, run_child(&other_cap_creds, bindx_fn, &job, res));
	EXPECT_EQ(EACCES, res[0]);
}

TEST_HARNESS_MAIN
