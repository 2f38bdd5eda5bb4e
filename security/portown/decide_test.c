// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - KUnit tests of the decision: the cases of decide_cases.h,
 * which portownctl's model of the decision is tested on too, and the
 * promise of permissive mode, over every input of the verdict
 */

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/string.h>

#include "decide.h"
#include "policy.h"
#include "policy_test.h"

struct portown_decide_case {
	const char *name;
	const char *policy;
	enum portown_proto proto;
	u16 port;
	u32 euid, egid;
	u32 ngroups;
	u32 groups[2];
	bool capable, enforcing;
	enum portown_standing standing;
	enum portown_verdict verdict;
};

#define PORTOWN_DECIDE_CASE(n, pol, pr, po, u, g, ng, g0, g1, cap, enf,	\
			    st, v)					\
	{								\
		.name = n, .policy = pol, .proto = PORTOWN_##pr,	\
		.port = po, .euid = u, .egid = g, .ngroups = ng,	\
		.groups = { g0, g1 }, .capable = cap, .enforcing = enf,	\
		.standing = PORTOWN_##st, .verdict = PORTOWN_##v,	\
	},

static const struct portown_decide_case portown_decide_cases[] = {
#include "decide_cases.h"
};

#undef PORTOWN_DECIDE_CASE

static void portown_decide_desc(const struct portown_decide_case *c,
				char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(portown_decide, portown_decide_cases, portown_decide_desc);

/* Each case: where the port stands for the task, then the verdict. */
static void portown_test_decide(struct kunit *test)
{
	const struct portown_decide_case *c = test->param_value;
	struct portown_policy *p = portown_test_parse(test, c->policy);
	enum portown_standing standing;
	struct cred cred = {};
	struct group_info *gi;
	u32 i;

	gi = groups_alloc(c->ngroups);
	KUNIT_ASSERT_NOT_NULL(test, gi);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, portown_test_put_groups,
						  gi));
	for (i = 0; i < c->ngroups; i++)
		gi->gid[i] = KGIDT_INIT(c->groups[i]);
	groups_sort(gi);
	cred.euid = KUIDT_INIT(c->euid);
	cred.egid = KGIDT_INIT(c->egid);
	cred.group_info = gi;

	standing = portown_standing(p, &cred, c->proto, c->port);
	KUNIT_EXPECT_EQ(test, standing, c->standing);
	KUNIT_EXPECT_EQ(test,
			portown_verdict(standing, p->strict, c->capable,
					c->enforcing, c->port),
			c->verdict);
}

/*
 * Over every input of the verdict: a port below the stock boundary that
 * is neither free nor the task's is only ever let through with the
 * capability, in either mode; strict lets nothing through by capability;
 * enforcing mode never logs.
 */
static void portown_test_never_looser(struct kunit *test)
{
	static const u16 ports[] = { 1, 80, 1023, 1024, 5000, 65535 };
	unsigned int k;

	/* Standing, strict, capable, enforcing and port, from one counter. */
	for (k = 0; k < 4 * 2 * 2 * 2 * ARRAY_SIZE(ports); k++) {
		enum portown_standing standing = k % 4;
		bool strict = k / 4 % 2, capable = k / 8 % 2;
		bool enforcing = k / 16 % 2;
		u16 port = ports[k / 32];
		enum portown_verdict v = portown_verdict(standing, strict,
							 capable, enforcing,
							 port);
		bool contested = standing == PORTOWN_OWNED ||
				 standing == PORTOWN_RESERVED;

		KUNIT_EXPECT_EQ(test, v == PORTOWN_ALLOW,
				standing == PORTOWN_FREE);
		KUNIT_EXPECT_EQ(test, v == PORTOWN_ALLOW_OWNER,
				standing == PORTOWN_OWNER);
		if (contested && port < PORTOWN_STOCK_BOUNDARY &&
		    v != PORTOWN_DENY)
			KUNIT_EXPECT_TRUE(test, capable);
		if (v == PORTOWN_ALLOW_CAPABLE)
			KUNIT_EXPECT_TRUE(test, capable && !strict);
		if (v == PORTOWN_LOG)
			KUNIT_EXPECT_FALSE(test, enforcing);
	}
}

static struct kunit_case portown_decide_test_cases[] = {
	KUNIT_CASE_PARAM(portown_test_decide, portown_decide_gen_params),
	KUNIT_CASE(portown_test_never_looser),
	{}
};

static struct kunit_suite portown_decide_test_suite = {
	.name = "portown_decide",
	.test_cases = portown_decide_test_cases,
};

kunit_test_suite(portown_decide_test_suite);
