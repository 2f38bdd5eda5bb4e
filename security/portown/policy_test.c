// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - KUnit tests of the policy parser, lookup and canonical text
 */

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "policy.h"

/* Canonical text of @p, in a buffer the test owns. */
static char *portown_test_vmalloc(struct kunit *test, size_t size);

static char *portown_test_show(struct kunit *test, const struct portown_policy *p)
{
	struct seq_file m = { .size = 64 + p->nrules * 40 };

	m.buf = portown_test_vmalloc(test, m.size);
	portown_policy_show(&m, p, &init_user_ns);
	KUNIT_ASSERT_LT(test, m.count, m.size);
	m.buf[m.count] = '\0';
	return m.buf;
}

KUNIT_DEFINE_ACTION_WRAPPER(portown_test_free_policy, portown_policy_free,
			    struct portown_policy *);
KUNIT_DEFINE_ACTION_WRAPPER(portown_test_vfree, vfree, const void *);
KUNIT_DEFINE_ACTION_WRAPPER(portown_test_put_groups, put_group_info,
			    struct group_info *);

/*
 * A parsed policy of @len bytes of @text, or the error; a policy is freed
 * when the test ends, even when an assertion stops it early.
 */
static struct portown_policy *portown_test_try_parse(struct kunit *test,
						     const char *text,
						     size_t len,
						     struct portown_parse_error *perr)
{
	struct portown_policy *p;

	p = portown_policy_parse(text, len, &init_user_ns, perr);
	if (!IS_ERR(p))
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test,
							  portown_test_free_policy,
							  p));
	return p;
}

static struct portown_policy *portown_test_parse(struct kunit *test,
						 const char *text)
{
	struct portown_parse_error perr;
	struct portown_policy *p;

	p = portown_test_try_parse(test, text, strlen(text), &perr);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(p), "line %u: %s", perr.line,
			       perr.reason);
	return p;
}

/* A vmalloc()ed buffer of @size bytes, freed when the test ends. */
static char *portown_test_vmalloc(struct kunit *test, size_t size)
{
	char *buf = vmalloc(size);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, portown_test_vfree, buf));
	return buf;
}

struct portown_good_case {
	const char *name;
	const char *in;
	const char *out;
};

static const struct portown_good_case portown_good_cases[] = {
	{ "empty", "", "reserved 1024\n" },
	{ "comments and blanks", "# nothing\n\n\t\t\n#\n", "reserved 1024\n" },
	{ "one rule", "tcp 80 uid 33\n", "reserved 1024\ntcp 80 uid 33\n" },
	{ "no final newline", "tcp 80 uid 33", "reserved 1024\ntcp 80 uid 33\n" },
	{ "tabs and trailing comment", "\ttcp\t80  uid\t33 # web\n",
	  "reserved 1024\ntcp 80 uid 33\n" },
	{ "comment right after a field", "tcp 80 uid 33#web\nudp 53 gid 1\n",
	  "reserved 1024\ntcp 80 uid 33\nudp 53 gid 1\n" },
	{ "usual lines and others mixed",
	  "tcp 1-2 uid 3\n udp 4 gid 5\nsctp 6 uid 7\t\ndccp 8-9 gid 10\n",
	  "reserved 1024\ntcp 1-2 uid 3\nudp 4 gid 5\nsctp 6 uid 7\n"
	  "dccp 8-9 gid 10\n" },
	{ "settings", "strict\nreserved 0\n", "reserved 0\nstrict\n" },
	{ "reserved max", "reserved 65535", "reserved 65535\n" },
	{ "leading zeros", "tcp 080 uid 0033", "reserved 1024\ntcp 80 uid 33\n" },
	{ "range", "tcp 8000-8099 gid 1001",
	  "reserved 1024\ntcp 8000-8099 gid 1001\n" },
	{ "single port range", "udp 53-53 uid 102", "reserved 1024\nudp 53 uid 102\n" },
	{ "whole port space", "sctp 1-65535 uid 0",
	  "reserved 1024\nsctp 1-65535 uid 0\n" },
	{ "largest id", "dccp 9 gid 4294967294",
	  "reserved 1024\ndccp 9 gid 4294967294\n" },
	{ "duplicates", "tcp 80 uid 33\ntcp 80-80 uid 33\ntcp 80 uid 33\n",
	  "reserved 1024\ntcp 80 uid 33\n" },
	{ "sorted", "dccp 1 uid 1\nsctp 1 uid 1\nudp 1 uid 1\ntcp 80-81 uid 1\n"
		    "tcp 80 gid 5\ntcp 80 uid 7\ntcp 80 uid 6\ntcp 79-81 uid 1\n",
	  "reserved 1024\ntcp 79-81 uid 1\ntcp 80 uid 6\ntcp 80 uid 7\n"
	  "tcp 80 gid 5\ntcp 80-81 uid 1\nudp 1 uid 1\nsctp 1 uid 1\n"
	  "dccp 1 uid 1\n" },
};

static void portown_good_desc(const struct portown_good_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(portown_good, portown_good_cases, portown_good_desc);

/* Good policies parse to their canonical text, which parses to itself. */
static void portown_test_parse_good(struct kunit *test)
{
	const struct portown_good_case *c = test->param_value;
	struct portown_policy *p, *q;
	char *out;

	p = portown_test_parse(test, c->in);
	out = portown_test_show(test, p);
	KUNIT_EXPECT_STREQ(test, out, c->out);

	q = portown_test_parse(test, out);
	KUNIT_EXPECT_STREQ(test, portown_test_show(test, q), c->out);
}

struct portown_bad_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	int err;
	unsigned int line;
};

static const struct portown_bad_case portown_bad_cases[] = {
	{ "port 0", "tcp 0 uid 1", 0, -EINVAL, 1 },
	{ "port 65536", "tcp 65536 uid 1", 0, -EINVAL, 1 },
	{ "port that wraps to 80 in 16 bits", "tcp 65616 uid 1", 0, -EINVAL, 1 },
	{ "huge port", "tcp 99999999999999999999 uid 1", 0, -EINVAL, 1 },
	{ "reversed range", "tcp 100-99 uid 1", 0, -EINVAL, 1 },
	{ "range from 0", "tcp 0-10 uid 1", 0, -EINVAL, 1 },
	{ "open range", "tcp 80- uid 1", 0, -EINVAL, 1 },
	{ "negative port", "tcp -80 uid 1", 0, -EINVAL, 1 },
	{ "three ports", "tcp 80-90-100 uid 1", 0, -EINVAL, 1 },
	{ "plus sign", "tcp +80 uid 1", 0, -EINVAL, 1 },
	{ "hex port", "tcp 0x50 uid 1", 0, -EINVAL, 1 },
	{ "service name", "tcp http uid 1", 0, -EINVAL, 1 },
	{ "missing id", "tcp 80 uid", 0, -EINVAL, 1 },
	{ "missing subject", "tcp 80", 0, -EINVAL, 1 },
	{ "extra field", "tcp 80 uid 1 2", 0, -EINVAL, 1 },
	{ "user name", "tcp 80 uid www-data", 0, -EINVAL, 1 },
	{ "bad subject", "tcp 80 user 1", 0, -EINVAL, 1 },
	{ "negative id", "tcp 80 uid -1", 0, -EINVAL, 1 },
	{ "invalid id", "tcp 80 gid 4294967295", 0, -EINVAL, 1 },
	{ "id over 32 bits", "tcp 80 uid 4294967296", 0, -EINVAL, 1 },
	{ "upper case", "TCP 80 uid 1", 0, -EINVAL, 1 },
	{ "unknown protocol", "icmp 80 uid 1", 0, -EINVAL, 1 },
	{ "udplite is udp", "udplite 80 uid 1", 0, -EINVAL, 1 },
	{ "reserved without value", "reserved", 0, -EINVAL, 1 },
	{ "reserved too big", "reserved 65536", 0, -EINVAL, 1 },
	{ "reserved two values", "reserved 1 2", 0, -EINVAL, 1 },
	{ "reserved twice", "reserved 1024\nreserved 1024", 0, -EINVAL, 2 },
	{ "strict with value", "strict 1", 0, -EINVAL, 1 },
	{ "strict twice", "strict\nstrict", 0, -EINVAL, 2 },
	{ "carriage return", "tcp 80 uid 1\r\n", 0, -EINVAL, 1 },
	{ "NUL byte", "tcp 80 uid 1\0tcp 81 uid 1", 25, -EINVAL, 1 },
	{ "NUL in comment", "# a\0b\n", 6, -EINVAL, 1 },
	{ "NUL in comment after a rule", "tcp 80 uid 1 # a\0b\n", 19, -EINVAL, 1 },
	{ "usual line, then garbage", "tcp 80 uid 1x\n", 0, -EINVAL, 1 },
	{ "usual line, port 0", "tcp 0-5 uid 1\n", 0, -EINVAL, 1 },
	{ "usual line, reversed", "udp 9-8 gid 1\n", 0, -EINVAL, 1 },
	{ "usual line, id too big", "udp 9 gid 4294967295\n", 0, -EINVAL, 1 },
	{ "error on line 4", "tcp 80 uid 1\n\n# c\nbogus\ntcp 81 uid 1\n", 0,
	  -EINVAL, 4 },
	{ "good line after bad", "tcp 81 uid 1\ntcp 80 uid\n", 0, -EINVAL, 2 },
};

static void portown_bad_desc(const struct portown_bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(portown_bad, portown_bad_cases, portown_bad_desc);

/* Bad policies fail with the right errno and line, and a reason. */
static void portown_test_parse_bad(struct kunit *test)
{
	const struct portown_bad_case *c = test->param_value;
	struct portown_parse_error perr;
	struct portown_policy *p;

	p = portown_test_try_parse(test, c->in, c->len ?: strlen(c->in), &perr);
	KUNIT_ASSERT_TRUE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), c->err);
	KUNIT_EXPECT_EQ(test, perr.line, c->line);
	KUNIT_EXPECT_NOT_NULL(test, perr.reason);
}

/* Text over 2 MiB is refused before it is read. */
static void portown_test_text_limit(struct kunit *test)
{
	struct portown_parse_error perr;
	struct portown_policy *p;
	char *text;

	text = portown_test_vmalloc(test, PORTOWN_MAX_TEXT + 1);
	memset(text, '\n', PORTOWN_MAX_TEXT + 1);

	p = portown_test_try_parse(test, text, PORTOWN_MAX_TEXT + 1, &perr);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), -E2BIG);
	KUNIT_EXPECT_EQ(test, perr.line, 0);
	KUNIT_EXPECT_NOT_NULL(test, perr.reason);

	p = portown_test_try_parse(test, text, PORTOWN_MAX_TEXT, &perr);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, p->nrules, 0);
}

/* 65536 rules load; one more is E2BIG. */
static void portown_test_rule_limit(struct kunit *test)
{
	const size_t line = sizeof("udp 65536 uid 0\n") - 1;
	struct portown_parse_error perr;
	struct portown_policy *p;
	size_t len = 0;
	char *text;
	u32 i;

	text = portown_test_vmalloc(test, (PORTOWN_MAX_RULES + 1) * line + 1);
	for (i = 0; i < PORTOWN_MAX_RULES; i++)
		len += sprintf(text + len, "udp %u uid %u\n", i % 65535 + 1,
			       i / 65535);

	p = portown_test_try_parse(test, text, len, &perr);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, p->nrules, PORTOWN_MAX_RULES);
	/* Every port owned; two owner sets: [1] {0, 1}, [2-65535] {0}. */
	KUNIT_EXPECT_EQ(test, p->nindex, 65535);
	KUNIT_EXPECT_EQ(test, p->nids, (2 + 2) + (2 + 1));

	len += sprintf(text + len, "tcp 1 uid 9\n");
	p = portown_test_try_parse(test, text, len, &perr);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), -E2BIG);
	KUNIT_EXPECT_EQ(test, perr.line, PORTOWN_MAX_RULES + 1);
}

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
 * A policy big enough for the counting sort, with many rules on a few
 * ports and duplicates: the rules come out strictly ascending, and the
 * canonical text reads back to itself.
 */
static void portown_test_big_sort(struct kunit *test)
{
	static const char *const protos[] = { "tcp", "udp", "sctp", "dccp" };
	struct portown_policy *p, *q;
	size_t len = 0, size = 12000 * 40;
	char *text = portown_test_vmalloc(test, size);
	u32 i, x = 12345;

	for (i = 0; i < 12000; i++) {
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
		const u32 *set;

		set = portown_policy_owners(p, c->proto, c->port);
		if (!c->owned) {
			KUNIT_EXPECT_NULL_MSG(test, set, "%s %u",
					      portown_proto_name(c->proto),
					      c->port);
			continue;
		}
		KUNIT_ASSERT_NOT_NULL_MSG(test, set, "%s %u",
					  portown_proto_name(c->proto), c->port);
		KUNIT_EXPECT_EQ_MSG(test, set[0], c->nuids, "port %u", c->port);
		KUNIT_EXPECT_EQ_MSG(test, set[1], c->ngids, "port %u", c->port);
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
static bool portown_test_set_matches(const u32 *set,
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
	if (!set || set[0] != nwant[0] || set[1] != nwant[1])
		return false;
	for (sub = 0; sub < 2; sub++) {
		const u32 *ids = set + 2 + (sub ? set[0] : 0);

		for (i = 0; i < nwant[sub]; i++) {
			for (k = 0; k < set[sub] && ids[k] != want[sub][i]; k++)
				;
			if (k == set[sub])
				return false;
		}
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

	/* The hook's first test: owned in some protocol, or in none. */
	for (port = 0; port < 65536; port++) {
		bool any = false;

		for (proto = 0; proto < PORTOWN_NPROTO; proto++)
			any |= !!portown_policy_owners(p, proto, port);
		if (any != test_bit(port, p->owned_any) && bad++ < 5)
			KUNIT_FAIL(test, "port %u: owned_any is %d", port, !any);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* Owners: euid, egid or a supplementary group; union of rules. */
static void portown_test_owner(struct kunit *test)
{
	struct portown_policy *p;
	struct group_info *gi;
	struct cred cred = {};
	const u32 *r80, *r81, *r82;

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

	KUNIT_EXPECT_TRUE(test, portown_owner_in(r80, &cred));
	KUNIT_EXPECT_TRUE(test, portown_owner_in(r81, &cred));
	KUNIT_EXPECT_FALSE(test, portown_owner_in(r82, &cred));

	cred.euid = KUIDT_INIT(1001);
	KUNIT_EXPECT_FALSE(test, portown_owner_in(r80, &cred));
	cred.egid = KGIDT_INIT(300);
	KUNIT_EXPECT_TRUE(test, portown_owner_in(r80, &cred));
	cred.egid = KGIDT_INIT(1000);
	gi->gid[0] = KGIDT_INIT(100);
	gi->gid[1] = KGIDT_INIT(300);
	KUNIT_EXPECT_TRUE(test, portown_owner_in(r80, &cred));
	KUNIT_EXPECT_FALSE(test, portown_owner_in(r81, &cred));
}

/* Ids are read in the writer's namespace and stored as kernel ids. */
static void portown_test_settings(struct kunit *test)
{
	struct portown_policy *p;

	p = portown_test_parse(test, "");
	KUNIT_EXPECT_EQ(test, p->reserved, 1024);
	KUNIT_EXPECT_FALSE(test, p->strict);
	KUNIT_EXPECT_EQ(test, p->nrules, 0);
	KUNIT_EXPECT_NULL(test, portown_policy_owners(p, PORTOWN_TCP, 80));

	p = portown_test_parse(test, "reserved 0\nstrict\n");
	KUNIT_EXPECT_EQ(test, p->reserved, 0);
	KUNIT_EXPECT_TRUE(test, p->strict);
}

static struct kunit_case portown_policy_test_cases[] = {
	KUNIT_CASE_PARAM(portown_test_parse_good, portown_good_gen_params),
	KUNIT_CASE_PARAM(portown_test_parse_bad, portown_bad_gen_params),
	KUNIT_CASE(portown_test_text_limit),
	KUNIT_CASE(portown_test_rule_limit),
	KUNIT_CASE(portown_test_owner_limit),
	KUNIT_CASE(portown_test_big_sort),
	KUNIT_CASE(portown_test_lookup),
	KUNIT_CASE(portown_test_lookup_model),
	KUNIT_CASE(portown_test_owner),
	KUNIT_CASE(portown_test_settings),
	{}
};

static struct kunit_suite portown_policy_test_suite = {
	.name = "portown_policy",
	.test_cases = portown_policy_test_cases,
};

kunit_test_suite(portown_policy_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of the portown policy engine");
