// SPDX-License-Identifier: GPL-2.0
/*
 * portown: the lock file
 *
 * Locking lasts until reboot, so this must run LAST in a boot, and only
 * where that is wanted: unless portown is locked already, every test
 * SKIPs without PORTOWN_TEST_LOCK=1 in the environment (the VM harness
 * sets it; a live host is left alone).  When the module is not locked
 * yet, the first test loads a known policy and locks; when an earlier
 * test already locked it, the frozen state is whatever it was, and the
 * bind checks are derived from it.
 */

#include "common.h"

#define LOCK_POLICY \
	"reserved 1024\n" \
	"tcp 47000 uid 1001\n"

/* A user that is not expected to own anything. */
static const struct creds nobody_creds = { .uid = 65533, .gid = 65533 };

FIXTURE(lock)
{
	char policy[POLICY_BUF_SIZE];
	char enforce[16];
};

FIXTURE_SETUP(lock)
{
	const char *optin = getenv("PORTOWN_TEST_LOCK");

	if (!portown_active())
		SKIP(return, "portown is not active (no %s)", PORTOWN_POLICY);
	if (!portown_locked() && (!optin || strcmp(optin, "1")))
		SKIP(return,
		     "locking lasts until reboot: set PORTOWN_TEST_LOCK=1 to run");
	if (!portown_locked()) {
		SET_POLICY(LOCK_POLICY);
		ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "1"));
		ASSERT_EQ(0, write_file(PORTOWN_LOCK, "1"));
		TH_LOG("locked portown until reboot");
	}
	ASSERT_FILE(PORTOWN_LOCK, "1\n");
	ASSERT_LE(0, read_file(PORTOWN_POLICY, self->policy,
			       sizeof(self->policy)));
	ASSERT_LE(0, read_file(PORTOWN_ENFORCE, self->enforce,
			       sizeof(self->enforce)));
}

FIXTURE_TEARDOWN(lock)
{
}

TEST_F(lock, policy_frozen)
{
	struct stats before, after;
	int fd;

	ASSERT_EQ(0, read_stats(&before));
	EXPECT_EQ(-EPERM, write_file(PORTOWN_POLICY, EMPTY_POLICY));
	EXPECT_EQ(-EPERM, write_file(PORTOWN_POLICY, self->policy));
	EXPECT_EQ(-EPERM, write_file(PORTOWN_POLICY,
				     "reserved 0\ntcp 47000 uid 1002\n"));
	/* Also when the file was opened before. */
	fd = open(PORTOWN_POLICY, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, write_fd_once(fd, "strict\n", 7));
	close(fd);
	ASSERT_POLICY(self->policy);
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(0, STATS_DELTA(after, before, policy_loads));
	EXPECT_EQ(before.rules, after.rules);
}

TEST_F(lock, enforce_frozen)
{
	EXPECT_EQ(-EPERM, write_file(PORTOWN_ENFORCE, "0"));
	EXPECT_EQ(-EPERM, write_file(PORTOWN_ENFORCE, "1"));
	EXPECT_EQ(-EPERM, write_file(PORTOWN_ENFORCE, "0\n"));
	ASSERT_FILE(PORTOWN_ENFORCE, self->enforce);
}

TEST_F(lock, lock_frozen)
{
	EXPECT_EQ(-EPERM, write_file(PORTOWN_LOCK, "0"));
	EXPECT_EQ(-EPERM, write_file(PORTOWN_LOCK, "1"));
	EXPECT_EQ(-EPERM, write_file(PORTOWN_LOCK, "0\n"));
	ASSERT_FILE(PORTOWN_LOCK, "1\n");
}

/* ---- a small model of the decision, for an unknown frozen policy -- */

struct rule {
	char proto[8];
	unsigned int first, last;
	bool gid;
	unsigned long id;
};

struct model {
	unsigned int reserved;
	bool strict;
	int nrules;
	struct rule rules[4096];
};

static struct model frozen;

/*
 * Parses the canonical read-back.  Returns 0, -E2BIG when it has more
 * rules than the model holds, or -EINVAL when it is not understood.
 */
static int parse_policy(const char *text, struct model *m)
{
	const char *line = text;

	memset(m, 0, sizeof(*m));
	m->reserved = 1024;
	while (*line) {
		const char *end = strchr(line, '\n');
		char subj[8], buf[128];
		struct rule *r;
		size_t len;

		if (!end)
			return -EINVAL;
		len = end - line;
		if (len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = end + 1;
		if (sscanf(buf, "reserved %u", &m->reserved) == 1)
			continue;
		if (!strcmp(buf, "strict")) {
			m->strict = true;
			continue;
		}
		if (m->nrules >= (int)ARRAY_SIZE(m->rules))
			return -E2BIG;
		r = &m->rules[m->nrules++];
		if (sscanf(buf, "%7s %u-%u %7s %lu", r->proto, &r->first,
			   &r->last, subj, &r->id) != 5) {
			if (sscanf(buf, "%7s %u %7s %lu", r->proto, &r->first,
				   subj, &r->id) != 4)
				return -EINVAL;
			r->last = r->first;
		}
		r->gid = !strcmp(subj, "gid");
	}
	return 0;
}

/*
 * Whether the model lets a task without capabilities and groups bind
 * port (otherwise the bind fails with EACCES).
 */
static bool model_allows(const struct model *m, bool enforcing,
			 const char *proto, unsigned int port, uid_t uid,
			 gid_t gid)
{
	bool owned = false, match = false;
	int i;

	if (!port)
		return true;
	for (i = 0; i < m->nrules; i++) {
		const struct rule *r = &m->rules[i];

		if (strcmp(r->proto, proto) || port < r->first ||
		    port > r->last)
			continue;
		owned = true;
		if (r->id == (r->gid ? gid : uid))
			match = true;
	}
	if (owned ? match : port >= m->reserved)
		return true;
	return !enforcing && port >= 1024;
}

TEST_F(lock, binds_still_judged)
{
	const bool enforcing = !strcmp(self->enforce, "1\n");
	const struct creds *c = &nobody_creds;
	unsigned int port, refused = 0, allowed = 0;
	struct model *m = &frozen;
	int ret;

	ret = parse_policy(self->policy, m);
	if (ret == -E2BIG)
		SKIP(return, "the frozen policy has too many rules to model");
	ASSERT_EQ(0, ret)
	{
		TH_LOG("cannot parse the frozen policy:\n%s", self->policy);
	}
	/* The lowest refused port, and an allowed one from 40000 up. */
	for (port = 1; port <= 65535 && !refused; port++)
		if (!model_allows(m, enforcing, "tcp", port, c->uid, c->gid))
			refused = port;
	for (port = 40000; port <= 65535 && !allowed; port++)
		if (model_allows(m, enforcing, "tcp", port, c->uid, c->gid))
			allowed = port;
	if (!refused)
		SKIP(return, "the frozen policy refuses nothing to uid %d",
		     c->uid);
	TH_LOG("refused port %u, allowed port %u", refused, allowed);
	CHECK_BINDS(c, &proto_tcp, FAM_IPV4, { refused, EACCES });
	CHECK_BINDS(c, &proto_tcp, FAM_IPV6, { refused, EACCES });
	if (allowed)
		CHECK_BINDS(c, &proto_tcp, FAM_IPV4, { allowed, 0 });

	if (!strcmp(self->policy, LOCK_POLICY)) {
		CHECK_BINDS(&other_creds, &proto_tcp, FAM_IPV4,
			    { 47000, enforcing ? EACCES : 0 },
			    { 81, EACCES });
		CHECK_BINDS(&owner_creds, &proto_tcp, FAM_IPV4, { 47000, 0 });
	}
}

TEST_HARNESS_MAIN
