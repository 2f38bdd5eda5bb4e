/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - the cases of the decision, one table read by two tests: the
 * LSM's KUnit test (decide_test.c) and portownctl's unit test of its model
 * of the decision (po_decide(), tools/portown/tests/unit.c).
 *
 * Each case is
 *
 *   PORTOWN_DECIDE_CASE(name, policy,
 *                       proto, port, euid, egid, ngroups, group0, group1,
 *                       capable, enforcing, standing, verdict)
 *
 * proto is one of TCP, UDP, SCTP, DCCP; standing one of FREE, OWNER,
 * OWNED, RESERVED; verdict one of ALLOW, ALLOW_OWNER, ALLOW_CAPABLE, LOG,
 * DENY (see decide.h). The first ngroups of group0 and group1 are the
 * supplementary groups; capable is CAP_NET_BIND_SERVICE in the initial
 * user namespace. Include this file where PORTOWN_DECIDE_CASE is defined,
 * for instance inside an array's initializer; it has no include guard.
 */

#define PORTOWN_DECIDE_POLICY						\
	"tcp 80 uid 33\ntcp 443 gid 33\nudp 53 uid 102\n"			\
	"tcp 8000-8099 gid 1002\ntcp 9000 uid 1001\ntcp 9000 uid 1000\n"	\
	"tcp 5000 uid 1001\n"
#define PORTOWN_DECIDE_STRICT	"strict\n" PORTOWN_DECIDE_POLICY

PORTOWN_DECIDE_CASE("owner uid binds its port",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 80, 33, 33, 1, 33, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("other user refused on owned port",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 80, 1000, 1000, 1, 1000, 0, false, true, OWNED, DENY)
PORTOWN_DECIDE_CASE("rule is per protocol (udp 80 unowned, reserved)",
		    PORTOWN_DECIDE_POLICY,
		    UDP, 80, 33, 33, 1, 33, 0, false, true, RESERVED, DENY)
PORTOWN_DECIDE_CASE("gid rule matches the egid",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 443, 5, 33, 0, 0, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("gid rule matches a supplementary group",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 8050, 1000, 1000, 2, 1000, 1002, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("gid rule does not match the uid",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 443, 33, 1000, 1, 1000, 0, false, true, OWNED, DENY)
PORTOWN_DECIDE_CASE("range edges: first",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 8000, 1, 1002, 0, 0, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("range edges: last",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 8099, 1, 1002, 0, 0, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("range edges: past last is free",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 8100, 1, 1, 0, 0, 0, false, true, FREE, ALLOW)
PORTOWN_DECIDE_CASE("owned high port refused to others",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 8000, 1001, 1001, 1, 1001, 0, false, true, OWNED, DENY)
PORTOWN_DECIDE_CASE("union of owners: second owner",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 9000, 1000, 1000, 0, 0, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("root with capability on owned port",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 80, 0, 0, 1, 0, 0, true, true, OWNED, ALLOW_CAPABLE)
PORTOWN_DECIDE_CASE("root with capability, strict",
		    PORTOWN_DECIDE_STRICT,
		    TCP, 80, 0, 0, 1, 0, 0, true, true, OWNED, DENY)
PORTOWN_DECIDE_CASE("capability on reserved port",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 22, 1000, 1000, 0, 0, 0, true, true, RESERVED, ALLOW_CAPABLE)
PORTOWN_DECIDE_CASE("capability on reserved port, strict",
		    PORTOWN_DECIDE_STRICT,
		    TCP, 22, 0, 0, 0, 0, 0, true, true, RESERVED, DENY)
PORTOWN_DECIDE_CASE("no capability on reserved port",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 22, 1000, 1000, 0, 0, 0, false, true, RESERVED, DENY)
PORTOWN_DECIDE_CASE("reserved boundary itself is free",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 1024, 1000, 1000, 0, 0, 0, false, true, FREE, ALLOW)
PORTOWN_DECIDE_CASE("reserved 0 frees low ports",
		    "reserved 0\n",
		    UDP, 1, 1000, 1000, 0, 0, 0, false, true, FREE, ALLOW)
PORTOWN_DECIDE_CASE("reserved 2048",
		    "reserved 2048\n",
		    TCP, 2047, 1000, 1000, 0, 0, 0, false, true, RESERVED, DENY)
PORTOWN_DECIDE_CASE("reserved 2048, strict: root refused below",
		    "reserved 2048\nstrict\n",
		    TCP, 1500, 0, 0, 0, 0, 0, true, true, RESERVED, DENY)
PORTOWN_DECIDE_CASE("strict: owner still allowed",
		    PORTOWN_DECIDE_STRICT,
		    TCP, 80, 33, 33, 0, 0, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("strict: free port still free",
		    PORTOWN_DECIDE_STRICT,
		    TCP, 4000, 0, 0, 0, 0, 0, false, true, FREE, ALLOW)
PORTOWN_DECIDE_CASE("port 0 always allowed",
		    PORTOWN_DECIDE_STRICT,
		    TCP, 0, 1000, 1000, 0, 0, 0, false, true, FREE, ALLOW)
PORTOWN_DECIDE_CASE("permissive: owned port >= 1024 let through, logged",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 5000, 1000, 1000, 0, 0, 0, false, false, OWNED, LOG)
PORTOWN_DECIDE_CASE("permissive: owned port < 1024 without cap still refused",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 80, 1000, 1000, 0, 0, 0, false, false, OWNED, DENY)
PORTOWN_DECIDE_CASE("permissive: reserved port without cap still refused",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 22, 1000, 1000, 0, 0, 0, false, false, RESERVED, DENY)
PORTOWN_DECIDE_CASE("permissive: strict refusal of a cap holder logged",
		    PORTOWN_DECIDE_STRICT,
		    TCP, 80, 0, 0, 0, 0, 0, true, false, OWNED, LOG)
PORTOWN_DECIDE_CASE("permissive: reserved 2048, port 1500 let through",
		    "reserved 2048\n",
		    TCP, 1500, 1000, 1000, 0, 0, 0, false, false, RESERVED, LOG)
PORTOWN_DECIDE_CASE("permissive: allowed binds are not logged",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 80, 33, 33, 0, 0, 0, false, false, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("udp owner",
		    PORTOWN_DECIDE_POLICY,
		    UDP, 53, 102, 102, 0, 0, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("tcp rule does not own udp 8050 (free)",
		    PORTOWN_DECIDE_POLICY,
		    UDP, 8050, 1, 1, 0, 0, 0, false, true, FREE, ALLOW)
PORTOWN_DECIDE_CASE("sctp and dccp are separate spaces",
		    "sctp 80 uid 1\n",
		    DCCP, 80, 1, 1, 0, 0, 0, false, true, RESERVED, DENY)
PORTOWN_DECIDE_CASE("uid 0 rule matches root without capability",
		    "tcp 7 uid 0\nstrict\n",
		    TCP, 7, 0, 0, 0, 0, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("overlapping ranges: union",
		    "tcp 100-200 uid 5\ntcp 150-300 gid 6\n",
		    TCP, 250, 9, 9, 1, 6, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("port 65535 owned",
		    "udp 65535 uid 4294967294\n",
		    UDP, 65535, 4294967294, 0, 0, 0, 0, false, true, OWNER, ALLOW_OWNER)
PORTOWN_DECIDE_CASE("permissive: strict refusal of a reserved port logged",
		    PORTOWN_DECIDE_STRICT,
		    TCP, 22, 0, 0, 0, 0, 0, true, false, RESERVED, LOG)
PORTOWN_DECIDE_CASE("permissive: capability still allows an owned port",
		    PORTOWN_DECIDE_POLICY,
		    TCP, 80, 1000, 1000, 0, 0, 0, true, false, OWNED, ALLOW_CAPABLE)
PORTOWN_DECIDE_CASE("port 65535 refused to root without capability",
		    "udp 65535 uid 4294967294\n",
		    UDP, 65535, 0, 0, 0, 0, 0, false, true, OWNED, DENY)
