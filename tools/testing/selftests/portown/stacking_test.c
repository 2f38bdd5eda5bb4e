// SPDX-License-Identifier: GPL-2.0
/*
 * portown: stacking with Landlock
 *
 * Landlock and portown both judge a bind: either refusing is enough.
 *
 * Runs as root; whatever needs other credentials runs in a forked child
 * that drops its privileges first (see common.h).  Each fixture loads a
 * known policy and puts back the one in force afterwards.  Everything
 * SKIPs when portown is not active.
 */

#include "common.h"

#include <linux/landlock.h>

/* ---- Landlock stacking ------------------------------------------ */

FIXTURE(landlock) {};

FIXTURE_VARIANT(landlock)
{
	enum family fam;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(landlock, ipv4) {
	/* clang-format on */
	.fam = FAM_IPV4,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(landlock, ipv6) {
	/* clang-format on */
	.fam = FAM_IPV6,
};

#define LL_BOTH 8080		/* owned by UID_OWNER, allowed by Landlock */
#define LL_PORTOWN_REFUSES 8090	/* owned by UID_OTHER, allowed by Landlock */
#define LL_LANDLOCK_REFUSES 30000 /* unowned, not in the ruleset */

FIXTURE_SETUP(landlock)
{
	int abi;

	if (!portown_setup(_metadata))
		return;
	abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
		      LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		SKIP(return, "Landlock is not active: %s", strerror(errno));
	if (abi < 4)
		SKIP(return, "Landlock ABI %d has no network rules", abi);
	SET_POLICY("reserved 1024\n"
		   "tcp 8080 uid 1001\n"
		   "tcp 8090 uid 1002\n"
		   "udp 8090 uid 1002\n");
}

FIXTURE_TEARDOWN_PARENT(landlock)
{
	portown_teardown(_metadata);
}

static void landlock_fn(const void *arg, int *res)
{
	const enum family fam = *(const enum family *)arg;
	const struct landlock_ruleset_attr attr = {
		.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP,
	};
	struct landlock_net_port_attr port = {
		.allowed_access = LANDLOCK_ACCESS_NET_BIND_TCP,
	};
	int rfd;

	rfd = syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rfd < 0) {
		res[0] = R_MISC - errno;
		return;
	}
	port.port = LL_BOTH;
	if (syscall(__NR_landlock_add_rule, rfd, LANDLOCK_RULE_NET_PORT,
		    &port, 0)) {
		res[0] = R_MISC - errno;
		return;
	}
	port.port = LL_PORTOWN_REFUSES;
	if (syscall(__NR_landlock_add_rule, rfd, LANDLOCK_RULE_NET_PORT,
		    &port, 0)) {
		res[0] = R_MISC - errno;
		return;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_landlock_restrict_self, rfd, 0)) {
		res[0] = R_MISC - errno;
		return;
	}
	close(rfd);
	res[0] = try_bind(&proto_tcp, fam, LL_BOTH, 0);
	res[1] = try_bind(&proto_tcp, fam, LL_LANDLOCK_REFUSES, 0);
	res[2] = try_bind(&proto_tcp, fam, LL_PORTOWN_REFUSES, 0);
	/* Landlock (ABI 4..6) does not handle UDP: portown alone. */
	res[3] = try_bind(&proto_udp, fam, LL_PORTOWN_REFUSES, 0);
	res[4] = try_bind(&proto_udp, fam, LL_LANDLOCK_REFUSES, 0);
}

TEST_F(landlock, both_enforce)
{
	int res[MAX_RESULTS];

	/* Without Landlock, only portown's refusal. */
	CHECK_BINDS(&owner_creds, &proto_tcp, variant->fam,
		    { LL_BOTH, 0 }, { LL_LANDLOCK_REFUSES, 0 },
		    { LL_PORTOWN_REFUSES, EACCES });

	ASSERT_EQ(0, run_child(&owner_creds, landlock_fn, &variant->fam, res));
	EXPECT_EQ(0, res[0])
	{
		TH_LOG("both allow: %s", result_str(res[0]));
	}
	EXPECT_EQ(EACCES, res[1])
	{
		TH_LOG("Landlock refuses: %s", result_str(res[1]));
	}
	EXPECT_EQ(EACCES, res[2])
	{
		TH_LOG("portown refuses: %s", result_str(res[2]));
	}
	EXPECT_EQ(EACCES, res[3]);
	EXPECT_EQ(0, res[4]);
}

TEST_HARNESS_MAIN
