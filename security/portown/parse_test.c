// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - KUnit tests of the policy language: what parses, to which
 * canonical text, and what is refused, with which errno, line and reason
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/string.h>

#include "policy.h"
#include "policy_test.h"

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
	{ "more leading zeros than a u64 has digits",
	  "tcp 0000000000000000000000080 uid 000000000000000000000033",
	  "reserved 1024\ntcp 80 uid 33\n" },
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
	const char *reason;
};

/* The reasons, as the kernel log and the audit record give them. */
#define REASON_PORT0	"port 0 cannot be owned"
#define REASON_RANGE	"port out of range 1-65535"
#define REASON_REVERSED	"port range ends before it starts"
#define REASON_PORT	"invalid port: expected N or N-M"
#define REASON_RULE	"expected: PROTOCOL PORT[-PORT] uid|gid ID"
#define REASON_FIELDS	"too many fields"
#define REASON_ID	"invalid id: expected a number"
#define REASON_SUBJECT	"expected uid or gid"
#define REASON_KEYWORD	"unknown keyword (tcp, udp, sctp, dccp, reserved, strict)"
#define REASON_RESERVED	"expected: reserved PORT"
#define REASON_RESERVED_PORT	"reserved needs a port from 0 to 65535"
#define REASON_RESERVED_TWICE	"reserved given twice"
#define REASON_STRICT	"strict takes no value"
#define REASON_STRICT_TWICE	"strict given twice"
#define REASON_CHAR	"unexpected character"
#define REASON_NUL	"NUL byte in policy"

static const struct portown_bad_case portown_bad_cases[] = {
	{ "port 0", "tcp 0 uid 1", 0, -EINVAL, 1, REASON_PORT0 },
	{ "port 65536", "tcp 65536 uid 1", 0, -EINVAL, 1, REASON_RANGE },
	{ "port that wraps to 80 in 16 bits", "tcp 65616 uid 1", 0, -EINVAL, 1, REASON_RANGE },
	{ "huge port", "tcp 99999999999999999999 uid 1", 0, -EINVAL, 1, REASON_RANGE },
	{ "reversed range", "tcp 100-99 uid 1", 0, -EINVAL, 1, REASON_REVERSED },
	{ "range from 0", "tcp 0-10 uid 1", 0, -EINVAL, 1, REASON_PORT0 },
	{ "open range", "tcp 80- uid 1", 0, -EINVAL, 1, REASON_PORT },
	{ "negative port", "tcp -80 uid 1", 0, -EINVAL, 1, REASON_PORT },
	{ "three ports", "tcp 80-90-100 uid 1", 0, -EINVAL, 1, REASON_PORT },
	{ "plus sign", "tcp +80 uid 1", 0, -EINVAL, 1, REASON_PORT },
	{ "hex port", "tcp 0x50 uid 1", 0, -EINVAL, 1, REASON_PORT },
	{ "service name", "tcp http uid 1", 0, -EINVAL, 1, REASON_PORT },
	{ "missing id", "tcp 80 uid", 0, -EINVAL, 1, REASON_RULE },
	{ "missing subject", "tcp 80", 0, -EINVAL, 1, REASON_RULE },
	{ "extra field", "tcp 80 uid 1 2", 0, -EINVAL, 1, REASON_FIELDS },
	{ "user name", "tcp 80 uid www-data", 0, -EINVAL, 1, REASON_ID },
	{ "bad subject", "tcp 80 user 1", 0, -EINVAL, 1, REASON_SUBJECT },
	{ "negative id", "tcp 80 uid -1", 0, -EINVAL, 1, REASON_ID },
	{ "invalid id", "tcp 80 gid 4294967295", 0, -EINVAL, 1, REASON_ID },
	{ "id over 32 bits", "tcp 80 uid 4294967296", 0, -EINVAL, 1, REASON_ID },
	{ "upper case", "TCP 80 uid 1", 0, -EINVAL, 1, REASON_KEYWORD },
	{ "unknown protocol", "icmp 80 uid 1", 0, -EINVAL, 1, REASON_KEYWORD },
	{ "udplite is udp", "udplite 80 uid 1", 0, -EINVAL, 1, REASON_KEYWORD },
	{ "reserved without value", "reserved", 0, -EINVAL, 1, REASON_RESERVED },
	{ "reserved too big", "reserved 65536", 0, -EINVAL, 1, REASON_RESERVED_PORT },
	{ "reserved two values", "reserved 1 2", 0, -EINVAL, 1, REASON_RESERVED },
	{ "reserved twice", "reserved 1024\nreserved 1024", 0, -EINVAL, 2, REASON_RESERVED_TWICE },
	{ "strict with value", "strict 1", 0, -EINVAL, 1, REASON_STRICT },
	{ "strict twice", "strict\nstrict", 0, -EINVAL, 2, REASON_STRICT_TWICE },
	{ "carriage return", "tcp 80 uid 1\r\n", 0, -EINVAL, 1, REASON_CHAR },
	{ "NUL byte", "tcp 80 uid 1\0tcp 81 uid 1", 25, -EINVAL, 1, REASON_NUL },
	{ "NUL in comment", "# a\0b\n", 6, -EINVAL, 1, REASON_NUL },
	{ "NUL in comment after a rule", "tcp 80 uid 1 # a\0b\n", 19, -EINVAL, 1, REASON_NUL },
	{ "usual line, then garbage", "tcp 80 uid 1x\n", 0, -EINVAL, 1, REASON_ID },
	{ "usual line, port 0", "tcp 0-5 uid 1\n", 0, -EINVAL, 1, REASON_PORT0 },
	{ "usual line, reversed", "udp 9-8 gid 1\n", 0, -EINVAL, 1, REASON_REVERSED },
	{ "usual line, id too big", "udp 9 gid 4294967295\n", 0, -EINVAL, 1, REASON_ID },
	{ "error on line 4", "tcp 80 uid 1\n\n# c\nbogus\ntcp 81 uid 1\n", 0,
	  -EINVAL, 4, REASON_KEYWORD },
	{ "range ends in garbage", "tcp 80-90x uid 1", 0, -EINVAL, 1, REASON_PORT },
	{ "range starts out of range", "tcp 99999-1 uid 1", 0, -EINVAL, 1,
	  REASON_RANGE },
	{ "out of range, then garbage", "tcp 99999x uid 1", 0, -EINVAL, 1,
	  REASON_RANGE },
	{ "id of 25 digits", "tcp 80 uid 1000000000000000000000000", 0, -EINVAL,
	  1, REASON_ID },
	{ "too many fields, then a bad character", "tcp 80 uid 1 2\r", 0,
	  -EINVAL, 1, REASON_CHAR },
	{ "a field right before a comment", "tcp#80 uid 1\n", 0, -EINVAL, 1,
	  REASON_RULE },
	/* Once end-to-end through securityfs, now here. */
	{ "mptcp is tcp", "mptcp 80 uid 1\n", 0, -EINVAL, 1, REASON_KEYWORD },
	{ "the boot parameter's form", "tcp:80:uid:1\n", 0, -EINVAL, 1,
	  REASON_KEYWORD },
	{ "protocol alone", "tcp\n", 0, -EINVAL, 1, REASON_RULE },
	{ "port 0 with leading zeros", "tcp 000 uid 1\n", 0, -EINVAL, 1,
	  REASON_PORT0 },
	{ "port that wraps to 80 in 32 bits", "tcp 4294967376 uid 1\n", 0,
	  -EINVAL, 1, REASON_RANGE },
	{ "port with a suffix", "tcp 80a uid 1\n", 0, -EINVAL, 1, REASON_PORT },
	{ "range ends out of range", "tcp 80-65536 uid 1\n", 0, -EINVAL, 1,
	  REASON_RANGE },
	{ "blanks inside a range", "tcp 80 - 90 uid 1\n", 0, -EINVAL, 1,
	  REASON_FIELDS },
	{ "hex id", "tcp 80 gid 0x21\n", 0, -EINVAL, 1, REASON_ID },
	{ "negative reserved", "reserved -1\n", 0, -EINVAL, 1,
	  REASON_RESERVED_PORT },
	{ "NUL after the last newline", "tcp 80 uid 1\n\0", 14, -EINVAL, 2,
	  REASON_NUL },
	{ "reserved with two values", "reserved 1024 2048", 0, -EINVAL, 1,
	  REASON_RESERVED },
	{ "reserved twice, different values", "reserved 1024\nreserved 2048\n",
	  0, -EINVAL, 2, REASON_RESERVED_TWICE },
	{ "good line before bad", "tcp 8080 uid 1\nbogus\n", 0, -EINVAL, 2,
	  REASON_KEYWORD },
	{ "good line after bad", "tcp 81 uid 1\ntcp 80 uid\n", 0, -EINVAL, 2, REASON_RULE },
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
	KUNIT_EXPECT_STREQ(test, perr.reason, c->reason);
}

/* Text over 2 MiB is refused before it is read. */
static void portown_test_text_limit(struct kunit *test)
{
	struct portown_parse_error perr;
	struct portown_policy *p;
	char *text;

	/* Texts are followed by a NUL byte, as the parser wants. */
	text = portown_test_vmalloc(test, PORTOWN_MAX_TEXT + 2);
	memset(text, '\n', PORTOWN_MAX_TEXT + 1);
	text[PORTOWN_MAX_TEXT + 1] = '\0';

	p = portown_test_try_parse(test, text, PORTOWN_MAX_TEXT + 1, &perr);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), -E2BIG);
	KUNIT_EXPECT_EQ(test, perr.line, 0);
	KUNIT_EXPECT_STREQ(test, perr.reason, "policy larger than 2 MiB");

	text[PORTOWN_MAX_TEXT] = '\0';
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

static struct kunit_case portown_parse_test_cases[] = {
	KUNIT_CASE_PARAM(portown_test_parse_good, portown_good_gen_params),
	KUNIT_CASE_PARAM(portown_test_parse_bad, portown_bad_gen_params),
	KUNIT_CASE(portown_test_text_limit),
	KUNIT_CASE(portown_test_rule_limit),
	KUNIT_CASE(portown_test_settings),
	{}
};

static struct kunit_suite portown_parse_test_suite = {
	.name = "portown_parse",
	.test_cases = portown_parse_test_cases,
};

kunit_test_suite(portown_parse_test_suite);
