// SPDX-License-Identifier: GPL-2.0
/*
 * portown: port ownership LSM, behaviour tests
 *
 * Runs as root; every bind that needs other credentials is done by a
 * forked child that drops its privileges first.  Each fixture loads a
 * known policy and restores the empty one ("reserved 1024", enforcing)
 * afterwards.  Everything SKIPs when portown is not active.
 */

#include "common.h"
#include "wrappers.h"

#include <linux/io_uring.h>
#include <linux/landlock.h>
#include <pthread.h>
#include <sys/uio.h>

/* Ports of the "bind" fixture's policy (see bind_policy()). */
#define P_OWNED 8080		/* uid UID_OWNER */
#define P_GROUP 8081		/* gid GID_GROUP */
#define P_OTHER_CLASS 8082	/* owned in another protocol only */
#define P_UNION 8083		/* uid UID_OWNER and uid UID_THIRD */
#define P_RANGE_A 20000		/* 20000-20009 uid UID_OWNER */
#define P_RANGE_B 20005		/* 20005-20015 gid GID_GROUP */
#define P_FREE_HIGH 30000	/* unowned, above reserved */

static const struct creds group_creds = {
	.uid = UID_OTHER, .gid = GID_OTHER,
	.ngroups = 1, .groups = { GID_GROUP },
};

static const struct creds third_creds = {
	.uid = UID_THIRD, .gid = GID_THIRD,
};

/* ---- bind: protocol x family ------------------------------------ */

FIXTURE(bind) {};

FIXTURE_VARIANT(bind)
{
	const struct proto_desc *proto;
	enum family fam;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, tcp_ipv4) {
	/* clang-format on */
	.proto = &proto_tcp,
	.fam = FAM_IPV4,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, tcp_ipv6) {
	/* clang-format on */
	.proto = &proto_tcp,
	.fam = FAM_IPV6,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, tcp_v4mapped) {
	/* clang-format on */
	.proto = &proto_tcp,
	.fam = FAM_V4MAPPED,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, tcp_unspec) {
	/* clang-format on */
	.proto = &proto_tcp,
	.fam = FAM_UNSPEC,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udp_ipv4) {
	/* clang-format on */
	.proto = &proto_udp,
	.fam = FAM_IPV4,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udp_ipv6) {
	/* clang-format on */
	.proto = &proto_udp,
	.fam = FAM_IPV6,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udp_v4mapped) {
	/* clang-format on */
	.proto = &proto_udp,
	.fam = FAM_V4MAPPED,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udp_unspec) {
	/* clang-format on */
	.proto = &proto_udp,
	.fam = FAM_UNSPEC,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udplite_ipv4) {
	/* clang-format on */
	.proto = &proto_udplite,
	.fam = FAM_IPV4,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udplite_ipv6) {
	/* clang-format on */
	.proto = &proto_udplite,
	.fam = FAM_IPV6,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udplite_v4mapped) {
	/* clang-format on */
	.proto = &proto_udplite,
	.fam = FAM_V4MAPPED,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udplite_unspec) {
	/* clang-format on */
	.proto = &proto_udplite,
	.fam = FAM_UNSPEC,
};

/* SCTP refuses AF_UNSPEC addresses itself (EINVAL): no unspec variant. */
/* clang-format off */
FIXTURE_VARIANT_ADD(bind, sctp_ipv4) {
	/* clang-format on */
	.proto = &proto_sctp,
	.fam = FAM_IPV4,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, sctp_ipv6) {
	/* clang-format on */
	.proto = &proto_sctp,
	.fam = FAM_IPV6,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, sctp_v4mapped) {
	/* clang-format on */
	.proto = &proto_sctp,
	.fam = FAM_V4MAPPED,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, mptcp_ipv4) {
	/* clang-format on */
	.proto = &proto_mptcp,
	.fam = FAM_IPV4,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, mptcp_ipv6) {
	/* clang-format on */
	.proto = &proto_mptcp,
	.fam = FAM_IPV6,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, mptcp_v4mapped) {
	/* clang-format on */
	.proto = &proto_mptcp,
	.fam = FAM_V4MAPPED,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, mptcp_unspec) {
	/* clang-format on */
	.proto = &proto_mptcp,
	.fam = FAM_UNSPEC,
};

/* SMC needs INFINIBAND: these usually SKIP. */
/* clang-format off */
FIXTURE_VARIANT_ADD(bind, smc_ipv4) {
	/* clang-format on */
	.proto = &proto_smc,
	.fam = FAM_IPV4,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, smc_ipv6) {
	/* clang-format on */
	.proto = &proto_smc,
	.fam = FAM_IPV6,
};

/* DCCP is gone in newer kernels: these SKIP there. */
/* clang-format off */
FIXTURE_VARIANT_ADD(bind, dccp_ipv4) {
	/* clang-format on */
	.proto = &proto_dccp,
	.fam = FAM_IPV4,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, dccp_ipv6) {
	/* clang-format on */
	.proto = &proto_dccp,
	.fam = FAM_IPV6,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, dccp_v4mapped) {
	/* clang-format on */
	.proto = &proto_dccp,
	.fam = FAM_V4MAPPED,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, dccp_unspec) {
	/* clang-format on */
	.proto = &proto_dccp,
	.fam = FAM_UNSPEC,
};

/* Writes the fixture policy for the variant's port space, after head. */
static void set_bind_policy(struct __test_metadata *_metadata,
			    const struct proto_desc *proto, const char *head)
{
	const char *c = proto->class;
	const char *o = proto->other_class;
	struct strbuf sb;
	int ret;

	sb_init(&sb, 4096);
	sb_printf(&sb, "%s", head);
	sb_printf(&sb, "%s %d uid %d\n", c, P_OWNED_LOW, UID_OWNER);
	sb_printf(&sb, "%s %d gid %d\n", c, P_GROUP_LOW, GID_GROUP);
	sb_printf(&sb, "%s %d uid %d\n", c, P_OWNED, UID_OWNER);
	sb_printf(&sb, "%s %d gid %d\n", c, P_GROUP, GID_GROUP);
	sb_printf(&sb, "%s %d uid %d\n", c, P_UNION, UID_OWNER);
	sb_printf(&sb, "%s %d uid %d\n", c, P_UNION, UID_THIRD);
	sb_printf(&sb, "%s %d-%d uid %d\n", c, P_RANGE_A, P_RANGE_A + 9,
		  UID_OWNER);
	sb_printf(&sb, "%s %d-%d gid %d\n", c, P_RANGE_B, P_RANGE_B + 10,
		  GID_GROUP);
	sb_printf(&sb, "%s %d uid %d\n", o, P_OTHER_CLASS, UID_OWNER);
	sb_printf(&sb, "%s %d uid %d\n", o, P_FREE_HIGH, UID_OWNER);
	sb_printf(&sb, "%s %d uid %d\n", o, P_FREE_LOW, UID_OWNER);
	ret = write_file(PORTOWN_POLICY, sb.buf);
	ASSERT_EQ(0, ret)
	{
		TH_LOG("policy write failed: %s\n%s", strerror(-ret), sb.buf);
	}
	sb_free(&sb);
}

FIXTURE_SETUP(bind)
{
	int fd;

	if (!portown_setup(_metadata))
		return;
	fd = open_socket(variant->proto, variant->fam);
	if (fd < 0 && errno_unsupported(-fd))
		SKIP(return, "%s over %s is not supported by this kernel: %s",
		     variant->proto->name,
		     family_domain(variant->fam) == AF_INET ? "IPv4" : "IPv6",
		     strerror(-fd));
	ASSERT_LE(0, fd);
	close(fd);
	set_bind_policy(_metadata, variant->proto, "reserved 1024\n");
}

FIXTURE_TEARDOWN_PARENT(bind)
{
	portown_teardown(_metadata);
}

#define P variant->proto
#define F variant->fam

TEST_F(bind, owner_allowed)
{
	CHECK_BINDS(&owner_creds, P, F,
		    { P_OWNED_LOW, 0 }, { P_OWNED, 0 }, { P_UNION, 0 },
		    { P_RANGE_A, 0 }, { P_RANGE_A + 9, 0 },
		    { P_FREE_HIGH, 0 });
	/* Owning some ports grants nothing else. */
	CHECK_BINDS(&owner_creds, P, F,
		    { P_GROUP, EACCES }, { P_GROUP_LOW, EACCES },
		    { P_FREE_LOW, EACCES }, { P_RANGE_A + 10, EACCES });
}

TEST_F(bind, non_owner_refused)
{
	CHECK_BINDS(&other_creds, P, F,
		    { P_OWNED_LOW, EACCES }, { P_OWNED, EACCES },
		    { P_GROUP_LOW, EACCES }, { P_GROUP, EACCES },
		    { P_UNION, EACCES }, { P_RANGE_A, EACCES },
		    { P_RANGE_A + 9, EACCES }, { P_RANGE_B + 10, EACCES });
}

TEST_F(bind, group_rules)
{
	const struct creds egid_creds = {
		.uid = UID_OTHER, .gid = GID_GROUP,
	};
	const struct creds wrong_groups = {
		.uid = UID_OTHER, .gid = GID_OTHER,
		.ngroups = 2, .groups = { GID_NOGROUP, GID_THIRD },
	};
	/* Group owner's id as uid: must not match a gid rule. */
	const struct creds uid_is_gid = {
		.uid = GID_GROUP, .gid = GID_OTHER,
	};

	/* Supplementary group only, effective gid is someone else's. */
	CHECK_BINDS(&group_creds, P, F,
		    { P_GROUP, 0 }, { P_GROUP_LOW, 0 }, { P_RANGE_B, 0 },
		    { P_RANGE_B + 10, 0 }, { P_OWNED, EACCES },
		    { P_OWNED_LOW, EACCES });
	/* Effective gid only. */
	CHECK_BINDS(&egid_creds, P, F,
		    { P_GROUP, 0 }, { P_GROUP_LOW, 0 }, { P_OWNED, EACCES });
	CHECK_BINDS(&wrong_groups, P, F,
		    { P_GROUP, EACCES }, { P_GROUP_LOW, EACCES });
	CHECK_BINDS(&uid_is_gid, P, F,
		    { P_GROUP, EACCES }, { P_GROUP_LOW, EACCES });
}

TEST_F(bind, capability_exemption)
{
	/* Not strict: CAP_NET_BIND_SERVICE may bind owned and reserved. */
	CHECK_BINDS(&other_cap_creds, P, F,
		    { P_OWNED_LOW, 0 }, { P_OWNED, 0 }, { P_GROUP, 0 },
		    { P_GROUP_LOW, 0 }, { P_FREE_LOW, 0 }, { 1, 0 },
		    { 1023, 0 }, { P_RANGE_A, 0 });
	CHECK_BINDS(NULL, P, F,
		    { P_OWNED_LOW, 0 }, { P_OWNED, 0 }, { P_FREE_LOW, 0 });
}

TEST_F(bind, strict_owned)
{
	const struct creds owner_cap = {
		.uid = UID_OWNER, .gid = GID_OWNER, .cap_bind = true,
	};

	set_bind_policy(_metadata, variant->proto, "reserved 1024\nstrict\n");
	/* The capability grants nothing on owned ports. */
	CHECK_BINDS(&other_cap_creds, P, F,
		    { P_OWNED_LOW, EACCES }, { P_OWNED, EACCES },
		    { P_GROUP, EACCES }, { P_RANGE_A, EACCES });
	CHECK_BINDS(NULL, P, F,
		    { P_OWNED_LOW, EACCES }, { P_OWNED, EACCES });
	CHECK_BINDS(&owner_cap, P, F, { P_GROUP, EACCES }, { P_OWNED, 0 });
	/* Owners still may. */
	CHECK_BINDS(&owner_creds, P, F,
		    { P_OWNED_LOW, 0 }, { P_OWNED, 0 }, { P_RANGE_A, 0 });
	CHECK_BINDS(&group_creds, P, F, { P_GROUP_LOW, 0 }, { P_GROUP, 0 });
}

TEST_F(bind, strict_unowned)
{
	set_bind_policy(_metadata, variant->proto, "reserved 1024\nstrict\n");
	/* Unowned reserved ports: nobody. */
	CHECK_BINDS(&other_cap_creds, P, F,
		    { P_FREE_LOW, EACCES }, { 1, EACCES }, { 1023, EACCES },
		    { 1024, 0 }, { P_FREE_HIGH, 0 });
	CHECK_BINDS(NULL, P, F,
		    { P_FREE_LOW, EACCES }, { 1023, EACCES },
		    { P_FREE_HIGH, 0 });
	CHECK_BINDS(&owner_creds, P, F,
		    { P_FREE_LOW, EACCES }, { P_FREE_HIGH, 0 });
}

TEST_F(bind, unlisted_ports)
{
	CHECK_BINDS(&other_creds, P, F,
		    { 1, EACCES }, { P_FREE_LOW, EACCES }, { 1023, EACCES },
		    { 1024, 0 }, { 1025, 0 }, { P_FREE_HIGH, 0 },
		    { 65535, 0 }, { P_RANGE_A - 1, 0 },
		    { P_RANGE_B + 11, 0 });
}

TEST_F(bind, other_protocol_rules)
{
	/* Rules of another port space do not own this one's ports. */
	CHECK_BINDS(&other_creds, P, F,
		    { P_OTHER_CLASS, 0 }, { P_FREE_HIGH, 0 },
		    { P_FREE_LOW, EACCES });
}

TEST_F(bind, union_and_overlap)
{
	CHECK_BINDS(&owner_creds, P, F,
		    { P_UNION, 0 }, { P_RANGE_A, 0 }, { P_RANGE_B, 0 },
		    { P_RANGE_A + 9, 0 }, { P_RANGE_A + 10, EACCES },
		    { P_RANGE_B + 10, EACCES }, { P_RANGE_B + 11, 0 });
	CHECK_BINDS(&third_creds, P, F,
		    { P_UNION, 0 }, { P_OWNED, EACCES });
	CHECK_BINDS(&group_creds, P, F,
		    { P_RANGE_A, EACCES }, { P_RANGE_B - 1, EACCES },
		    { P_RANGE_B, 0 }, { P_RANGE_A + 9, 0 },
		    { P_RANGE_A + 10, 0 }, { P_RANGE_B + 10, 0 },
		    { P_UNION, EACCES });
	CHECK_BINDS(&other_creds, P, F,
		    { P_UNION, EACCES }, { P_RANGE_B, EACCES },
		    { P_RANGE_A + 10, EACCES });
}

TEST_F(bind, reserved_zero)
{
	set_bind_policy(_metadata, variant->proto, "reserved 0\n");
	CHECK_BINDS(&other_creds, P, F,
		    { 1, 0 }, { P_FREE_LOW, 0 }, { 1023, 0 }, { 1024, 0 },
		    { P_OWNED_LOW, EACCES }, { P_OWNED, EACCES },
		    { P_GROUP_LOW, EACCES });
	CHECK_BINDS(&owner_creds, P, F, { P_OWNED_LOW, 0 }, { 1, 0 });
}

TEST_F(bind, reserved_custom)
{
	set_bind_policy(_metadata, variant->proto, "reserved 2000\n");
	CHECK_BINDS(&other_creds, P, F,
		    { P_FREE_LOW, EACCES }, { 1024, EACCES },
		    { 1500, EACCES }, { 1999, EACCES }, { 2000, 0 },
		    { 2001, 0 }, { P_OWNED, EACCES });
	CHECK_BINDS(&other_cap_creds, P, F, { 1999, 0 }, { 1024, 0 });

	/* Below the stock boundary: ports 600..1023 become free. */
	set_bind_policy(_metadata, variant->proto, "reserved 600\n");
	CHECK_BINDS(&other_creds, P, F,
		    { 599, EACCES }, { P_FREE_LOW, EACCES }, { 600, 0 },
		    { 601, 0 }, { 1023, 0 }, { P_GROUP_LOW, EACCES });

	set_bind_policy(_metadata, variant->proto, "reserved 65535\n");
	CHECK_BINDS(&other_creds, P, F,
		    { 65534, EACCES }, { 65535, 0 }, { P_FREE_HIGH, EACCES });
	CHECK_BINDS(&other_cap_creds, P, F, { 65534, 0 });
}

TEST_F(bind, port_zero)
{
	struct stats before, after;

	set_bind_policy(_metadata, variant->proto, "reserved 65535\nstrict\n");
	ASSERT_EQ(0, read_stats(&before));
	CHECK_BINDS(&other_creds, P, F, { 0, 0 });
	CHECK_BINDS(NULL, P, F, { 0, 0 });
	ASSERT_EQ(0, read_stats(&after));
	/* Port 0 binds are not judged at all. */
	EXPECT_EQ(0, STATS_DELTA(after, before, checked));
	EXPECT_EQ(0, STATS_DELTA(after, before, denied));
	/* Control: a real port is refused under this policy. */
	CHECK_BINDS(&other_creds, P, F, { P_FREE_HIGH, EACCES });
}

TEST_F(bind, permissive)
{
	const struct creds owner_cap = {
		.uid = UID_OWNER, .gid = GID_OWNER, .cap_bind = true,
	};
	struct stats before, after;

	ASSERT_EQ(0, read_stats(&before));
	SET_ENFORCE(0);
	ASSERT_FILE(PORTOWN_ENFORCE, "0\n");

	/* Stock rule allows >= 1024: logged and let through. */
	CHECK_BINDS(&other_creds, P, F,
		    { P_OWNED, 0 }, { P_RANGE_A, 0 }, { P_FREE_HIGH, 0 });
	/* Stock rule refuses < 1024 without the capability. */
	CHECK_BINDS(&other_creds, P, F,
		    { P_OWNED_LOW, EACCES }, { P_FREE_LOW, EACCES },
		    { P_GROUP_LOW, EACCES });
	/* Capability, not strict: plainly allowed. */
	CHECK_BINDS(&other_cap_creds, P, F,
		    { P_OWNED_LOW, 0 }, { P_GROUP_LOW, 0 }, { P_OWNED, 0 },
		    { P_FREE_LOW, 0 });

	set_bind_policy(_metadata, variant->proto, "reserved 2000\nstrict\n");
	ASSERT_FILE(PORTOWN_ENFORCE, "0\n");
	CHECK_BINDS(&other_creds, P, F,
		    { 1500, 0 }, { P_OWNED, 0 },
		    { P_FREE_LOW, EACCES }, { P_OWNED_LOW, EACCES });
	/* strict would refuse these; the stock rule lets a capable task. */
	CHECK_BINDS(&other_cap_creds, P, F,
		    { P_FREE_LOW, 0 }, { P_OWNED_LOW, 0 }, { P_OWNED, 0 });
	CHECK_BINDS(&owner_cap, P, F, { P_OWNED_LOW, 0 });
	ASSERT_EQ(0, read_stats(&after));

	/*
	 * Checked, every owned or reserved port: 2 + 3 + 4 + 4 + 3 + 1
	 * (not 30000, unowned above the boundary).  Logged: 8080, 20000;
	 * 1500, 8080 and the capable task's three.  Denied: the five < 1024.
	 */
	EXPECT_EQ(17, STATS_DELTA(after, before, checked));
	EXPECT_EQ(7, STATS_DELTA(after, before, logged));
	EXPECT_EQ(5, STATS_DELTA(after, before, denied));

	/*
	 * reserved 0 opens the unowned low ports to everyone, but
	 * permissive mode still refuses an owned low port to a non-owner
	 * without the capability: the stock rule would refuse it too.
	 */
	set_bind_policy(_metadata, variant->proto, "reserved 0\n");
	CHECK_BINDS(&other_creds, P, F,
		    { P_OWNED_LOW, EACCES }, { P_GROUP_LOW, EACCES },
		    { P_FREE_LOW, 0 }, { P_OWNED, 0 });
	CHECK_BINDS(&owner_creds, P, F, { P_OWNED_LOW, 0 });

	/* Back to enforcing: the same binds are refused again. */
	SET_ENFORCE(1);
	set_bind_policy(_metadata, variant->proto, "reserved 2000\nstrict\n");
	CHECK_BINDS(&other_creds, P, F, { 1500, EACCES }, { P_OWNED, EACCES });
	CHECK_BINDS(&other_cap_creds, P, F, { P_FREE_LOW, EACCES });
}

TEST_F(bind, malformed_address)
{
	/* Too short for the family (IPv6 accepts 24..28 bytes). */
	const int delta = family_domain(F) == AF_INET6 ? 5 : 1;
	const int full = fill_addr(&(struct sockaddr_storage){}, F, 0);
	const bool sctp = P->protocol == IPPROTO_SCTP;
	const bool smc = P->protocol == IPPROTO_SMC;
	const bool stream = P->type == SOCK_STREAM && !sctp;
	/* Other families judged on AF_INET6 sockets: IPV6_ADDRFORM, or SMC. */
	const bool xfam = smc || P->protocol == IPPROTO_TCP ||
			  P->protocol == IPPROTO_UDP ||
			  P->protocol == IPPROTO_UDPLITE;
	struct raw_bind_job job = { .proto = P, .domain = family_domain(F) };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&job.ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&job.ss;

	/* The stack's own errno, not portown's. */
	CHECK_BINDS_SHORT(&other_creds, P, F, delta,
			  { P_OWNED, EINVAL }, { P_OWNED_LOW, EINVAL });
	CHECK_BINDS_SHORT(&owner_creds, P, F, delta, { P_OWNED, EINVAL });
	/* Shorter than sa_family itself, or just the family. */
	CHECK_BINDS_SHORT(&other_creds, P, F, full - 2,
			  { P_OWNED, EINVAL }, { P_FREE_LOW, EINVAL });
	CHECK_BINDS_SHORT(&other_creds, P, F, full - 1, { P_OWNED, EINVAL });
	CHECK_BINDS_SHORT(&other_creds, P, F, full, { P_OWNED, EINVAL });

	/* A family this socket never takes: EAFNOSUPPORT, or SCTP's EINVAL. */
	job.len = sizeof(job.ss);
	job.ss.ss_family = AF_UNIX;
	in4->sin_port = htons(P_OWNED);
	CHECK_RAW_BIND(&other_creds, &job, sctp ? EINVAL : EAFNOSUPPORT,
		       "AF_UNIX address");

	if (family_domain(F) == AF_INET) {
		/* AF_UNSPEC other than INADDR_ANY is refused by the stack. */
		memset(&job.ss, 0, sizeof(job.ss));
		job.len = sizeof(*in4);
		in4->sin_family = AF_UNSPEC;
		in4->sin_port = htons(P_OWNED);
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHECK_RAW_BIND(&other_creds, &job,
			       sctp ? EINVAL : EAFNOSUPPORT,
			       "AF_UNSPEC 127.0.0.1");
		CHECK_RAW_BIND(&owner_creds, &job,
			       sctp ? EINVAL : EAFNOSUPPORT,
			       "AF_UNSPEC 127.0.0.1");
		/*
		 * An AF_INET6 address on an AF_INET socket: the stack refuses
		 * it, except SMC, which takes it before its inner TCP socket
		 * refuses it: portown judges it there.
		 */
		memset(&job.ss, 0, sizeof(job.ss));
		job.len = sizeof(*in6);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(P_OWNED);
		CHECK_RAW_BIND(&other_creds, &job,
			       smc ? EACCES : sctp ? EINVAL : EAFNOSUPPORT,
			       "AF_INET6 ::");
		CHECK_RAW_BIND(&owner_creds, &job, sctp ? EINVAL : EAFNOSUPPORT,
			       "AF_INET6 ::");
		return;
	}

	/*
	 * RFC 2133's 24-byte sockaddr_in6 (no sin6_scope_id) is enough for
	 * TCP and UDP, so portown judges it; SCTP wants all 28 bytes and
	 * refuses it itself.
	 */
	CHECK_BINDS_SHORT(&other_creds, P, F, 4,
			  { P_OWNED, sctp ? EINVAL : EACCES });
	CHECK_BINDS_SHORT(&owner_creds, P, F, 4,
			  { P_OWNED, sctp ? EINVAL : 0 });

	/*
	 * An AF_INET address on an AF_INET6 socket. SCTP takes it. TCP, UDP
	 * and UDP-Lite refuse it, but IPV6_ADDRFORM can turn the socket into
	 * an AF_INET one between portown's check and the stack's, so it is
	 * judged: a non-owner gets EACCES before the stack's EAFNOSUPPORT.
	 * SMC takes it before its inner TCP socket refuses it. Only MPTCP
	 * and DCCP leave it to the stack. The length is that of a
	 * sockaddr_in6: a shorter one fails inet6_bind_sk()'s length check.
	 */
	memset(&job.ss, 0, sizeof(job.ss));
	job.len = sizeof(*in6);
	in4->sin_family = AF_INET;
	in4->sin_port = htons(P_OWNED);
	CHECK_RAW_BIND(&other_creds, &job,
		       sctp || xfam ? EACCES : EAFNOSUPPORT,
		       "AF_INET 0.0.0.0 on AF_INET6");
	CHECK_RAW_BIND(&owner_creds, &job, sctp ? 0 : EAFNOSUPPORT,
		       "AF_INET 0.0.0.0 on AF_INET6");
	/* Unowned and above the boundary: nothing to judge, the stack's errno. */
	in4->sin_port = htons(P_FREE_HIGH);
	CHECK_RAW_BIND(&other_creds, &job, sctp ? 0 : EAFNOSUPPORT,
		       "AF_INET 0.0.0.0:30000 on AF_INET6");

	/* The same for AF_UNSPEC with INADDR_ANY, which SCTP never takes. */
	memset(&job.ss, 0, sizeof(job.ss));
	job.len = sizeof(*in6);
	in4->sin_family = AF_UNSPEC;
	in4->sin_port = htons(P_OWNED_LOW);
	CHECK_RAW_BIND(&other_creds, &job,
		       xfam ? EACCES : sctp ? EINVAL : EAFNOSUPPORT,
		       "AF_UNSPEC 0.0.0.0 on AF_INET6");
	CHECK_RAW_BIND(&owner_creds, &job, sctp ? EINVAL : EAFNOSUPPORT,
		       "AF_UNSPEC 0.0.0.0 on AF_INET6");

	/* IPv6 multicast on a stream socket: refused before the port. */
	memset(&job.ss, 0, sizeof(job.ss));
	job.len = sizeof(*in6);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(P_OWNED);
	in6->sin6_addr.s6_addr[0] = 0xff;
	in6->sin6_addr.s6_addr[1] = 0x02;
	in6->sin6_addr.s6_addr[15] = 0x01;
	if (stream)
		CHECK_RAW_BIND(&other_creds, &job, EINVAL, "ff02::1");

	/*
	 * A v4-mapped address on an IPV6_V6ONLY socket is refused by the
	 * stack, but IPV6_V6ONLY can be cleared by another thread between
	 * portown's check and the stack's, so portown judges the port
	 * anyway: a non-owner gets EACCES, the owner the stack's EINVAL.
	 */
	fill_addr(&job.ss, FAM_V4MAPPED, P_OWNED);
	job.v6only = true;
	CHECK_RAW_BIND(&owner_creds, &job, EINVAL, "v4-mapped, IPV6_V6ONLY");
	CHECK_RAW_BIND(&other_creds, &job, EACCES, "v4-mapped, IPV6_V6ONLY");
}

struct netns_job {
	const struct proto_desc *proto;
	enum family fam;
	const char *port_start;
	unsigned short ports[8];
	int nports;
	bool drop;
};

static void netns_fn(const void *arg, int *res)
{
	const struct netns_job *job = arg;
	int i;

	if (unshare(CLONE_NEWNET)) {
		res[0] = R_MISC - errno;
		return;
	}
	if (job->port_start) {
		int ret = write_file(PORT_START_SYSCTL, job->port_start);

		if (ret) {
			res[0] = R_MISC + ret;
			return;
		}
	}
	if (job->drop && drop_privileges(&other_creds)) {
		res[0] = R_PRIV;
		return;
	}
	for (i = 0; i < job->nports; i++)
		res[i] = try_bind(job->proto, job->fam, job->ports[i], 0);
}

TEST_F(bind, other_netns_untouched)
{
	struct netns_job job = {
		.proto = P,
		.fam = F,
		.port_start = "0",
		.ports = { P_OWNED_LOW, P_OWNED, P_GROUP_LOW, P_FREE_LOW,
			   P_RANGE_A },
		.nports = 5,
		.drop = true,
	};
	struct stats before, after;
	int res[MAX_RESULTS], i;

	ASSERT_EQ(0, read_stats(&before));

	/* A non-owner binds owned ports in its own network namespace. */
	ASSERT_EQ(0, run_child(NULL, netns_fn, &job, res));
	for (i = 0; i < job.nports; i++) {
		EXPECT_EQ(0, res[i])
		{
			TH_LOG("netns port %u: %s", job.ports[i],
			       result_str(res[i]));
		}
	}

	/* There the stock sysctl (default 1024) rules. */
	job.port_start = NULL;
	job.ports[0] = P_OWNED_LOW;
	job.ports[1] = P_OWNED;
	job.ports[2] = 1024;
	job.nports = 3;
	ASSERT_EQ(0, run_child(NULL, netns_fn, &job, res));
	EXPECT_EQ(EACCES, res[0]);
	EXPECT_EQ(0, res[1]);
	EXPECT_EQ(0, res[2]);

	/* strict does not reach root in another namespace either. */
	set_bind_policy(_metadata, variant->proto, "reserved 1024\nstrict\n");
	job.drop = false;
	job.ports[0] = P_FREE_LOW;
	job.ports[1] = P_OWNED;
	job.nports = 2;
	ASSERT_EQ(0, run_child(NULL, netns_fn, &job, res));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);

	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(0, STATS_DELTA(after, before, checked));
	EXPECT_EQ(0, STATS_DELTA(after, before, denied));

	/* Control: the same bind in the initial namespace is refused. */
	CHECK_BINDS(NULL, P, F, { P_FREE_LOW, EACCES });
}

/* ---- io_uring ---------------------------------------------------- */

struct uring_job {
	const struct proto_desc *proto;
	enum family fam;
	int nports;
	unsigned short ports[8];
	bool async;
};

static void uring_fn(const void *arg, int *res)
{
	const struct uring_job *job = arg;
	struct sockaddr_storage ss;
	struct uring r;
	int i, ret;

	ret = uring_init(&r);
	if (ret) {
		res[0] = R_IOU_SETUP + ret;
		return;
	}
	for (i = 0; i < job->nports; i++) {
		socklen_t len = fill_addr(&ss, job->fam, job->ports[i]);
		int fd = open_socket(job->proto, job->fam);

		if (fd < 0) {
			res[i] = R_SOCKET + fd;
			continue;
		}
		res[i] = uring_bind(&r, fd, &ss, len, job->async);
		close(fd);
	}
}

TEST_F(bind, io_uring)
{
	struct uring_job job = {
		.proto = P,
		.fam = F,
		.ports = { P_OWNED, P_OWNED_LOW, P_FREE_HIGH },
		.nports = 3,
	};
	int res[MAX_RESULTS], ret, i;
	struct uring r;

	/* Is IORING_OP_BIND there at all? */
	ret = uring_init(&r);
	/* The config fragment asks for CONFIG_IO_URING: only a sysctl skips. */
	if (ret == -EPERM)
		SKIP(return, "io_uring disabled by kernel.io_uring_disabled");
	ASSERT_EQ(0, ret);
	ret = uring_probe_bind(r.fd);
	close(r.fd);
	if (ret == 0)
		SKIP(return, "IORING_OP_BIND is not supported");
	ASSERT_EQ(1, ret);

	for (i = 0; i < 2; i++) {
		job.async = i;
		ASSERT_EQ(0, run_child(&owner_creds, uring_fn, &job, res));
		if (res[0] == R_IOU_SETUP - EPERM)
			SKIP(return, "io_uring_setup refused to uid %d",
			     UID_OWNER);
		EXPECT_EQ(0, res[0]);
		EXPECT_EQ(0, res[1]);
		EXPECT_EQ(0, res[2])
		{
			TH_LOG("%s", result_str(res[2]));
		}

		ASSERT_EQ(0, run_child(&other_creds, uring_fn, &job, res));
		EXPECT_EQ(EACCES, res[0])
		{
			TH_LOG("async %d: %s", i, result_str(res[0]));
		}
		EXPECT_EQ(EACCES, res[1]);
		EXPECT_EQ(0, res[2]);
	}
}

#undef P
#undef F

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

		res[i] = setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD,
				    buf, len) ? errno : 0;
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

/* ---- malformed policies ----------------------------------------- */

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

/* Texts with a NUL inside: .len gives their full size. */
static const char nul_in_line_text[] = "tcp 80 uid 1\0\n";
static const char nul_at_end_text[] = "tcp 80 uid 1\n\0";

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, unknown_keyword) {
	/* clang-format on */
	.text = "bogus 80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, unknown_proto) {
	/* clang-format on */
	.text = "icmp 80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, proto_udplite) {
	/* clang-format on */
	.text = "udplite 80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, proto_mptcp) {
	/* clang-format on */
	.text = "mptcp 80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, proto_uppercase) {
	/* clang-format on */
	.text = "TCP 80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, compact_form) {
	/* clang-format on */
	.text = "tcp:80:uid:1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, missing_port) {
	/* clang-format on */
	.text = "tcp\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, missing_subject) {
	/* clang-format on */
	.text = "tcp 80\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, missing_id) {
	/* clang-format on */
	.text = "tcp 80 uid\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, extra_field) {
	/* clang-format on */
	.text = "tcp 80 uid 1 2\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, bad_subject) {
	/* clang-format on */
	.text = "tcp 80 user 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_zero) {
	/* clang-format on */
	.text = "tcp 0 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_zero_padded) {
	/* clang-format on */
	.text = "tcp 000 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_65536) {
	/* clang-format on */
	.text = "tcp 65536 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_wraps_16bit) {
	/* clang-format on */
	.text = "tcp 65616 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_wraps_32bit) {
	/* clang-format on */
	.text = "tcp 4294967376 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_negative) {
	/* clang-format on */
	.text = "tcp -80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_plus) {
	/* clang-format on */
	.text = "tcp +80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_hex) {
	/* clang-format on */
	.text = "tcp 0x50 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, port_suffix) {
	/* clang-format on */
	.text = "tcp 80a uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, range_reversed) {
	/* clang-format on */
	.text = "tcp 90-80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, range_from_zero) {
	/* clang-format on */
	.text = "tcp 0-80 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, range_65536) {
	/* clang-format on */
	.text = "tcp 80-65536 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, range_open) {
	/* clang-format on */
	.text = "tcp 80- uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, range_triple) {
	/* clang-format on */
	.text = "tcp 80-90-100 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, range_spaces) {
	/* clang-format on */
	.text = "tcp 80 - 90 uid 1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, id_invalid) {
	/* clang-format on */
	.text = "tcp 80 uid 4294967295\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, id_too_big) {
	/* clang-format on */
	.text = "tcp 80 uid 4294967296\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, id_negative) {
	/* clang-format on */
	.text = "tcp 80 uid -1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, id_hex) {
	/* clang-format on */
	.text = "tcp 80 gid 0x21\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, id_suffix) {
	/* clang-format on */
	.text = "tcp 80 gid 33x\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, id_name) {
	/* clang-format on */
	.text = "tcp 80 uid www-data\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, reserved_missing) {
	/* clang-format on */
	.text = "reserved\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, reserved_65536) {
	/* clang-format on */
	.text = "reserved 65536\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, reserved_negative) {
	/* clang-format on */
	.text = "reserved -1\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, reserved_extra) {
	/* clang-format on */
	.text = "reserved 1024 2048\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, reserved_twice) {
	/* clang-format on */
	.text = "reserved 1024\nreserved 2048\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, strict_twice) {
	/* clang-format on */
	.text = "strict\nstrict\n",
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, strict_argument) {
	/* clang-format on */
	.text = "strict 1\n",
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
FIXTURE_VARIANT_ADD(malformed, nul_at_end) {
	/* clang-format on */
	.text = nul_at_end_text,
	.len = sizeof(nul_at_end_text) - 1,
	.err = EINVAL,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(malformed, bad_second_line) {
	/* clang-format on */
	.text = "tcp 8080 uid 1\nbogus\n",
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

/* ---- raw and ping sockets ---------------------------------------- */

struct sock_job {
	int domain, type, protocol;
	unsigned short port;
};

static void sock_bind_fn(const void *arg, int *res)
{
	const struct sock_job *job = arg;
	int i;

	for (i = 0; job[i].domain; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int fd;

		fd = socket(job[i].domain, job[i].type, job[i].protocol);
		if (fd < 0) {
			res[i] = R_SOCKET - errno;
			continue;
		}
		len = fill_addr(&ss, job[i].domain == AF_INET ? FAM_IPV4 :
				FAM_IPV6, job[i].port);
		res[i] = bind(fd, (struct sockaddr *)&ss, len) ? errno : 0;
		close(fd);
	}
}

TEST_F(policy, raw_and_ping_unaffected)
{
	static const struct sock_job raw[] = {
		{ AF_INET, SOCK_RAW, IPPROTO_TCP, 80 },
		{ AF_INET, SOCK_RAW, IPPROTO_UDP, 81 },
		{ AF_INET, SOCK_RAW, IPPROTO_SCTP, 8080 },
		{ AF_INET, SOCK_RAW, IPPROTO_UDPLITE, 8080 },
		{ AF_INET6, SOCK_RAW, IPPROTO_TCP, 80 },
		{ AF_INET6, SOCK_RAW, IPPROTO_UDP, 81 },
		{ AF_INET6, SOCK_RAW, IPPROTO_SCTP, 8080 },
		{},
	};
	static const struct sock_job ping[] = {
		{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP, 80 },
		{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP, 8080 },
		{ AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, 81 },
		{ AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, 8080 },
		{},
	};
	const char *range = "/proc/sys/net/ipv4/ping_group_range";
	char saved[64], want[64];
	struct stats before, after;
	int res[MAX_RESULTS], i;

	/* Every port owned by someone else, and strict. */
	SET_POLICY("reserved 65535\nstrict\n"
		   "tcp 1-65535 uid 1\nudp 1-65535 uid 1\n"
		   "sctp 1-65535 uid 1\n");
	ASSERT_EQ(0, read_stats(&before));

	ASSERT_EQ(0, run_child(NULL, sock_bind_fn, raw, res));
	for (i = 0; raw[i].domain; i++) {
		EXPECT_EQ(0, res[i])
		{
			TH_LOG("raw %d/%d port %u: %s", raw[i].domain,
			       raw[i].protocol, raw[i].port,
			       result_str(res[i]));
		}
	}

	ASSERT_LT(0, read_file(range, saved, sizeof(saved)));
	snprintf(want, sizeof(want), "%d %d", GID_OTHER, GID_OTHER);
	ASSERT_EQ(0, write_file(range, want));
	ASSERT_EQ(0, run_child(&other_creds, sock_bind_fn, ping, res));
	EXPECT_EQ(0, write_file(range, saved));
	for (i = 0; ping[i].domain; i++) {
		EXPECT_EQ(0, res[i])
		{
			TH_LOG("ping %d port %u: %s", ping[i].domain,
			       ping[i].port, result_str(res[i]));
		}
	}
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(0, STATS_DELTA(after, before, checked));

	/* Control: real TCP binds are refused, even to root. */
	CHECK_BINDS(NULL, &proto_tcp, FAM_IPV4, { 80, EACCES });
	CHECK_BINDS(NULL, &proto_tcp, FAM_IPV6, { 8080, EACCES });
}

/* ---- audit -------------------------------------------------------- */

#define AUDIT_PORT_DENIED 47123
#define AUDIT_PORT_LOGGED 47124
#define AUDIT_PORT_RESERVED 1019

/* kmsg_find() polls for up to 3 s: an audit record is printed asynchronously. */
#define KMSG_TRIES 30

static void set_comm_and_bind(const void *arg, int *res)
{
	const unsigned short port = *(const unsigned short *)arg;

	prctl(PR_SET_NAME, port == AUDIT_PORT_LOGGED ? "po_audit_log" :
						       "po_audit_den", 0, 0,
	      0);
	res[0] = try_bind(&proto_tcp, FAM_IPV4, port, 0);
	res[1] = getpid();
}

TEST_F_TIMEOUT(policy, audit_record, 120)
{
	static const char *const denied[] = {
		"audit: type=1400 ", "lsm=portown", "op=bind",
		"action=denied", "protocol=tcp", "port=47123",
		"reason=owned", " uid=1002", "comm=\"po_audit_den\"",
		"enforcing=1", NULL,
	};
	char pid_field[32];
	static const char *const reserved[] = {
		"audit: type=1400 ", "lsm=portown", "op=bind",
		"action=denied", "protocol=tcp", "port=1019",
		"reason=reserved", " uid=1002", "comm=\"po_audit_den\"",
		NULL,
	};
	static const char *const logged[] = {
		"audit: type=1400 ", "lsm=portown", "op=bind",
		"action=logged", "protocol=tcp", "port=47124",
		"reason=owned", " uid=1002", "comm=\"po_audit_log\"",
		"enforcing=0", NULL,
	};
	unsigned short port;
	int res[MAX_RESULTS], fd;

	SET_POLICY("reserved 1024\ntcp 47123 uid 1001\ntcp 47124 uid 1001\n");
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, lseek(fd, 0, SEEK_END));
	/*
	 * Let both rate limits (10 per 5 s) recover before each bind: on a
	 * live host, records of other origins (systemd's SERVICE_START and
	 * _STOP when no audit daemon runs) share printk's limit.
	 */
	sleep(6);

	port = AUDIT_PORT_DENIED;
	ASSERT_EQ(0, run_child(&other_creds, set_comm_and_bind, &port, res));
	ASSERT_EQ(EACCES, res[0]);
	/* The refused task's own pid (its thread group id). */
	snprintf(pid_field, sizeof(pid_field), " pid=%d ", res[1]);
	EXPECT_TRUE(kmsg_find(fd, denied, pid_field, KMSG_TRIES))
	{
		TH_LOG("no audit record for the denied bind in /dev/kmsg");
	}

	sleep(6);
	port = AUDIT_PORT_RESERVED;
	ASSERT_EQ(0, run_child(&other_creds, set_comm_and_bind, &port, res));
	ASSERT_EQ(EACCES, res[0]);
	EXPECT_TRUE(kmsg_find(fd, reserved, NULL, KMSG_TRIES))
	{
		TH_LOG("no audit record for the reserved port in /dev/kmsg");
	}

	SET_ENFORCE(0);
	sleep(6);
	port = AUDIT_PORT_LOGGED;
	ASSERT_EQ(0, run_child(&other_creds, set_comm_and_bind, &port, res));
	ASSERT_EQ(0, res[0]);
	EXPECT_TRUE(kmsg_find(fd, logged, NULL, KMSG_TRIES))
	{
		TH_LOG("no audit record for the permissive bind in /dev/kmsg");
	}
	close(fd);
}

/* ---- stress ------------------------------------------------------- */

#define STRESS_THREADS 3
#define STRESS_WRITES 3000
#define STRESS_BASE 41000
#define STRESS_SLOTS 8

/*
 * Per thread t, ports STRESS_BASE + 10 * t + slot.  Binder: uid
 * UID_OWNER, gid GID_OWNER, no capability.  Legal outcomes:
 */
enum { MAY_BOTH, MUST_PASS, MUST_FAIL };
static const int stress_legal[STRESS_SLOTS] = {
	MAY_BOTH,	/* 0: P1 uid owner, P2 uid other */
	MAY_BOTH,	/* 1: P1 uid other, P2 uid owner */
	MAY_BOTH,	/* 2: P1 unowned, P2 gid other */
	MUST_PASS,	/* 3: unowned in both */
	MUST_PASS,	/* 4: P1 uid owner, P2 gid owner */
	MUST_FAIL,	/* 5: uid third in both */
	MUST_FAIL,	/* 6: port 1000 + t: unowned, reserved */
	MUST_PASS,	/* 7: port 0 */
};

struct stress_shared {
	int stop;	/* accessed with __atomic builtins */
	long binds[STRESS_THREADS];
	long passed[STRESS_THREADS][STRESS_SLOTS];
	long failed[STRESS_THREADS][STRESS_SLOTS];
	long illegal;
	int bad_port, bad_result;
};

static unsigned short stress_port(int t, int slot)
{
	if (slot == 6)
		return 1000 + t;
	if (slot == 7)
		return 0;
	return STRESS_BASE + 10 * t + slot;
}

static char *stress_policy(int which)
{
	const char *const protos[] = { "tcp", "udp" };
	struct strbuf sb;
	int t, p;

	sb_init(&sb, 8192);
	sb_printf(&sb, "reserved 1024\n");
	for (p = 0; p < 2; p++) {
		for (t = 0; t < STRESS_THREADS; t++) {
			int b = STRESS_BASE + 10 * t;

			if (which == 1) {
				sb_printf(&sb, "%s %d uid %d\n", protos[p], b,
					  UID_OWNER);
				sb_printf(&sb, "%s %d uid %d\n", protos[p],
					  b + 1, UID_OTHER);
				sb_printf(&sb, "%s %d uid %d\n", protos[p],
					  b + 4, UID_OWNER);
			} else {
				sb_printf(&sb, "%s %d uid %d\n", protos[p], b,
					  UID_OTHER);
				sb_printf(&sb, "%s %d uid %d\n", protos[p],
					  b + 1, UID_OWNER);
				sb_printf(&sb, "%s %d gid %d\n", protos[p],
					  b + 2, GID_OTHER);
				sb_printf(&sb, "%s %d gid %d\n", protos[p],
					  b + 4, GID_OWNER);
			}
			sb_printf(&sb, "%s %d uid %d\n", protos[p], b + 5,
				  UID_THIRD);
		}
	}
	return sb.buf;
}

static struct stress_shared *stress_sh;

static void *stress_binder(void *data)
{
	const int t = (long)data;
	const struct proto_desc *const protos[] = { &proto_tcp, &proto_udp };
	const enum family fams[] = { FAM_IPV4, FAM_IPV6 };
	unsigned long n = 0;

	while (!__atomic_load_n(&stress_sh->stop, __ATOMIC_RELAXED)) {
		int slot = n % STRESS_SLOTS;
		int r = try_bind(protos[(n / STRESS_SLOTS) % 2],
				 fams[(n / (2 * STRESS_SLOTS)) % 2],
				 stress_port(t, slot), 0);

		n++;
		__atomic_add_fetch(&stress_sh->binds[t], 1, __ATOMIC_RELAXED);
		if (r == 0)
			stress_sh->passed[t][slot]++;
		else
			stress_sh->failed[t][slot]++;
		if ((r != 0 && r != EACCES) ||
		    (r == 0 && stress_legal[slot] == MUST_FAIL) ||
		    (r != 0 && stress_legal[slot] == MUST_PASS)) {
			__atomic_add_fetch(&stress_sh->illegal, 1,
					   __ATOMIC_RELAXED);
			stress_sh->bad_port = stress_port(t, slot);
			stress_sh->bad_result = r;
		}
	}
	return NULL;
}

static void stress_binders_fn(const void *arg, int *res)
{
	pthread_t threads[STRESS_THREADS];
	long t;

	for (t = 0; t < STRESS_THREADS; t++) {
		if (pthread_create(&threads[t], NULL, stress_binder,
				   (void *)t)) {
			res[0] = R_MISC - EAGAIN;
			__atomic_store_n(&stress_sh->stop, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	while (t-- > 0)
		pthread_join(threads[t], NULL);
	res[0] = res[0] == R_UNSET ? 0 : res[0];
}

struct stress_reader {
	const char *p1, *p2;
	int *stop;
	long reads, torn;
};

static void *stress_read_policy(void *data)
{
	struct stress_reader *r = data;
	char *buf = malloc(POLICY_BUF_SIZE);

	if (!buf)
		return NULL;
	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED)) {
		if (read_file(PORTOWN_POLICY, buf, POLICY_BUF_SIZE) < 0 ||
		    (strcmp(buf, r->p1) && strcmp(buf, r->p2)))
			r->torn++;
		r->reads++;
	}
	free(buf);
	return NULL;
}

TEST_F_TIMEOUT(policy, stress_replace_while_binding, 600)
{
	char *p1 = stress_policy(1), *p2 = stress_policy(2);
	struct stress_reader reader = { .p1 = p1, .p2 = p2 };
	int res[MAX_RESULTS], i, t, slot, ret, errors = 0;
	pthread_t reader_thread;
	pid_t binder;

	stress_sh = mmap(NULL, sizeof(*stress_sh), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stress_sh);
	memset(stress_sh, 0, sizeof(*stress_sh));
	reader.stop = &stress_sh->stop;
	SET_POLICY(p1);

	/* Binders run as a non-root user in a child process. */
	fflush(NULL);
	binder = fork();
	ASSERT_LE(0, binder);
	if (!binder) {
		for (i = 0; i < MAX_RESULTS; i++)
			res[i] = R_UNSET;
		if (drop_privileges(&owner_creds))
			_exit(2);
		stress_binders_fn(NULL, res);
		_exit(res[0] ? 1 : 0);
	}
	ret = pthread_create(&reader_thread, NULL, stress_read_policy, &reader);
	if (ret) {
		__atomic_store_n(&stress_sh->stop, 1, __ATOMIC_RELAXED);
		waitpid(binder, NULL, 0);
		ASSERT_EQ(0, ret);
	}

	/* Start replacing once every binder thread is under way. */
	for (i = 0; i < 1000; i++) {
		for (t = 0; t < STRESS_THREADS; t++)
			if (!__atomic_load_n(&stress_sh->binds[t],
					     __ATOMIC_RELAXED))
				break;
		if (t == STRESS_THREADS)
			break;
		usleep(10000);
	}

	for (i = 0; i < STRESS_WRITES; i++) {
		if (i % 100 == 50) {
			/* A rejected write in between changes nothing. */
			ret = write_file(PORTOWN_POLICY, "tcp 0 uid 1\n");
			if (ret != -EINVAL)
				errors++;
			continue;
		}
		ret = write_file(PORTOWN_POLICY, i % 2 ? p2 : p1);
		if (ret)
			errors++;
	}
	__atomic_store_n(&stress_sh->stop, 1, __ATOMIC_RELAXED);
	pthread_join(reader_thread, NULL);
	ASSERT_EQ(binder, waitpid(binder, &ret, 0));
	EXPECT_TRUE(WIFEXITED(ret) && WEXITSTATUS(ret) == 0)
	{
		TH_LOG("binder process status %#x", ret);
	}
	EXPECT_EQ(0, errors);
	EXPECT_EQ(0, stress_sh->illegal)
	{
		TH_LOG("port %d: %s", stress_sh->bad_port,
		       result_str(stress_sh->bad_result));
	}
	EXPECT_EQ(0, reader.torn);
	for (t = 0; t < STRESS_THREADS; t++) {
		long flips = 0;

		EXPECT_LT(0, stress_sh->binds[t]);
		for (slot = 0; slot < STRESS_SLOTS; slot++)
			if (stress_legal[slot] == MAY_BOTH &&
			    stress_sh->passed[t][slot] &&
			    stress_sh->failed[t][slot])
				flips++;
		TH_LOG("thread %d: %ld binds, %ld of 3 ports saw both outcomes",
		       t, stress_sh->binds[t], flips);
	}
	TH_LOG("%d policy writes, %ld policy reads", STRESS_WRITES,
	       reader.reads);

	/* The last write (i = 2999, odd) was p2. */
	ASSERT_POLICY(p2);
	CHECK_BINDS(&owner_creds, &proto_tcp, FAM_IPV4,
		    { STRESS_BASE, EACCES }, { STRESS_BASE + 1, 0 },
		    { STRESS_BASE + 2, EACCES }, { STRESS_BASE + 4, 0 });
	munmap(stress_sh, sizeof(*stress_sh));
	free(p1);
	free(p2);
}

TEST_HARNESS_MAIN
