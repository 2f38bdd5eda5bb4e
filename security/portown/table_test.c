// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - KUnit tests of the lookup table: sorting, size limits, the
 * owner set of every port, and who is in an owner set
 */

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "policy.h"
#include "policy_test.h"

/* Whether @x comes before @y in the canonical order. */
static int portown_test_rule_cmp(const struct portown_rule *x,
				 const struct portown_rule *y)
{
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	if (x->subject != y->subject)
		return x->subject < y->subject ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/*
 * A policy big enough for the counting sort (20,000 rules, more than
 * table.c's PORTOWN_BIG_POLICY), with many rules on a few ports and
 * duplicates: the rules come out strictly ascending, and the
 * canonical text reads back to itself.
 */
static void portown_test_big_sort(struct kunit *test)
{
	static const char *const protos[] = { "tcp", "udp", "sctp", "dccp" };
	struct portown_policy *p, *q;
	size_t len = 0, size = 20000 * 40;
	char *text = portown_test_vmalloc(test, size);
	u32 i, x = 12345;

	for (i = 0; i < 20000; i++) {
		u32 first, last;

		x = x * 1103515245 + 12345;
		first = i % 3 ? 1 + (x >> 8) % 65535 : 80 + (x >> 8) % 4;
		last = min_t(u32, first + (x >> 20) % 20 * (i % 2), 65535);
		len += scnprintf(text + len, size - len, "%s %u-%u %s %u\n",
				 protos[(x >> 4) % 4], first, last,
				 (x >> 2) % 2 ? "gid" : "uid", (x >> 12) % 50);
	}
	p = portown_test_parse(test, text);
	KUNIT_ASSERT_GT(test, p->nrules, 4096);
	for (i = 1; i < p->nrules; i++)
		if (portown_test_rule_cmp(&p->rules[i - 1], &p->rules[i]) >= 0)
			KUNIT_FAIL(test, "rules %u and %u out of order", i - 1, i);
	q = portown_test_parse(test, portown_test_show(test, p));
	KUNIT_ASSERT_EQ(test, q->nrules, p->nrules);
	for (i = 0; i < p->nrules; i++)
		if (portown_test_rule_cmp(&q->rules[i], &p->rules[i]))
			KUNIT_FAIL(test, "rule %u differs after read-back", i);
}

/* Deeply nested ranges would need quadratic memory: refused, not built. */
static void portown_test_owner_limit(struct kunit *test)
{
	struct portown_parse_error perr;
	struct portown_policy *p;
	size_t len = 0;
	char *text;
	u32 i;

	text = portown_test_vmalloc(test, 30000 * 32);
	for (i = 0; i < 30000; i++)
		len += sprintf(text + len, "tcp %u-%u uid %u\n", i + 1,
			       65535 - i, i);
	p = portown_test_try_parse(test, text, len, &perr);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), -E2BIG);
	KUNIT_EXPECT_EQ(test, perr.line, 0);
	KUNIT_EXPECT_NOT_NULL(test, perr.reason);
}

static const char portown_lookup_policy[] =
	"tcp 1 uid 1\n"
	"tcp 1023 uid 2\n"
	"tcp 1024 uid 3\n"
	"tcp 65535 uid 4\n"
	"tcp 8000-8099 gid 5\n"
	"tcp 8050-8200 uid 6\n"
	"tcp 8050-8200 uid 6\n"
	"tcp 9000-9010 uid 7\n"
	"tcp 9005-9020 uid 7\n"
	"udp 53 uid 8\n";

struct portown_lookup_case {
	u8 proto;
	u16 port;
	int owned;		/* 0: nobody owns the port */
	u16 first, last;	/* the stretch of ports with the same owners */
	u32 nuids, ngids;
};

static const struct portown_lookup_case portown_lookup_cases[] = {
	{ PORTOWN_TCP, 1, 1, 1, 1, 1, 0 },
	{ PORTOWN_TCP, 2, 0 },
	{ PORTOWN_TCP, 1022, 0 },
	{ PORTOWN_TCP, 1023, 1, 1023, 1023, 1, 0 },
	{ PORTOWN_TCP, 1024, 1, 1024, 1024, 1, 0 },
	{ PORTOWN_TCP, 1025, 0 },
	{ PORTOWN_TCP, 7999, 0 },
	{ PORTOWN_TCP, 8000, 1, 8000, 8049, 0, 1 },
	{ PORTOWN_TCP, 8049, 1, 8000, 8049, 0, 1 },
	{ PORTOWN_TCP, 8050, 1, 8050, 8099, 1, 1 },
	{ PORTOWN_TCP, 8099, 1, 8050, 8099, 1, 1 },
	{ PORTOWN_TCP, 8100, 1, 8100, 8200, 1, 0 },
	{ PORTOWN_TCP, 8200, 1, 8100, 8200, 1, 0 },
	{ PORTOWN_TCP, 8201, 0 },
	/* Overlapping ranges of one owner share one owner set. */
	{ PORTOWN_TCP, 9000, 1, 9000, 9020, 1, 0 },
	{ PORTOWN_TCP, 9020, 1, 9000, 9020, 1, 0 },
	{ PORTOWN_TCP, 9021, 0 },
	{ PORTOWN_TCP, 65534, 0 },
	{ PORTOWN_TCP, 65535, 1, 65535, 65535, 1, 0 },
	{ PORTOWN_TCP, 53, 0 },
	{ PORTOWN_UDP, 53, 1, 53, 53, 1, 0 },
	{ PORTOWN_UDP, 80, 0 },
	{ PORTOWN_SCTP, 53, 0 },
	{ PORTOWN_DCCP, 1, 0 },
};

/* Lookups at the edges of ports, ranges and overlaps. */
static void portown_test_lookup(struct kunit *test)
{
	struct portown_policy *p = portown_test_parse(test, portown_lookup_policy);
	int i;

	for (i = 0; i < ARRAY_SIZE(portown_lookup_cases); i++) {
		const struct portown_lookup_case *c = &portown_lookup_cases[i];
		const struct portown_owners *set;

		set = portown_policy_owners(p, c->proto, c->port);
		if (!c->owned) {
			KUNIT_EXPECT_NULL_MSG(test, set, "%s %u",
					      portown_proto_name(c->proto),
					      c->port);
			continue;
		}
		KUNIT_ASSERT_NOT_NULL_MSG(test, set, "%s %u",
					  portown_proto_name(c->proto), c->port);
		KUNIT_EXPECT_EQ_MSG(test, set->nuids, c->nuids, "port %u", c->port);
		KUNIT_EXPECT_EQ_MSG(test, set->ngids, c->ngids, "port %u", c->port);
		/* The whole stretch shares the set; its neighbours do not. */
		KUNIT_EXPECT_PTR_EQ_MSG(test, set,
					portown_policy_owners(p, c->proto, c->first),
					"port %u", c->port);
		KUNIT_EXPECT_PTR_EQ_MSG(test, set,
					portown_policy_owners(p, c->proto, c->last),
					"port %u", c->port);
		if (c->first > 1)
			KUNIT_EXPECT_PTR_NE_MSG(test, set,
						portown_policy_owners(p, c->proto,
								      c->first - 1),
						"port %u", c->port);
		if (c->last < 65535)
			KUNIT_EXPECT_PTR_NE_MSG(test, set,
						portown_policy_owners(p, c->proto,
								      c->last + 1),
						"port %u", c->port);
	}
}

/* Whether @set holds exactly the ids of the @rules covering (proto, port). */
static bool portown_test_set_matches(const struct portown_owners *set,
				     const struct portown_rule *rules, u32 n,
				     u8 proto, u32 port)
{
	u32 want[2][8], nwant[2] = {}, i, k, sub;

	for (i = 0; i < n; i++) {
		const struct portown_rule *r = &rules[i];

		if (r->proto != proto || port < r->first || port > r->last)
			continue;
		sub = r->subject;
		for (k = 0; k < nwant[sub] && want[sub][k] != r->id; k++)
			;
		if (k < nwant[sub])
			continue;
		if (nwant[sub] == ARRAY_SIZE(want[sub]))
			return false;
		want[sub][nwant[sub]++] = r->id;
	}
	if (!nwant[0] && !nwant[1])
		return !set;
	if (!set || set->nuids != nwant[0] || set->ngids != nwant[1])
		return false;
	for (sub = 0; sub < 2; sub++) {
		const u32 *ids = set->ids + (sub ? set->nuids : 0);
		u32 n = sub ? set->ngids : set->nuids;

		for (i = 0; i < nwant[sub]; i++) {
			for (k = 0; k < n && ids[k] != want[sub][i]; k++)
				;
			if (k == n)
				return false;
		}
		/* Sorted, without duplicates: the bind path searches them. */
		for (k = 1; k < n; k++)
			if (ids[k - 1] >= ids[k])
				return false;
	}
	return true;
}

/*
 * The lookup table against the rules themselves, for every port of every
 * protocol, on a policy of overlapping ranges and shared owners.
 */
static void portown_test_lookup_model(struct kunit *test)
{
	static const char text[] =
		"tcp 1-10 uid 1\ntcp 5-20 gid 2\ntcp 20 uid 3\ntcp 15-30 uid 1\n"
		"tcp 1000-2000 gid 7\ntcp 1500 gid 7\ntcp 1500 gid 8\n"
		"tcp 60000-65535 uid 9\ntcp 65535 uid 10\n"
		"udp 1-65535 gid 4\nudp 53 uid 102\nudp 40000-40009 uid 5\n"
		"sctp 9899 uid 1000\nsctp 9899 uid 1001\nsctp 9900 uid 1000\n"
		"dccp 100-200 uid 3\ndccp 150-250 uid 3\n";
	struct portown_policy *p = portown_test_parse(test, text);
	u32 proto, port, bad = 0;

	for (proto = 0; proto < PORTOWN_NPROTO; proto++)
		for (port = 1; port < 65536; port++)
			if (!portown_test_set_matches(portown_policy_owners(p, proto,
									    port),
						      p->rules, p->nrules, proto,
						      port) && bad++ < 5)
				KUNIT_FAIL(test, "%s %u: wrong owner set",
					   portown_proto_name(proto), port);
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* Owners: euid, egid or a supplementary group; union of rules. */
static void portown_test_owner(struct kunit *test)
{
	struct portown_policy *p;
	struct group_info *gi;
	struct cred cred = {};
	const struct portown_owners *r80, *r81, *r82;

	p = portown_test_parse(test, "tcp 80 uid 1000\ntcp 80 gid 300\n"
				     "tcp 81 gid 200\ntcp 82 uid 5\n");
	r80 = portown_policy_owners(p, PORTOWN_TCP, 80);
	r81 = portown_policy_owners(p, PORTOWN_TCP, 81);
	r82 = portown_policy_owners(p, PORTOWN_TCP, 82);
	KUNIT_ASSERT_NOT_NULL(test, r80);
	KUNIT_ASSERT_NOT_NULL(test, r81);
	KUNIT_ASSERT_NOT_NULL(test, r82);

	gi = groups_alloc(2);
	KUNIT_ASSERT_NOT_NULL(test, gi);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, portown_test_put_groups,
						  gi));
	gi->gid[0] = KGIDT_INIT(200);
	gi->gid[1] = KGIDT_INIT(100);
	groups_sort(gi);
	cred.euid = KUIDT_INIT(1000);
	cred.uid = KUIDT_INIT(5);	/* the real uid does not count */
	cred.egid = KGIDT_INIT(1000);
	cred.group_info = gi;

	KUNIT_EXPECT_TRUE(test, portown_owners_have(r80, &cred));
	KUNIT_EXPECT_TRUE(test, portown_owners_have(r81, &cred));
	KUNIT_EXPECT_FALSE(test, portown_owners_have(r82, &cred));

	cred.euid = KUIDT_INIT(1001);
	KUNIT_EXPECT_FALSE(test, portown_owners_have(r80, &cred));
	cred.egid = KGIDT_INIT(300);
	KUNIT_EXPECT_TRUE(test, portown_owners_have(r80, &cred));
	cred.egid = KGIDT_INIT(1000);
	gi->gid[0] = KGIDT_INIT(100);
	gi->gid[1] = KGIDT_INIT(300);
	KUNIT_EXPECT_TRUE(test, portown_owners_have(r80, &cred));
	KUNIT_EXPECT_FALSE(test, portown_owners_have(r81, &cred));
}

static struct kunit_case portown_table_test_cases[] = {
	KUNIT_CASE(portown_test_owner_limit),
	KUNIT_CASE(portown_test_big_sort),
	KUNIT_CASE(portown_test_lookup),
	KUNIT_CASE(portown_test_lookup_model),
	KUNIT_CASE(portown_test_owner),
	{}
};

static struct kunit_suite portown_table_test_suite = {
	.name = "portown_table",
	.test_cases = portown_table_test_cases,
};

kunit_test_suite(portown_table_test_suite);
