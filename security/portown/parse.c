// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - the policy language
 *
 * A policy text is one item a line: "reserved N", "strict", or
 * "PROTOCOL PORT[-PORT] uid|gid ID"; blanks separate fields and "#" starts
 * a comment. The text is read in one pass, a line at a time, into a list
 * of rules and the settings; table.c builds the lookup table from them.
 * Big policies are tens of thousands of rule lines, so a field's leading
 * digits are read as it is scanned, and a number is not read twice.
 */

#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "policy.h"

#define PORTOWN_MAX_FIELDS	4

/* Sizes follow the writer's policy: a failure is its ENOMEM, no warning. */
#define PORTOWN_GFP		(GFP_KERNEL | __GFP_NOWARN)

/*
 * One blank-separated field of a line, with the number of its leading
 * decimal digits and their value, saturated above U32_MAX.
 */
struct portown_field {
	const char *s;
	u32 len;
	u32 ndigits;
	u64 val;
};

/*
 * Character classes: a field is made of printable characters other than
 * "#" (as isgraph() has them: ASCII and Latin-1), fields are separated by
 * blanks, and a field ends at a blank, a newline or "#".
 */
#define PORTOWN_DIGIT	BIT(0)
#define PORTOWN_WORD	BIT(1)
#define PORTOWN_BLANK	BIT(2)
#define PORTOWN_STOP	BIT(3)

static const u8 portown_class[256] = {
	['\t'] = PORTOWN_BLANK,
	['\n'] = PORTOWN_STOP,
	[' '] = PORTOWN_BLANK,
	['!' ... '"'] = PORTOWN_WORD,
	['#'] = PORTOWN_STOP,
	['$' ... '/'] = PORTOWN_WORD,
	['0' ... '9'] = PORTOWN_WORD | PORTOWN_DIGIT,
	[':' ... '~'] = PORTOWN_WORD,
	[0xa1 ... 0xff] = PORTOWN_WORD,
};

struct portown_parser {
	struct user_namespace *ns;
	struct portown_parse_error *perr;
	struct portown_rule *rules;
	u32 nrules;
	u32 maxrules;
	struct portown_settings set;
	bool reserved_set;
};

static int portown_fail(struct portown_parser *ps, const char *reason)
{
	ps->perr->reason = reason;
	return -EINVAL;
}

/* Out of memory is no fault of any line. */
static void portown_fail_nomem(struct portown_parse_error *perr)
{
	perr->line = 0;
	perr->reason = "out of memory";
}

/*
 * A number of @len bytes at @s: decimal digits only, no sign, no base
 * prefix, at most @max. -ERANGE when it passes @max before any character
 * that is not a digit, -EINVAL for that character or for nothing at all.
 */
static int portown_num(const char *s, size_t len, u32 max, u32 *val)
{
	u64 v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (!isdigit(s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return -ERANGE;
	}
	*val = v;
	return 0;
}

/* portown_num() of a whole field, from the digits read as it was scanned. */
static int portown_field_num(const struct portown_field *f, u32 max, u32 *val)
{
	if (f->val > max)
		return -ERANGE;
	if (f->ndigits != f->len || !f->len)
		return -EINVAL;
	*val = f->val;
	return 0;
}

/*
 * "N" or "N-M". A field whose first character that is not a digit is
 * anything but the dash of a range is no number, whatever follows.
 */
static int portown_parse_ports(struct portown_parser *ps,
			       const struct portown_field *f,
			       u16 *first, u16 *last)
{
	const char *dash = f->s + f->ndigits;
	u32 a, b;
	int err;

	if (f->ndigits == f->len || *dash != '-') {
		err = portown_field_num(f, PORTOWN_NPORTS - 1, &a);
		b = a;
	} else {
		err = portown_num(f->s, f->ndigits, PORTOWN_NPORTS - 1, &a);
		if (!err)
			err = portown_num(dash + 1, f->len - f->ndigits - 1,
					  PORTOWN_NPORTS - 1, &b);
	}
	if (err == -ERANGE)
		return portown_fail(ps, "port out of range 1-65535");
	if (err)
		return portown_fail(ps, "invalid port: expected N or N-M");
	if (!a)
		return portown_fail(ps, "port 0 cannot be owned");
	if (a > b)
		return portown_fail(ps, "port range ends before it starts");
	*first = a;
	*last = b;
	return 0;
}

/* @id of @subject, read in the writer's user namespace, as a kernel id. */
static int portown_map_id(struct portown_parser *ps, int subject, u32 *id)
{
	/* The initial namespace maps every valid id to itself. */
	if (ps->ns == &init_user_ns)
		return 0;
	if (subject == PORTOWN_UID) {
		kuid_t kuid = make_kuid(ps->ns, *id);

		if (!uid_valid(kuid))
			return portown_fail(ps, "uid not mapped in the writer's user namespace");
		*id = __kuid_val(kuid);
	} else {
		kgid_t kgid = make_kgid(ps->ns, *id);

		if (!gid_valid(kgid))
			return portown_fail(ps, "gid not mapped in the writer's user namespace");
		*id = __kgid_val(kgid);
	}
	return 0;
}

static int portown_parse_rule(struct portown_parser *ps, u8 proto,
			      const struct portown_field *f, int nfields)
{
	struct portown_rule *rule;
	u32 id;
	int err;

	if (nfields != 4)
		return portown_fail(ps, "expected: PROTOCOL PORT[-PORT] uid|gid ID");
	if (ps->nrules == ps->maxrules) {
		ps->perr->reason = "more than 65536 rules";
		return -E2BIG;
	}
	rule = &ps->rules[ps->nrules];
	rule->proto = proto;
	err = portown_parse_ports(ps, &f[1], &rule->first, &rule->last);
	if (err)
		return err;

	/* (u32)-1 is the invalid id; it can never name an owner. */
	if (portown_field_num(&f[3], U32_MAX - 1, &id))
		return portown_fail(ps, "invalid id: expected a number");
	if (f[2].len != 3 || (f[2].s[0] != 'u' && f[2].s[0] != 'g') ||
	    f[2].s[1] != 'i' || f[2].s[2] != 'd')
		return portown_fail(ps, "expected uid or gid");
	rule->subject = f[2].s[0] == 'u' ? PORTOWN_UID : PORTOWN_GID;
	err = portown_map_id(ps, rule->subject, &id);
	if (err)
		return err;
	rule->id = id;
	ps->nrules++;
	return 0;
}

/* The protocol a keyword names, or -1: on every rule, so no memcmp(). */
static int portown_parse_proto(const struct portown_field *f)
{
	const char *s = f->s;

	if (f->len == 3 && s[1] == 'd' && s[2] == 'p' && s[0] == 'u')
		return PORTOWN_UDP;
	if (f->len == 3 && s[0] == 't' && s[1] == 'c' && s[2] == 'p')
		return PORTOWN_TCP;
	if (f->len == 4 && s[1] == 'c' && s[2] == 't' && s[3] == 'p' &&
	    s[0] == 's')
		return PORTOWN_SCTP;
	if (f->len == 4 && s[0] == 'd' && s[1] == 'c' && s[2] == 'c' &&
	    s[3] == 'p')
		return PORTOWN_DCCP;
	return -1;
}

static bool portown_field_is(const struct portown_field *f, const char *word)
{
	return f->len == strlen(word) && !memcmp(f->s, word, f->len);
}

static int portown_parse_item(struct portown_parser *ps,
			      const struct portown_field *f, int nfields)
{
	int proto = portown_parse_proto(&f[0]);
	u32 reserved;

	if (proto >= 0)
		return portown_parse_rule(ps, proto, f, nfields);
	if (portown_field_is(&f[0], "reserved")) {
		if (nfields != 2)
			return portown_fail(ps, "expected: reserved PORT");
		if (ps->reserved_set)
			return portown_fail(ps, "reserved given twice");
		if (portown_field_num(&f[1], PORTOWN_NPORTS - 1, &reserved))
			return portown_fail(ps, "reserved needs a port from 0 to 65535");
		ps->set.reserved = reserved;
		ps->reserved_set = true;
		return 0;
	}
	if (portown_field_is(&f[0], "strict")) {
		if (nfields != 1)
			return portown_fail(ps, "strict takes no value");
		if (ps->set.strict)
			return portown_fail(ps, "strict given twice");
		ps->set.strict = true;
		return 0;
	}
	return portown_fail(ps, "unknown keyword (tcp, udp, sctp, dccp, reserved, strict)");
}

/*
 * The value of @n decimal digits at @s, saturated above U32_MAX: a number
 * of more digits than a u64 holds, most likely with leading zeros.
 */
static u64 portown_long_num(const char *s, size_t n)
{
	u64 v = 0;

	while (n--) {
		v = v * 10 + (*s++ - '0');
		if (v > U32_MAX)
			return (u64)U32_MAX + 1;
	}
	return v;
}

/*
 * Parse the line at @line, up to its newline or @end: fields are separated
 * by blanks, "#" starts a comment, a NUL byte or any other character that
 * is not printable is an error. Return the end of the line.
 *
 * A field's leading digits are read as it is scanned, and the class of the
 * character that ends it is the next loop's first: each character is
 * looked at once. The NUL byte after the text stops every loop.
 */
static const char *portown_parse_line(struct portown_parser *ps,
				      const char *line, const char *end,
				      int *err)
{
	/* One field more than a line may have, to say so. */
	struct portown_field f[PORTOWN_MAX_FIELDS + 1], *field = f;
	const char *p = line, *nl;
	u8 class = portown_class[(u8)*p];

	*err = 0;
	for (;;) {
		while (class & PORTOWN_BLANK)
			class = portown_class[(u8)*++p];
		if (!(class & PORTOWN_WORD))
			break;

		field->s = p;
		field->ndigits = 0;
		field->val = 0;
		if (class & PORTOWN_DIGIT) {
			unsigned long d, v = 0;

			while ((d = (unsigned long)(u8)*p - '0') <= 9) {
				v = v * 10 + d;
				p++;
			}
			field->ndigits = p - field->s;
			/* 19 digits always fit in 64 bits. */
			field->val = likely(field->ndigits <= 19) ? v :
				portown_long_num(field->s, field->ndigits);
		}
		while ((class = portown_class[(u8)*p]) & PORTOWN_WORD)
			p++;
		field->len = p - field->s;

		if (field == &f[PORTOWN_MAX_FIELDS]) {
			if ((class & (PORTOWN_BLANK | PORTOWN_STOP)) || p == end)
				*err = portown_fail(ps, "too many fields");
			break;
		}
		field++;
	}
	if (*err)
		return p;

	/* The end of the line, a comment, or a character of no field. */
	if (*p != '\n' && p != end) {
		if (*p != '#') {
			*err = portown_fail(ps, *p ? "unexpected character" :
						     "NUL byte in policy");
			return p;
		}
		nl = memchr(p, '\n', end - p) ?: end;
		if (memchr(p, '\0', nl - p)) {
			*err = portown_fail(ps, "NUL byte in policy");
			return nl;
		}
		p = nl;
	}
	if (field != f)
		*err = portown_parse_item(ps, f, field - f);
	return p;
}

/**
 * portown_policy_parse - parse a whole policy text
 * @text: the policy, followed by a NUL byte (it may hold others, which
 *	  are errors): the scanner stops at it instead of testing for the end
 *	  at every character
 * @len: its length in bytes, without that NUL
 * @ns: user namespace the uids and gids of @text are read in
 * @perr: on failure, the line and reason (for the kernel log and audit)
 *
 * Return: a new, unpublished policy, or ERR_PTR(-EINVAL) for any syntax
 * error or unmapped id, ERR_PTR(-E2BIG) when over a size limit, or
 * ERR_PTR(-ENOMEM). On error, @perr always has a reason; its line is 0
 * when the error is not that of one line.
 */
struct portown_policy *portown_policy_parse(const char *text, size_t len,
					    struct user_namespace *ns,
					    struct portown_parse_error *perr)
{
	struct portown_parser ps = {
		.ns = ns,
		.perr = perr,
		.set.reserved = PORTOWN_STOCK_BOUNDARY,
	};
	struct portown_policy *p;
	const char *end = text + len;
	int err = 0;

	perr->line = 0;
	perr->reason = NULL;
	if (len > PORTOWN_MAX_TEXT) {
		perr->reason = "policy larger than 2 MiB";
		return ERR_PTR(-E2BIG);
	}
	if (WARN_ON_ONCE(text[len])) {
		perr->reason = "policy text not terminated";
		return ERR_PTR(-EINVAL);
	}

	/* The shortest rule, "tcp 1 uid 0", and its newline take 12 bytes. */
	ps.maxrules = min_t(size_t, (len + 1) / 12 + 1, PORTOWN_MAX_RULES);
	ps.rules = kvmalloc_array(ps.maxrules, sizeof(*ps.rules), PORTOWN_GFP);
	if (!ps.rules) {
		portown_fail_nomem(perr);
		return ERR_PTR(-ENOMEM);
	}

	while (text < end) {
		perr->line++;
		text = portown_parse_line(&ps, text, end, &err);
		if (err)
			break;
		text++;		/* past the newline */
	}

	p = err ? ERR_PTR(err) :
		  portown_policy_build(ps.rules, ps.nrules, &ps.set, perr);
	kvfree(ps.rules);
	return p;
}
