// SPDX-License-Identifier: GPL-2.0
/*
 * portown: the securityfs interface
 *
 * A few malformed policies end to end (the grammar itself is KUnit's,
 * in security/portown/policy_test.c), the files and their modes, the
 * canonical read-back, the size and rule limits, the stats, who may
 * write (privileges, user namespaces and their id mappings).
 *
 * Runs as root; whatever needs other credentials runs in a forked child
 * that drops its privileges first (see common.h).  Each fixture loads a
 * known policy and puts back the one in force afterwards.  Everything
 * SKIPs when portown is not active.
 */

#include "common.h"

#include <pthread.h>
#include <sys/uio.h>

FIXTURE(policy) {};

FIXTURE_SETUP(policy)
{
	if (!portown_setup(_metadata))
		return;
	SET_POLICY(EMPTY_POLICY);
}

FIXTURE_TEARDOWN_PARENT(policy)
{
	portown_teardown(_metadata);
}

/* ---- malformed policies ----------------------------------------- */

/*
 * A few malformed texts through securityfs, each refused whole with the
 * policy in force, the counters and the old policy's binds unchanged: a
 * syntax error, a port out of range, an unmapped id, a NUL byte, and a bad
 * last line after good ones. The grammar, case by case, is KUnit's
 * (security/portown/policy_test.c). policy.size_limit writes an over-size
 * text; policy.userns_id_mapping reads ids back in a user namespace.
 */

#define KNOWN_POLICY \
	"reserved 1500\n" \
	"tcp 80 uid 33\n" \
	"tcp 8000-8099 gid 1001\n" \
	"udp 53 uid 102\n"

FIXTURE(malformed) {};

FIXTURE_VARIANT(malformed)
{
	const char *text;
	size_t len;	/* 0: strlen(text) */
	int err;
};

/* A text with a NUL inside: .len gives its full size. */
static const char nul_in_line_text[] = "tcp 80 uid 1\0\n";

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, unknown_keyword) {
	/* clang-format on */
	.text = "bogus 80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_65536) {
	/* clang-format on */
	.text = "tcp 65536 uid 1\n",
	.err = EINVAL,
};

/*
 * An id the writer's user namespace does not map: (uid_t)-1 is never
 * mapped. Writers need CAP_MAC_ADMIN in the initial user namespace, where
 * every other id is mapped (see policy.child_userns_root_writes).
 */
/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, id_invalid) {
	/* clang-format on */
	.text = "tcp 80 uid 4294967295\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, nul_in_line) {
	/* clang-format on */
	.text = nul_in_line_text,
	.len = sizeof(nul_in_line_text) - 1,
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, bad_last_line) {
	/* clang-format on */
	.text = "reserved 2000\nstrict\ntcp 1-65535 uid 1\nudp 1 uid 1\ntcp 99999 uid 1\n",
	.err = EINVAL,
};

FIXTURE_SETUP(malformed)
{
	if (!portown_setup(_metadata))
		return;
	SET_POLICY(KNOWN_POLICY);
}

FIXTURE_TEARDOWN_PARENT(malformed)
{
	portown_teardown(_metadata);
}

TEST_F(malformed, refused_unchanged)
{
	size_t len = variant->len ? variant->len : strlen(variant->text);
	struct stats before, after;

	ASSERT_POLICY(KNOWN_POLICY);
	ASSERT_EQ(0, read_stats(&before));
	EXPECT_EQ(-variant->err, write_file_len(PORTOWN_POLICY, variant->text,
						len));
	ASSERT_EQ(0, read_stats(&after));
	ASSERT_POLICY(KNOWN_POLICY);
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_errors));
	EXPECT_EQ(0, STATS_DELTA(after, before, policy_loads));
	EXPECT_EQ(3, after.rules);
	/* The old policy is still in force. */
	CHECK_BINDS(&other_creds, &proto_tcp, FAM_IPV4,
		    { 8000, EACCES }, { 1499, EACCES }, { 1500, 0 });
}

/* ---- policy files ------------------------------------------------ */

TEST_F(policy, sysctl_takeover)
{
	ASSERT_FILE(PORT_START_SYSCTL, "0\n");
}

TEST_F(policy, lsm_registered)
{
	__u64 ids[64];
	__u32 size = sizeof(ids);
	char buf[512], *tok, *save;
	bool listed = false, found = false;
	int n, i;

	ASSERT_LT(0, read_file("/sys/kernel/security/lsm", buf, sizeof(buf)));
	for (tok = strtok_r(buf, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save))
		listed |= !strcmp(tok, "portown");
	EXPECT_TRUE(listed);

	n = syscall(__NR_lsm_list_modules, ids, &size, 0);
	ASSERT_LT(0, n)
	{
		TH_LOG("lsm_list_modules: %s", strerror(errno));
	}
	for (i = 0; i < n; i++)
		found |= ids[i] == LSM_ID_PORTOWN;
	EXPECT_TRUE(found);
}

TEST_F(policy, file_modes)
{
	static const struct {
		const char *path;
		mode_t mode;
	} files[] = {
		{ PORTOWN_POLICY, 0600 },
		{ PORTOWN_ENFORCE, 0644 },
		{ PORTOWN_LOCK, 0644 },
		{ PORTOWN_STATS, 0444 },
	};
	struct stat st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		ASSERT_EQ(0, stat(files[i].path, &st));
		EXPECT_EQ(files[i].mode, st.st_mode & 07777)
		{
			TH_LOG("%s: mode %o", files[i].path,
			       st.st_mode & 07777);
		}
		EXPECT_TRUE(S_ISREG(st.st_mode));
		EXPECT_EQ(0, st.st_uid);
		EXPECT_EQ(0, st.st_gid);
	}
}

TEST_F(policy, empty_and_minimal)
{
	int fd;

	ASSERT_POLICY(EMPTY_POLICY);
	SET_POLICY("tcp 80 uid 33\n");
	/* A zero-length write is a no-op. */
	fd = open(PORTOWN_POLICY, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, write(fd, "", 0));
	close(fd);
	ASSERT_POLICY("reserved 1024\ntcp 80 uid 33\n");

	/*
	 * Comments and blank lines only: the empty policy.  "\x20" is a
	 * blank that ends a line.
	 */
	SET_POLICY("# nothing here\n\n  \x20\n\t\n# still nothing\n");
	ASSERT_POLICY(EMPTY_POLICY);
	SET_POLICY("\n");
	ASSERT_POLICY(EMPTY_POLICY);
	SET_POLICY("strict");
	ASSERT_POLICY("reserved 1024\nstrict\n");
	SET_POLICY("reserved 0");
	ASSERT_POLICY("reserved 0\n");
	SET_POLICY("reserved 65535\n");
	ASSERT_POLICY("reserved 65535\n");
	SET_POLICY("reserved 1024\n");
	ASSERT_POLICY(EMPTY_POLICY);
}

/* "\x20" is a blank that ends a line. */
#define MESSY_POLICY \
	"# A policy in no particular order\n" \
	"\n" \
	"   \t\x20\n" \
	"udp 5353 uid 102   # trailing comment\n" \
	"tcp\t443\tgid\t33\n" \
	"strict\n" \
	"  tcp 80 uid 33\n" \
	"tcp 80 uid 33\n" \
	"sctp 9899 uid 1000\n" \
	"dccp 7000-7001 gid 5\n" \
	"tcp 8000-8099 gid 1001\n" \
	"tcp 80 gid 33\n" \
	"tcp 0080 uid 07\n" \
	"tcp 80-80 uid 34\n" \
	"reserved 2000\n" \
	"udp 53 uid 102#no blank before the comment\n" \
	"tcp 8000-8050 gid 1001\n" \
	"tcp 65535 uid 4294967294\n" \
	"udp 1-65535 gid 0\n" \
	"tcp 8000-8099 uid 1001"

#define MESSY_CANONICAL \
	"reserved 2000\n" \
	"strict\n" \
	"tcp 80 uid 7\n" \
	"tcp 80 uid 33\n" \
	"tcp 80 uid 34\n" \
	"tcp 80 gid 33\n" \
	"tcp 443 gid 33\n" \
	"tcp 8000-8050 gid 1001\n" \
	"tcp 8000-8099 uid 1001\n" \
	"tcp 8000-8099 gid 1001\n" \
	"tcp 65535 uid 4294967294\n" \
	"udp 1-65535 gid 0\n" \
	"udp 53 uid 102\n" \
	"udp 5353 uid 102\n" \
	"sctp 9899 uid 1000\n" \
	"dccp 7000-7001 gid 5\n"

TEST_F(policy, canonical_read_back)
{
	struct stats st;

	SET_POLICY(MESSY_POLICY);
	ASSERT_POLICY(MESSY_CANONICAL);
	ASSERT_EQ(0, read_stats(&st));
	/* One exact duplicate (tcp 80 uid 33) was dropped. */
	EXPECT_EQ(14, st.rules);
}

TEST_F(policy, round_trip)
{
	char first[POLICY_BUF_SIZE], second[POLICY_BUF_SIZE];
	struct stats before, after;

	SET_POLICY(MESSY_POLICY);
	ASSERT_LE(0, read_file(PORTOWN_POLICY, first, sizeof(first)));
	ASSERT_EQ(0, read_stats(&before));
	SET_POLICY(first);
	ASSERT_LE(0, read_file(PORTOWN_POLICY, second, sizeof(second)));
	ASSERT_STREQ(first, second);
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_loads));
	EXPECT_EQ(before.rules, after.rules);

	/* The empty policy too. */
	SET_POLICY(EMPTY_POLICY);
	ASSERT_LE(0, read_file(PORTOWN_POLICY, first, sizeof(first)));
	SET_POLICY(first);
	ASSERT_POLICY(EMPTY_POLICY);
}

TEST_F(policy, one_write_at_offset_zero)
{
	static const char first[] = "tcp 8080 uid 1001\n";
	static const char second[] = "tcp 8081 uid 1001\n";
	int fd;

	/* A second write on the same fd would land at offset != 0. */
	fd = open(PORTOWN_POLICY, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_fd_once(fd, first, strlen(first)));
	EXPECT_EQ(-EINVAL, write_fd_once(fd, second, strlen(second)));
	close(fd);
	ASSERT_POLICY("reserved 1024\ntcp 8080 uid 1001\n");

	/* A write after seeking away from offset 0. */
	fd = open(PORTOWN_POLICY, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, lseek(fd, 1, SEEK_SET));
	EXPECT_EQ(-EINVAL, write_fd_once(fd, second, strlen(second)));
	close(fd);
	ASSERT_POLICY("reserved 1024\ntcp 8080 uid 1001\n");

	/* pwrite(2) at offset != 0: the same EINVAL. */
	fd = open(PORTOWN_POLICY, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pwrite(fd, second, strlen(second), 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	ASSERT_POLICY("reserved 1024\ntcp 8080 uid 1001\n");

	/* pwrite(2) at offset 0 is a whole policy, like write(2). */
	fd = open(PORTOWN_POLICY, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)strlen(second),
		  pwrite(fd, second, strlen(second), 0));
	close(fd);
	ASSERT_POLICY("reserved 1024\ntcp 8081 uid 1001\n");
}

/* Pads a policy text with comment lines to exactly size bytes. */
static char *padded_policy(const char *head, size_t size)
{
	struct strbuf sb;

	sb_init(&sb, size + 1);
	sb_printf(&sb, "%s", head);
	while (sb.len < size) {
		size_t left = size - sb.len;

		if (left > 80) {
			sb_printf(&sb, "# %076d\n", 0);
		} else {
			memset(sb.buf + sb.len, '#', left - 1);
			sb.buf[size - 1] = '\n';
			sb.buf[size] = '\0';
			sb.len = size;
		}
	}
	return sb.buf;
}

#define MAX_POLICY_SIZE (2 * 1024 * 1024)
#define MAX_RULES 65536

TEST_F_TIMEOUT(policy, size_limit, 120)
{
	struct stats before, after;
	char *text;

	SET_POLICY(KNOWN_POLICY);
	ASSERT_EQ(0, read_stats(&before));

	text = padded_policy("reserved 2000\ntcp 7 uid 7\n",
			     MAX_POLICY_SIZE + 1);
	ASSERT_EQ(MAX_POLICY_SIZE + 1, strlen(text));
	EXPECT_EQ(-E2BIG, write_file(PORTOWN_POLICY, text));
	free(text);
	ASSERT_POLICY(KNOWN_POLICY);

	text = padded_policy("reserved 2000\ntcp 7 uid 7\n", MAX_POLICY_SIZE);
	ASSERT_EQ(MAX_POLICY_SIZE, strlen(text));
	EXPECT_EQ(0, write_file(PORTOWN_POLICY, text));
	free(text);
	ASSERT_POLICY("reserved 2000\ntcp 7 uid 7\n");

	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_errors));
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_loads));
	EXPECT_EQ(1, after.rules);
}

/* n distinct rules, in canonical order: tcp 1..65535, then udp 1... */
static char *many_rules(int n)
{
	struct strbuf sb;
	int i;

	sb_init(&sb, 32 * (size_t)n + 64);
	sb_printf(&sb, "reserved 1024\n");
	for (i = 0; i < n; i++) {
		if (i < 65535)
			sb_printf(&sb, "tcp %d uid 1\n", i + 1);
		else
			sb_printf(&sb, "udp %d uid 1\n", i - 65535 + 1);
	}
	return sb.buf;
}

TEST_F_TIMEOUT(policy, rule_limit, 300)
{
	struct stats before, after;
	char *text, *back;
	ssize_t len;

	SET_POLICY(KNOWN_POLICY);
	ASSERT_EQ(0, read_stats(&before));

	text = many_rules(MAX_RULES + 1);
	EXPECT_EQ(-E2BIG, write_file(PORTOWN_POLICY, text));
	free(text);
	ASSERT_POLICY(KNOWN_POLICY);

	text = many_rules(MAX_RULES);
	ASSERT_GT(MAX_POLICY_SIZE, strlen(text));
	ASSERT_EQ(0, write_file(PORTOWN_POLICY, text));
	back = malloc(MAX_POLICY_SIZE);
	ASSERT_NE(NULL, back);
	len = read_file(PORTOWN_POLICY, back, MAX_POLICY_SIZE);
	ASSERT_EQ(strlen(text), len);
	EXPECT_EQ(0, strcmp(text, back));
	free(back);
	free(text);

	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_errors));
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_loads));
	EXPECT_EQ(MAX_RULES, after.rules);

	/* Every port is owned by uid 1 now. */
	CHECK_BINDS(&other_creds, &proto_tcp, FAM_IPV4,
		    { 1, EACCES }, { 30000, EACCES }, { 65535, EACCES });
	CHECK_BINDS(&other_creds, &proto_udp, FAM_IPV4,
		    { 1, EACCES }, { 2, EACCES }, { 2000, 0 });
}

TEST_F(policy, enforce_file)
{
	static const char *const bad[] = {
		"2", "01", "10", "-1", "1 ", " 1", "1\n\n", "0x1", "yes",
		"on", "true", "y", "1\r\n",
	};
	size_t i;

	ASSERT_FILE(PORTOWN_ENFORCE, "1\n");
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "0"));
	ASSERT_FILE(PORTOWN_ENFORCE, "0\n");
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "1\n"));
	ASSERT_FILE(PORTOWN_ENFORCE, "1\n");
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "0\n"));
	ASSERT_FILE(PORTOWN_ENFORCE, "0\n");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, write_file(PORTOWN_ENFORCE, bad[i]))
		{
			TH_LOG("enforce accepted \"%s\"", bad[i]);
		}
		EXPECT_FILE(PORTOWN_ENFORCE, "0\n");
	}
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "1"));
	ASSERT_FILE(PORTOWN_ENFORCE, "1\n");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, write_file(PORTOWN_ENFORCE, bad[i]));
		EXPECT_FILE(PORTOWN_ENFORCE, "1\n");
	}
	/* Rereading an open file gives the current value. */
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "1"));
}

TEST_F(policy, lock_file_unlocked)
{
	ASSERT_FILE(PORTOWN_LOCK, "0\n");
	/* "0" while unlocked is a no-op. */
	EXPECT_EQ(0, write_file(PORTOWN_LOCK, "0"));
	EXPECT_EQ(0, write_file(PORTOWN_LOCK, "0\n"));
	ASSERT_FILE(PORTOWN_LOCK, "0\n");
	/* Anything else but "1" is refused (never lock here). */
	EXPECT_EQ(-EINVAL, write_file(PORTOWN_LOCK, "2"));
	EXPECT_EQ(-EINVAL, write_file(PORTOWN_LOCK, "yes"));
	ASSERT_FILE(PORTOWN_LOCK, "0\n");
	/* Still writable. */
	SET_POLICY("tcp 80 uid 33\n");
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "1"));
}

TEST_F(policy, stats_format)
{
	char buf[1024];
	struct stats before, after;
	int lines = 0;
	char *p;

	ASSERT_LT(0, read_file(PORTOWN_STATS, buf, sizeof(buf)));
	for (p = buf; *p; p++)
		lines += *p == '\n';
	EXPECT_EQ(9, lines);
	ASSERT_EQ(0, read_stats(&before))
	{
		TH_LOG("unexpected stats format:\n%s", buf);
	}
	EXPECT_EQ(0, before.rules);
	EXPECT_LE(1, before.policy_loads);

	/* Loads and errors; duplicates are not counted as rules. */
	SET_POLICY("tcp 80 uid 33\ntcp 80 uid 33\nudp 53 uid 1\n"
		   "tcp 1-10 gid 2\n");
	EXPECT_EQ(-EINVAL, write_file(PORTOWN_POLICY, "tcp 80\n"));
	SET_POLICY("udp 53 uid 1\n");
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(2, STATS_DELTA(after, before, policy_loads));
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_errors));
	EXPECT_EQ(1, after.rules);
	SET_POLICY("tcp 80 uid 33\ntcp 80 uid 33\nudp 53 uid 1\n"
		   "tcp 1-10 gid 2\n");
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(3, after.rules);
}

TEST_F(policy, stats_counting)
{
	struct stats before, after;
	char policy[128];

	snprintf(policy, sizeof(policy),
		 "reserved 1024\ntcp 8080 uid %d\ntcp %d uid %d\n",
		 UID_OWNER, P_OWNED_LOW, UID_OWNER);
	SET_POLICY(policy);
	ASSERT_EQ(0, read_stats(&before));
	/* Allowed by a rule. */
	CHECK_BINDS(&owner_creds, &proto_tcp, FAM_IPV4, { 8080, 0 });
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(1, STATS_DELTA(after, before, checked));
	EXPECT_EQ(1, STATS_DELTA(after, before, allowed));
	EXPECT_EQ(1, STATS_DELTA(after, before, allowed_owner));
	EXPECT_EQ(0, STATS_DELTA(after, before, allowed_capability));
	EXPECT_EQ(0, STATS_DELTA(after, before, denied));
	EXPECT_EQ(0, STATS_DELTA(after, before, logged));

	/* Allowed by the capability, owned and unowned reserved port. */
	before = after;
	CHECK_BINDS(&other_cap_creds, &proto_tcp, FAM_IPV4,
		    { P_OWNED_LOW, 0 }, { P_FREE_LOW, 0 });
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(2, STATS_DELTA(after, before, checked));
	EXPECT_EQ(2, STATS_DELTA(after, before, allowed));
	EXPECT_EQ(0, STATS_DELTA(after, before, allowed_owner));
	EXPECT_EQ(2, STATS_DELTA(after, before, allowed_capability));
	EXPECT_EQ(0, STATS_DELTA(after, before, denied));

	/* Unowned, above reserved: nothing to decide, not even counted. */
	before = after;
	CHECK_BINDS(&other_creds, &proto_udp, FAM_IPV6, { 30000, 0 });
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(0, STATS_DELTA(after, before, checked));
	EXPECT_EQ(0, STATS_DELTA(after, before, allowed));
	EXPECT_EQ(0, STATS_DELTA(after, before, allowed_owner));
	EXPECT_EQ(0, STATS_DELTA(after, before, allowed_capability));

	/* Refused. */
	before = after;
	CHECK_BINDS(&other_creds, &proto_tcp, FAM_IPV4,
		    { 8080, EACCES }, { P_OWNED_LOW, EACCES },
		    { P_FREE_LOW, EACCES });
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(3, STATS_DELTA(after, before, checked));
	EXPECT_EQ(0, STATS_DELTA(after, before, allowed));
	EXPECT_EQ(3, STATS_DELTA(after, before, denied));
	EXPECT_EQ(0, STATS_DELTA(after, before, logged));

	/* Not judged: port 0. */
	before = after;
	CHECK_BINDS(&other_creds, &proto_tcp, FAM_IPV4, { 0, 0 });
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(0, STATS_DELTA(after, before, checked));

	/* Permissive let-through. */
	SET_ENFORCE(0);
	ASSERT_EQ(0, read_stats(&before));
	CHECK_BINDS(&other_creds, &proto_tcp, FAM_IPV4,
		    { 8080, 0 }, { P_OWNED_LOW, EACCES });
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(2, STATS_DELTA(after, before, checked));
	EXPECT_EQ(1, STATS_DELTA(after, before, logged));
	EXPECT_EQ(1, STATS_DELTA(after, before, denied));
	EXPECT_EQ(0, STATS_DELTA(after, before, allowed_owner));
	EXPECT_EQ(0, STATS_DELTA(after, before, allowed_capability));
	EXPECT_EQ(0, STATS_DELTA(after, before, policy_loads));
	SET_ENFORCE(1);

	/* Loads and errors. */
	ASSERT_EQ(0, read_stats(&before));
	SET_POLICY(EMPTY_POLICY);
	EXPECT_EQ(-EINVAL, write_file(PORTOWN_POLICY, "nonsense\n"));
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_loads));
	EXPECT_EQ(1, STATS_DELTA(after, before, policy_errors));
	EXPECT_EQ(0, STATS_DELTA(after, before, checked));
	EXPECT_EQ(0, after.rules);
}

/* ---- who may write ----------------------------------------------- */

struct write_job {
	const char *path;
	const char *text;
	int mode;	/* 0: open before dropping, 1: after, 2: no MAC_ADMIN */
};

static const char *const writable_files[] = {
	PORTOWN_POLICY, PORTOWN_ENFORCE, PORTOWN_LOCK,
};

/*
 * A valid payload for each file.  enforce is 1 while these run, so an
 * accepted "0" shows in the snapshot; lock gets "0" (a no-op when
 * unlocked) so that a bug cannot lock the rest of the run out.
 */
static const char *const writable_payloads[] = {
	"tcp 1 uid 1\n", "0", "0",
};

/*
 * res[0]: open result (0 or errno), res[1]: write result.  Runs as root;
 * drops to other_creds around the open or the write.
 */
static void write_as_fn(const void *arg, int *res)
{
	const struct write_job *job = arg;
	int fd = -1;

	if (job->mode == 2) {
		if (drop_effective_cap(CAP_MAC_ADMIN)) {
			res[0] = R_PRIV;
			return;
		}
	} else if (job->mode == 1) {
		if (drop_privileges(&other_creds)) {
			res[0] = R_PRIV;
			return;
		}
	}
	fd = open(job->path, O_WRONLY);
	res[0] = fd < 0 ? errno : 0;
	if (fd < 0)
		return;
	if (job->mode == 0 && drop_privileges(&other_creds)) {
		res[1] = R_PRIV;
		return;
	}
	res[1] = -write_fd_once(fd, job->text, strlen(job->text));
}

static void snapshot(struct __test_metadata *_metadata, char *policy,
		     char *enforce, char *lock)
{
	ASSERT_LE(0, read_file(PORTOWN_POLICY, policy, POLICY_BUF_SIZE));
	ASSERT_LE(0, read_file(PORTOWN_ENFORCE, enforce, 16));
	ASSERT_LE(0, read_file(PORTOWN_LOCK, lock, 16));
}

TEST_F(policy, unprivileged_writes)
{
	char policy0[POLICY_BUF_SIZE], enforce0[16], lock0[16];
	char policy1[POLICY_BUF_SIZE], enforce1[16], lock1[16];
	struct write_job job;
	int res[MAX_RESULTS];
	size_t i;

	SET_POLICY(KNOWN_POLICY);
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "1"));
	snapshot(_metadata, policy0, enforce0, lock0);
	for (i = 0; i < 3; i++) {
		job.path = writable_files[i];
		job.text = writable_payloads[i];

		/* Opened by root, written after dropping to a user. */
		job.mode = 0;
		ASSERT_EQ(0, run_child(NULL, write_as_fn, &job, res));
		EXPECT_EQ(0, res[0]);
		EXPECT_EQ(EPERM, res[1])
		{
			TH_LOG("%s: %s", job.path, result_str(res[1]));
		}

		/* Opened by a user: the file mode refuses. */
		job.mode = 1;
		ASSERT_EQ(0, run_child(NULL, write_as_fn, &job, res));
		EXPECT_EQ(EACCES, res[0])
		{
			TH_LOG("%s: %s", job.path, result_str(res[0]));
		}

		/* uid 0 without CAP_MAC_ADMIN. */
		job.mode = 2;
		ASSERT_EQ(0, run_child(NULL, write_as_fn, &job, res));
		EXPECT_EQ(0, res[0]);
		EXPECT_EQ(EPERM, res[1])
		{
			TH_LOG("%s: %s", job.path, result_str(res[1]));
		}
	}
	snapshot(_metadata, policy1, enforce1, lock1);
	EXPECT_STREQ(policy0, policy1);
	EXPECT_STREQ(enforce0, enforce1);
	EXPECT_STREQ(lock0, lock1);
	EXPECT_STREQ("0\n", lock1);
}

/* Opens path without CAP_MAC_ADMIN and passes the fd to the parent. */
static void open_unprivileged_fn(const void *arg, int *res)
{
	const int sock = *(const int *)arg;
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	int fd;

	if (drop_effective_cap(CAP_MAC_ADMIN)) {
		res[0] = R_PRIV;
		return;
	}
	fd = open(PORTOWN_POLICY, O_WRONLY);
	if (fd < 0) {
		res[0] = R_OPEN - errno;
		return;
	}
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
	res[0] = sendmsg(sock, &msg, 0) == 1 ? 0 : R_MISC - errno;
}

TEST_F(policy, opener_needs_privilege)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	int sv[2], res[MAX_RESULTS], fd;

	SET_POLICY(KNOWN_POLICY);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_EQ(0, run_child(NULL, open_unprivileged_fn, &sv[1], res));
	ASSERT_EQ(0, res[0])
	{
		TH_LOG("%s", result_str(res[0]));
	}
	ASSERT_EQ(1, recvmsg(sv[0], &msg, 0));
	ASSERT_NE(NULL, CMSG_FIRSTHDR(&msg));
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(fd));
	/* Root writes through a file its unprivileged child opened. */
	EXPECT_EQ(-EPERM, write_fd_once(fd, "tcp 1 uid 1\n", 12));
	close(fd);
	close(sv[0]);
	close(sv[1]);
	ASSERT_POLICY(KNOWN_POLICY);
}

static int write_id_map(const char *path, const char *map)
{
	return write_file(path, map);
}

/* res[i]: write result for file i, after entering a child user ns. */
static void userns_write_fn(const void *arg, int *res)
{
	const bool open_before = *(const bool *)arg;
	int fds[3], i, ret;

	for (i = 0; i < 3 && open_before; i++) {
		fds[i] = open(writable_files[i], O_WRONLY);
		if (fds[i] < 0) {
			res[i] = R_OPEN - errno;
			return;
		}
	}
	if (unshare(CLONE_NEWUSER)) {
		res[0] = R_MISC - errno;
		return;
	}
	ret = write_id_map("/proc/self/uid_map", "0 0 1\n");
	if (!ret)
		ret = write_file("/proc/self/setgroups", "deny");
	if (!ret)
		ret = write_id_map("/proc/self/gid_map", "0 0 1\n");
	if (ret) {
		res[0] = R_MISC + ret;
		return;
	}
	for (i = 0; i < 3; i++) {
		if (!open_before) {
			fds[i] = open(writable_files[i], O_WRONLY);
			if (fds[i] < 0) {
				res[i] = R_OPEN - errno;
				continue;
			}
		}
		res[i] = -write_fd_once(fds[i], writable_payloads[i],
					strlen(writable_payloads[i]));
		close(fds[i]);
	}
}

TEST_F(policy, child_userns_root_writes)
{
	char policy0[POLICY_BUF_SIZE], enforce0[16], lock0[16];
	char policy1[POLICY_BUF_SIZE], enforce1[16], lock1[16];
	int res[MAX_RESULTS], i, j;

	SET_POLICY(KNOWN_POLICY);
	snapshot(_metadata, policy0, enforce0, lock0);
	for (j = 0; j < 2; j++) {
		const bool open_before = j;

		ASSERT_EQ(0, run_child(NULL, userns_write_fn, &open_before,
				       res));
		if (res[0] == R_MISC - EPERM || res[0] == R_MISC - EINVAL ||
		    res[0] == R_MISC - ENOSPC)
			SKIP(return, "no user namespaces: %s",
			     result_str(res[0]));
		for (i = 0; i < 3; i++) {
			EXPECT_EQ(EPERM, res[i])
			{
				TH_LOG("%s (opened %s unshare): %s",
				       writable_files[i],
				       open_before ? "before" : "after",
				       result_str(res[i]));
			}
		}
	}
	snapshot(_metadata, policy1, enforce1, lock1);
	EXPECT_STREQ(policy0, policy1);
	EXPECT_STREQ(enforce0, enforce1);
	EXPECT_STREQ(lock0, lock1);
}

/* Child: waits for its id maps, then compares the policy read-back. */
struct userns_read_job {
	int ready_fd, go_fd;
	const char *expected;
};

static void userns_read_fn(const void *arg, int *res)
{
	const struct userns_read_job *job = arg;
	char buf[POLICY_BUF_SIZE];
	ssize_t len;
	char c = 0;

	if (unshare(CLONE_NEWUSER)) {
		res[0] = R_MISC - errno;
		return;
	}
	if (write(job->ready_fd, &c, 1) != 1 || read(job->go_fd, &c, 1) != 1) {
		res[0] = R_MISC - EPIPE;
		return;
	}
	if (c != 'g') {
		res[0] = R_MISC - ECANCELED;
		return;
	}
	len = read_file(PORTOWN_POLICY, buf, sizeof(buf));
	if (len < 0) {
		res[0] = R_OPEN + len;
		return;
	}
	res[0] = strcmp(buf, job->expected) ? 1 : 0;
	if (res[0])
		fprintf(stderr, "# policy read in the child user ns:\n%s", buf);
}

struct userns_read_arg {
	struct userns_read_job job;
	int ready_rd, go_wr;
	int ret;
};

static void *userns_mapper(void *data)
{
	struct userns_read_arg *a = data;
	char path[64], c;
	pid_t pid;
	int ret;

	/* The child announces itself; its pid comes through a pipe too. */
	if (read(a->ready_rd, &pid, sizeof(pid)) != sizeof(pid) ||
	    read(a->ready_rd, &c, 1) != 1) {
		a->ret = -EPIPE;
		c = 'x';
		ret = write(a->go_wr, &c, 1);
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	a->ret = write_id_map(path, "0 0 1\n5000 1000 100\n");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	if (!a->ret)
		a->ret = write_id_map(path, "0 0 1\n5000 1000 100\n");
	c = a->ret ? 'x' : 'g';
	ret = write(a->go_wr, &c, 1);
	(void)ret;
	return NULL;
}

static void userns_read_wrapper(const void *arg, int *res)
{
	const struct userns_read_arg *a = arg;
	pid_t pid = getpid();

	if (write(a->job.ready_fd, &pid, sizeof(pid)) != sizeof(pid)) {
		res[0] = R_MISC - EPIPE;
		return;
	}
	userns_read_fn(&a->job, res);
}

TEST_F(policy, userns_id_mapping)
{
	char expected[256], overflow[32];
	struct userns_read_arg a = {};
	int ready[2], go[2], res[MAX_RESULTS];
	pthread_t thread;

	SET_POLICY("reserved 1024\n"
		   "tcp 80 uid 33\n"
		   "tcp 8080 uid 1001\n"
		   "tcp 8081 gid 1050\n"
		   "udp 53 uid 0\n");
	ASSERT_LT(0, read_file("/proc/sys/kernel/overflowuid", overflow,
			       sizeof(overflow)));
	overflow[strcspn(overflow, "\n")] = '\0';
	snprintf(expected, sizeof(expected),
		 "reserved 1024\n"
		 "tcp 80 uid %s\n"
		 "tcp 8080 uid 5001\n"
		 "tcp 8081 gid 5050\n"
		 "udp 53 uid 0\n", overflow);

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	a.job.ready_fd = ready[1];
	a.job.go_fd = go[0];
	a.job.expected = expected;
	a.ready_rd = ready[0];
	a.go_wr = go[1];
	/* The parent maps the child's ids while the child waits. */
	ASSERT_EQ(0, pthread_create(&thread, NULL, userns_mapper, &a));
	ASSERT_EQ(0, run_child(NULL, userns_read_wrapper, &a, res));
	if (res[0] == R_MISC - EPERM || res[0] == R_MISC - EINVAL ||
	    res[0] == R_MISC - ENOSPC) {
		close(ready[1]);
		pthread_join(thread, NULL);
		SKIP(return, "no user namespaces: %s", result_str(res[0]));
	}
	close(ready[1]);
	pthread_join(thread, NULL);
	EXPECT_EQ(0, a.ret)
	{
		TH_LOG("writing the id maps: %s", strerror(-a.ret));
	}
	EXPECT_EQ(0, res[0])
	{
		TH_LOG("expected:\n%s(%s)", expected, result_str(res[0]));
	}
	close(ready[0]);
	close(go[0]);
	close(go[1]);
	/* Root in the initial namespace still reads the real ids. */
	ASSERT_POLICY("reserved 1024\ntcp 80 uid 33\ntcp 8080 uid 1001\n"
		      "tcp 8081 gid 1050\nudp 53 uid 0\n");
}

TEST_HARNESS_MAIN
