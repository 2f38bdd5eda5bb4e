/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - what the KUnit tests of the policy share: policies parsed for
 * a test, freed when it ends, and their canonical text
 */

#ifndef _SECURITY_PORTOWN_POLICY_TEST_H
#define _SECURITY_PORTOWN_POLICY_TEST_H

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "policy.h"

static inline void portown_test_free_policy(void *p)
{
	portown_policy_free(p);
}

static inline void portown_test_vfree(void *p)
{
	vfree(p);
}

static inline void portown_test_put_groups(void *p)
{
	struct group_info *gi = p;

	put_group_info(gi);
}

/* A vmalloc()ed buffer of @size bytes, freed when the test ends. */
static inline char *portown_test_vmalloc(struct kunit *test, size_t size)
{
	char *buf = vmalloc(size);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, portown_test_vfree, buf));
	return buf;
}

/* Canonical text of @p, in a buffer the test owns. */
static inline char *portown_test_show(struct kunit *test,
				      const struct portown_policy *p)
{
	struct seq_file m = { .size = portown_policy_text_size(p) + 1 };

	m.buf = portown_test_vmalloc(test, m.size);
	portown_policy_show(&m, p, &init_user_ns);
	KUNIT_ASSERT_LT(test, m.count, m.size);
	m.buf[m.count] = '\0';
	return m.buf;
}

/*
 * A parsed policy of @len bytes of @text, or the error; a policy is freed
 * when the test ends, even when an assertion stops it early.
 */
static inline struct portown_policy *
portown_test_try_parse(struct kunit *test, const char *text, size_t len,
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

static inline struct portown_policy *portown_test_parse(struct kunit *test,
							const char *text)
{
	struct portown_parse_error perr;
	struct portown_policy *p;

	p = portown_test_try_parse(test, text, strlen(text), &perr);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(p), "line %u: %s", perr.line,
			       perr.reason);
	return p;
}

#endif /* _SECURITY_PORTOWN_POLICY_TEST_H */
