// SPDX-License-Identifier: GPL-2.0
/*
 * portown: bind(2) of every protocol and family
 *
 * Owners, groups, the capability, strict mode, the reserved boundary,
 * permissive mode, malformed addresses and other network namespaces, for
 * each protocol x family; the same through IORING_OP_BIND; raw and ping
 * sockets, which portown leaves alone.
 *
 * Runs as root; whatever needs other credentials runs in a forked child
 * that drops its privileges first (see common.h).  Each fixture loads a
 * known policy and puts back the one in force afterwards.  Everything
 * SKIPs when portown is not active.
 */

#include "common.h"
#include "wrappers.h"

#include <linux/io_uring.h>

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

/*
 * What a malformed or foreign address gets (bind.malformed_address): the
 * stack's errno, or portown's EACCES where portown judges the port before
 * the stack refuses the address. It differs by protocol, not by family.
 * "other" binds as UID_OTHER a port of UID_OWNER; "owner" as UID_OWNER.
 */
struct addr_errs {
	/* AF_UNIX, and AF_UNSPEC 127.0.0.1 on AF_INET, both users. */
	int foreign;
	/* AF_INET6 :: on an AF_INET socket, other. */
	int in6_on_inet_other;
	/* RFC 2133's 24-byte sockaddr_in6. */
	int short_in6_other, short_in6_owner;
	/* AF_INET 0.0.0.0 on an AF_INET6 socket. */
	int in4_on_inet6_other;
	/* The same as the owner, or of an unowned port above the boundary. */
	int in4_on_inet6_allowed;
	/* AF_UNSPEC 0.0.0.0 on an AF_INET6 socket, other (owner: .foreign). */
	int unspec_on_inet6_other;
	/* A stream socket refuses IPv6 multicast (EINVAL) before the port. */
	bool mcast_refused;
};

/*
 * TCP, UDP and UDP-Lite: other families are judged on AF_INET6 sockets
 * (IPV6_ADDRFORM can turn the socket into an AF_INET one in between).
 */
static const struct addr_errs addr_errs_inet_stream = {
	.foreign = EAFNOSUPPORT,
	.in6_on_inet_other = EAFNOSUPPORT,
	.short_in6_other = EACCES,
	.short_in6_owner = 0,
	.in4_on_inet6_other = EACCES,
	.in4_on_inet6_allowed = EAFNOSUPPORT,
	.unspec_on_inet6_other = EACCES,
	.mcast_refused = true,
};

static const struct addr_errs addr_errs_inet_dgram = {
	.foreign = EAFNOSUPPORT,
	.in6_on_inet_other = EAFNOSUPPORT,
	.short_in6_other = EACCES,
	.short_in6_owner = 0,
	.in4_on_inet6_other = EACCES,
	.in4_on_inet6_allowed = EAFNOSUPPORT,
	.unspec_on_inet6_other = EACCES,
	.mcast_refused = false,
};

/*
 * SCTP: EINVAL for what it does not take; it takes AF_INET on AF_INET6
 * and wants all 28 bytes of a sockaddr_in6.
 */
static const struct addr_errs addr_errs_sctp = {
	.foreign = EINVAL,
	.in6_on_inet_other = EINVAL,
	.short_in6_other = EINVAL,
	.short_in6_owner = EINVAL,
	.in4_on_inet6_other = EACCES,
	.in4_on_inet6_allowed = 0,
	.unspec_on_inet6_other = EINVAL,
	.mcast_refused = false,
};

/* SMC takes other families before its inner TCP socket refuses them. */
static const struct addr_errs addr_errs_smc = {
	.foreign = EAFNOSUPPORT,
	.in6_on_inet_other = EACCES,
	.short_in6_other = EACCES,
	.short_in6_owner = 0,
	.in4_on_inet6_other = EACCES,
	.in4_on_inet6_allowed = EAFNOSUPPORT,
	.unspec_on_inet6_other = EACCES,
	.mcast_refused = true,
};

/* MPTCP leaves other families to the stack. */
static const struct addr_errs addr_errs_mptcp = {
	.foreign = EAFNOSUPPORT,
	.in6_on_inet_other = EAFNOSUPPORT,
	.short_in6_other = EACCES,
	.short_in6_owner = 0,
	.in4_on_inet6_other = EAFNOSUPPORT,
	.in4_on_inet6_allowed = EAFNOSUPPORT,
	.unspec_on_inet6_other = EAFNOSUPPORT,
	.mcast_refused = true,
};

/* DCCP too; SOCK_DCCP is not SOCK_STREAM: no multicast check. */
static const struct addr_errs addr_errs_dccp = {
	.foreign = EAFNOSUPPORT,
	.in6_on_inet_other = EAFNOSUPPORT,
	.short_in6_other = EACCES,
	.short_in6_owner = 0,
	.in4_on_inet6_other = EAFNOSUPPORT,
	.in4_on_inet6_allowed = EAFNOSUPPORT,
	.unspec_on_inet6_other = EAFNOSUPPORT,
	.mcast_refused = false,
};

FIXTURE(bind) {};

FIXTURE_VARIANT(bind)
{
	const struct proto_desc *proto;
	enum family fam;
	const struct addr_errs *addr;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, tcp_ipv4) {
	/* clang-format on */
	.proto = &proto_tcp,
	.fam = FAM_IPV4,
	.addr = &addr_errs_inet_stream,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, tcp_ipv6) {
	/* clang-format on */
	.proto = &proto_tcp,
	.fam = FAM_IPV6,
	.addr = &addr_errs_inet_stream,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, tcp_v4mapped) {
	/* clang-format on */
	.proto = &proto_tcp,
	.fam = FAM_V4MAPPED,
	.addr = &addr_errs_inet_stream,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, tcp_unspec) {
	/* clang-format on */
	.proto = &proto_tcp,
	.fam = FAM_UNSPEC,
	.addr = &addr_errs_inet_stream,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udp_ipv4) {
	/* clang-format on */
	.proto = &proto_udp,
	.fam = FAM_IPV4,
	.addr = &addr_errs_inet_dgram,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udp_ipv6) {
	/* clang-format on */
	.proto = &proto_udp,
	.fam = FAM_IPV6,
	.addr = &addr_errs_inet_dgram,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udp_v4mapped) {
	/* clang-format on */
	.proto = &proto_udp,
	.fam = FAM_V4MAPPED,
	.addr = &addr_errs_inet_dgram,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udp_unspec) {
	/* clang-format on */
	.proto = &proto_udp,
	.fam = FAM_UNSPEC,
	.addr = &addr_errs_inet_dgram,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udplite_ipv4) {
	/* clang-format on */
	.proto = &proto_udplite,
	.fam = FAM_IPV4,
	.addr = &addr_errs_inet_dgram,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udplite_ipv6) {
	/* clang-format on */
	.proto = &proto_udplite,
	.fam = FAM_IPV6,
	.addr = &addr_errs_inet_dgram,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udplite_v4mapped) {
	/* clang-format on */
	.proto = &proto_udplite,
	.fam = FAM_V4MAPPED,
	.addr = &addr_errs_inet_dgram,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, udplite_unspec) {
	/* clang-format on */
	.proto = &proto_udplite,
	.fam = FAM_UNSPEC,
	.addr = &addr_errs_inet_dgram,
};

/* SCTP refuses AF_UNSPEC addresses itself (EINVAL): no unspec variant. */
/* clang-format off */
FIXTURE_VARIANT_ADD(bind, sctp_ipv4) {
	/* clang-format on */
	.proto = &proto_sctp,
	.fam = FAM_IPV4,
	.addr = &addr_errs_sctp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, sctp_ipv6) {
	/* clang-format on */
	.proto = &proto_sctp,
	.fam = FAM_IPV6,
	.addr = &addr_errs_sctp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, sctp_v4mapped) {
	/* clang-format on */
	.proto = &proto_sctp,
	.fam = FAM_V4MAPPED,
	.addr = &addr_errs_sctp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, mptcp_ipv4) {
	/* clang-format on */
	.proto = &proto_mptcp,
	.fam = FAM_IPV4,
	.addr = &addr_errs_mptcp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, mptcp_ipv6) {
	/* clang-format on */
	.proto = &proto_mptcp,
	.fam = FAM_IPV6,
	.addr = &addr_errs_mptcp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, mptcp_v4mapped) {
	/* clang-format on */
	.proto = &proto_mptcp,
	.fam = FAM_V4MAPPED,
	.addr = &addr_errs_mptcp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, mptcp_unspec) {
	/* clang-format on */
	.proto = &proto_mptcp,
	.fam = FAM_UNSPEC,
	.addr = &addr_errs_mptcp,
};

/* SMC needs INFINIBAND: these usually SKIP. */
/* clang-format off */
FIXTURE_VARIANT_ADD(bind, smc_ipv4) {
	/* clang-format on */
	.proto = &proto_smc,
	.fam = FAM_IPV4,
	.addr = &addr_errs_smc,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, smc_ipv6) {
	/* clang-format on */
	.proto = &proto_smc,
	.fam = FAM_IPV6,
	.addr = &addr_errs_smc,
};

/* DCCP is gone in newer kernels: these SKIP there. */
/* clang-format off */
FIXTURE_VARIANT_ADD(bind, dccp_ipv4) {
	/* clang-format on */
	.proto = &proto_dccp,
	.fam = FAM_IPV4,
	.addr = &addr_errs_dccp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, dccp_ipv6) {
	/* clang-format on */
	.proto = &proto_dccp,
	.fam = FAM_IPV6,
	.addr = &addr_errs_dccp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, dccp_v4mapped) {
	/* clang-format on */
	.proto = &proto_dccp,
	.fam = FAM_V4MAPPED,
	.addr = &addr_errs_dccp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(bind, dccp_unspec) {
	/* clang-format on */
	.proto = &proto_dccp,
	.fam = FAM_UNSPEC,
	.addr = &addr_errs_dccp,
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
	const struct addr_errs *e = variant->addr;
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
	CHECK_RAW_BIND(&other_creds, &job, e->foreign, "AF_UNIX address");

	if (family_domain(F) == AF_INET) {
		/* AF_UNSPEC other than INADDR_ANY is refused by the stack. */
		memset(&job.ss, 0, sizeof(job.ss));
		job.len = sizeof(*in4);
		in4->sin_family = AF_UNSPEC;
		in4->sin_port = htons(P_OWNED);
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHECK_RAW_BIND(&other_creds, &job, e->foreign,
			       "AF_UNSPEC 127.0.0.1");
		CHECK_RAW_BIND(&owner_creds, &job, e->foreign,
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
		CHECK_RAW_BIND(&other_creds, &job, e->in6_on_inet_other,
			       "AF_INET6 ::");
		CHECK_RAW_BIND(&owner_creds, &job, e->foreign, "AF_INET6 ::");
		return;
	}

	/*
	 * RFC 2133's 24-byte sockaddr_in6 (no sin6_scope_id) is enough for
	 * TCP and UDP, so portown judges it; SCTP wants all 28 bytes and
	 * refuses it itself.
	 */
	CHECK_BINDS_SHORT(&other_creds, P, F, 4,
			  { P_OWNED, e->short_in6_other });
	CHECK_BINDS_SHORT(&owner_creds, P, F, 4,
			  { P_OWNED, e->short_in6_owner });

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
	CHECK_RAW_BIND(&other_creds, &job, e->in4_on_inet6_other,
		       "AF_INET 0.0.0.0 on AF_INET6");
	CHECK_RAW_BIND(&owner_creds, &job, e->in4_on_inet6_allowed,
		       "AF_INET 0.0.0.0 on AF_INET6");
	/* Unowned and above the boundary: nothing to judge, the stack's errno. */
	in4->sin_port = htons(P_FREE_HIGH);
	CHECK_RAW_BIND(&other_creds, &job, e->in4_on_inet6_allowed,
		       "AF_INET 0.0.0.0:30000 on AF_INET6");

	/* The same for AF_UNSPEC with INADDR_ANY, which SCTP never takes. */
	memset(&job.ss, 0, sizeof(job.ss));
	job.len = sizeof(*in6);
	in4->sin_family = AF_UNSPEC;
	in4->sin_port = htons(P_OWNED_LOW);
	CHECK_RAW_BIND(&other_creds, &job, e->unspec_on_inet6_other,
		       "AF_UNSPEC 0.0.0.0 on AF_INET6");
	CHECK_RAW_BIND(&owner_creds, &job, e->foreign,
		       "AF_UNSPEC 0.0.0.0 on AF_INET6");

	/* IPv6 multicast on a stream socket: refused before the port. */
	memset(&job.ss, 0, sizeof(job.ss));
	job.len = sizeof(*in6);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(P_OWNED);
	in6->sin6_addr.s6_addr[0] = 0xff;
	in6->sin6_addr.s6_addr[1] = 0x02;
	in6->sin6_addr.s6_addr[15] = 0x01;
	if (e->mcast_refused)
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

/* ---- raw and ping sockets ---------------------------------------- */

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

TEST_HARNESS_MAIN
