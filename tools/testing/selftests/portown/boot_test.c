// SPDX-License-Identifier: GPL-2.0
/*
 * portown: the boot-time policy (portown.policy= and portown.enforce=)
 *
 * Must run first in a boot, before anything replaces the policy.  The
 * harness boots with
 *
 *   portown.policy=tcp:80:uid:33,tcp:443:gid:33,udp:5353:uid:102,tcp:9000-9009:gid:1001
 *
 * and sometimes portown.enforce=0.  Only reads and binds: changes nothing.
 */

#include "common.h"

#define BOOT_POLICY \
	"tcp:80:uid:33,tcp:443:gid:33,udp:5353:uid:102,tcp:9000-9009:gid:1001"

#define BOOT_CANONICAL \
	"reserved 1024\n" \
	"tcp 80 uid 33\n" \
	"tcp 443 gid 33\n" \
	"tcp 9000-9009 gid 1001\n" \
	"udp 5353 uid 102\n"

static const struct creds www_creds = { .uid = 33, .gid = 33 };

static const struct creds www_group_creds = {
	.uid = 1000, .gid = 1000, .ngroups = 1, .groups = { 33 },
};

static const struct creds user_creds = { .uid = 1000, .gid = 1000 };

static const struct creds dev_creds = {
	.uid = 1000, .gid = 1000, .ngroups = 1, .groups = { 1001 },
};

static const struct creds mdns_creds = { .uid = 102, .gid = 102 };

FIXTURE(boot)
{
	int enforce;	/* from the command line, default 1 */
};

/*
 * Finds "name=value" in the kernel command line; copies value.  Returns
 * true when found.
 */
static bool cmdline_param(const char *cmdline, const char *name, char *val,
			  size_t size)
{
	size_t nlen = strlen(name);
	const char *p = cmdline;

	while (*p) {
		size_t len;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
			len -= nlen + 1;
			if (len >= size)
				len = size - 1;
			memcpy(val, p + nlen + 1, len);
			val[len] = '\0';
			return true;
		}
		p += len;
	}
	return false;
}

FIXTURE_SETUP(boot)
{
	char cmdline[4096], policy[1024], enforce[16];

	if (!portown_active())
		SKIP(return, "portown is not active (no %s)", PORTOWN_POLICY);
	ASSERT_LT(0, read_file("/proc/cmdline", cmdline, sizeof(cmdline)));
	if (!cmdline_param(cmdline, "portown.policy", policy, sizeof(policy)))
		SKIP(return, "no portown.policy= on the kernel command line");
	if (strcmp(policy, BOOT_POLICY))
		SKIP(return, "portown.policy=%.200s is not the one this test knows",
		     policy);
	self->enforce = 1;
	if (cmdline_param(cmdline, "portown.enforce", enforce,
			  sizeof(enforce))) {
		ASSERT_TRUE(!strcmp(enforce, "0") || !strcmp(enforce, "1"))
		{
			TH_LOG("portown.enforce=%s", enforce);
		}
		self->enforce = enforce[0] == '1';
	}
}

FIXTURE_TEARDOWN(boot)
{
}

TEST_F(boot, policy_text)
{
	ASSERT_POLICY(BOOT_CANONICAL);
}

TEST_F(boot, enforce_value)
{
	ASSERT_FILE(PORTOWN_ENFORCE, self->enforce ? "1\n" : "0\n");
}

TEST_F(boot, sysctl_takeover)
{
	ASSERT_FILE(PORT_START_SYSCTL, "0\n");
}

TEST_F(boot, stats)
{
	struct stats st;

	ASSERT_EQ(0, read_stats(&st));
	EXPECT_EQ(4, st.rules);
	/* The boot policy counts as a load. */
	EXPECT_LE(1, st.policy_loads);
}

TEST_F(boot, owners_bind)
{
	/* uid 33 serves on 80 without any capability. */
	CHECK_BINDS(&www_creds, &proto_tcp, FAM_IPV4, { 80, 0 }, { 443, 0 });
	CHECK_BINDS(&www_creds, &proto_tcp, FAM_IPV6, { 80, 0 }, { 443, 0 });
	/* gid 33 as a supplementary group owns 443, not 80. */
	CHECK_BINDS(&www_group_creds, &proto_tcp, FAM_IPV4,
		    { 443, 0 }, { 80, EACCES });
	CHECK_BINDS(&dev_creds, &proto_tcp, FAM_IPV4,
		    { 9000, 0 }, { 9005, 0 }, { 9009, 0 });
	CHECK_BINDS(&mdns_creds, &proto_udp, FAM_IPV4, { 5353, 0 });
	CHECK_BINDS(&mdns_creds, &proto_udp, FAM_IPV6, { 5353, 0 });
}

TEST_F(boot, others_refused)
{
	const int high = self->enforce ? EACCES : 0;

	/* Below 1024: refused in permissive mode too. */
	CHECK_BINDS(&user_creds, &proto_tcp, FAM_IPV4,
		    { 80, EACCES }, { 443, EACCES }, { 81, EACCES });
	CHECK_BINDS(&user_creds, &proto_tcp, FAM_IPV6, { 80, EACCES });
	CHECK_BINDS(&dev_creds, &proto_tcp, FAM_IPV4, { 80, EACCES });
	/* Owned ports above 1024: refused only when enforcing. */
	CHECK_BINDS(&user_creds, &proto_tcp, FAM_IPV4,
		    { 9005, high }, { 9000, high }, { 9009, high });
	CHECK_BINDS(&www_creds, &proto_tcp, FAM_IPV4, { 9005, high });
	CHECK_BINDS(&user_creds, &proto_udp, FAM_IPV4, { 5353, high });
	/* Unowned and above reserved. */
	CHECK_BINDS(&user_creds, &proto_tcp, FAM_IPV4,
		    { 8999, 0 }, { 9010, 0 }, { 5353, 0 });
	CHECK_BINDS(&user_creds, &proto_udp, FAM_IPV4, { 9005, 0 });
}

TEST_HARNESS_MAIN
