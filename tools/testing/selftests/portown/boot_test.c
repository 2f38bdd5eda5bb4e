// SPDX-License-Identifier: GPL-2.0
/*
 * portown: the boot-time policy (portown.policy= and portown.enforce=)
 *
 * Must run first in a boot, before anything replaces the policy. The
 * harness boots with one of the policies of boot_policies[] below (and
 * sometimes portown.enforce=0); the tests check what that policy must
 * have done. Only reads and binds: changes nothing.
 *
 * The boots and the portown.policy= each is given are described in
 * vmtest/boots/ (BOOT_POLICY in its vars, BOOT_SETTINGS made from
 * vmtest/boot-settings.conf, BOOT_INVALID in bootrefused.boot); this file
 * tells the boot by an exact match of that string and holds what it must
 * do. A policy changed there and not here makes these tests skip, which
 * fails the boot.
 */

#include "common.h"

/* The rules in the compact form, and settings, of the main boots. */
#define BOOT_POLICY \
	"tcp:80:uid:33,tcp:443:gid:33,udp:5353:uid:102,tcp:9000-9009:gid:1001"

/*
 * Settings in the compact form, as portownctl's "cmdline" command prints
 * "reserved 2000", "strict", "tcp 80 user www-data", "sctp 9899 uid 1000".
 */
#define BOOT_SETTINGS "reserved:2000,strict,tcp:80:uid:33,sctp:9899:uid:1000"

/* Item 2 is bad: the whole policy is refused, the empty one is in force. */
#define BOOT_INVALID "tcp:80:uid:33,tcp:99999:uid:1"
#define BOOT_INVALID_LOG \
	"portown: portown.policy= rejected (item 2: port out of range 1-65535), no rules loaded"

enum boot_kind { BOOT_MAIN, BOOT_WITH_SETTINGS, BOOT_REFUSED };

static const struct boot_policy {
	enum boot_kind kind;
	const char *cmdline;
	const char *canonical;
	int nrules;
	const char *log;	/* the kernel's message about it */
} boot_policies[] = {
	{
		BOOT_MAIN, BOOT_POLICY,
		"reserved 1024\n"
		"tcp 80 uid 33\n"
		"tcp 443 gid 33\n"
		"tcp 9000-9009 gid 1001\n"
		"udp 5353 uid 102\n",
		4, "portown: boot policy loaded: 4 rules",
	},
	{
		BOOT_WITH_SETTINGS, BOOT_SETTINGS,
		"reserved 2000\n"
		"strict\n"
		"tcp 80 uid 33\n"
		"sctp 9899 uid 1000\n",
		2, "portown: boot policy loaded: 2 rules",
	},
	{
		BOOT_REFUSED, BOOT_INVALID,
		"reserved 1024\n",
		0, BOOT_INVALID_LOG,
	},
};

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
	const struct boot_policy *boot;
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
	self->boot = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(boot_policies); i++)
		if (!strcmp(policy, boot_policies[i].cmdline))
			self->boot = &boot_policies[i];
	if (!self->boot)
		SKIP(return, "portown.policy=%.200s is not one this test knows",
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
	ASSERT_POLICY(self->boot->canonical);
}

/* The kernel said what it did with the policy, at boot. */
TEST_F(boot, kernel_log)
{
	const char *const needles[] = { self->boot->log, NULL };
	bool found;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* Printed at boot: one pass over the buffer, no polling. */
	found = kmsg_find(fd, needles, NULL, 1);
	close(fd);
	EXPECT_TRUE(found)
	{
		TH_LOG("no \"%s\" in the kernel log", self->boot->log);
	}
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
	EXPECT_EQ(self->boot->nrules, st.rules);
	if (self->boot->kind == BOOT_REFUSED) {
		/* A refused boot policy is an error and no load. */
		EXPECT_EQ(1, st.policy_errors);
		EXPECT_EQ(0, st.policy_loads);
	} else {
		/* The boot policy counts as a load. */
		EXPECT_EQ(0, st.policy_errors);
		EXPECT_EQ(1, st.policy_loads);
	}
}

static const struct creds root_cap_creds = {
	.uid = 0, .gid = 0, .cap_bind = true,
};

/* BOOT_SETTINGS: reserved 2000 and strict came from the command line. */
static void settings_owners(struct __test_metadata *_metadata)
{
	CHECK_BINDS(&www_creds, &proto_tcp, FAM_IPV4, { 80, 0 });
	CHECK_BINDS(&user_creds, &proto_sctp, FAM_IPV4, { 9899, 0 });
	CHECK_BINDS(&user_creds, &proto_sctp, FAM_IPV6, { 9899, 0 });
	/* reserved 2000: 2000 itself is free. */
	CHECK_BINDS(&user_creds, &proto_tcp, FAM_IPV4, { 2000, 0 });
	CHECK_BINDS(&root_cap_creds, &proto_tcp, FAM_IPV4, { 2000, 0 });
}

static void settings_others(struct __test_metadata *_metadata, int high)
{
	/* Unowned below 2000 is reserved; below 1024 refused in any mode. */
	CHECK_BINDS(&user_creds, &proto_tcp, FAM_IPV4,
		    { 1999, high }, { 1024, high }, { 81, EACCES });
	CHECK_BINDS(&www_creds, &proto_tcp, FAM_IPV4, { 443, EACCES });
	/* strict: the capability opens neither owned nor reserved ports. */
	CHECK_BINDS(&root_cap_creds, &proto_tcp, FAM_IPV4,
		    { 80, high }, { 443, high }, { 1999, high });
	CHECK_BINDS(&www_creds, &proto_sctp, FAM_IPV4, { 9899, high });
	CHECK_BINDS(&user_creds, &proto_tcp, FAM_IPV4, { 80, EACCES });
}

/* BOOT_INVALID: the empty policy is in force, so the stock rule. */
static void refused_owners(struct __test_metadata *_metadata)
{
	/* The capability still opens low ports; 1024 is free. */
	CHECK_BINDS(&other_cap_creds, &proto_tcp, FAM_IPV4,
		    { 80, 0 }, { 443, 0 });
	CHECK_BINDS(&www_creds, &proto_tcp, FAM_IPV4, { 1024, 0 });
}

static void refused_others(struct __test_metadata *_metadata)
{
	/* tcp:80:uid:33 was part of the refused policy: 33 owns nothing. */
	CHECK_BINDS(&www_creds, &proto_tcp, FAM_IPV4,
		    { 80, EACCES }, { 1023, EACCES });
	CHECK_BINDS(&user_creds, &proto_tcp, FAM_IPV4, { 443, EACCES });
}

TEST_F(boot, owners_bind)
{
	if (self->boot->kind == BOOT_WITH_SETTINGS) {
		settings_owners(_metadata);
		return;
	}
	if (self->boot->kind == BOOT_REFUSED) {
		refused_owners(_metadata);
		return;
	}
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

	if (self->boot->kind == BOOT_WITH_SETTINGS) {
		settings_others(_metadata, high);
		return;
	}
	if (self->boot->kind == BOOT_REFUSED) {
		refused_others(_metadata);
		return;
	}

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
