// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - policy parser, lookup table and canonical policy text
 *
 * A policy text is parsed whole into a sorted, de-duplicated rule list.
 * From it, the rules of each protocol are cut at every range boundary
 * into disjoint port ranges, each with the sorted set of its owners, so
 * that a bind is decided by two binary searches and never walks rules.
 */

#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "policy.h"

#define PORTOWN_NPORTS		65536
#define PORTOWN_MAX_FIELDS	4

static const char *const portown_proto_names[PORTOWN_NPROTO] = {
	[PORTOWN_TCP] = "tcp",
	[PORTOWN_UDP] = "udp",
	[PORTOWN_SCTP] = "sctp",
	[PORTOWN_DCCP] = "dccp",
};

/**
 * portown_proto_name - name of a port space in the policy language
 * @proto: the port space
 *
 * Return: "tcp", "udp", "sctp" or "dccp".
 */
const char *portown_proto_name(enum portown_proto proto)
{
	return portown_proto_names[proto];
}

struct portown_field {
	const char *s;
	size_t len;
};

struct portown_parser {
	struct user_namespace *ns;
	struct portown_parse_error *perr;
	struct portown_rule *rules;
	u32 nrules;
	u32 maxrules;
	u32 reserved;
	bool reserved_set;
	bool strict;
};

static bool portown_field_is(const struct portown_field *f, const char *word)
{
	return f->len == strlen(word) && !memcmp(f->s, word, f->len);
}

/* Decimal digits only: no sign, no base prefix, no blanks. */
static int portown_parse_num(const char *s, size_t len, u32 max, u32 *val)
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

/* Out of memory is no fault of any line. */
static void portown_fail_nomem(struct portown_parse_error *perr)
{
	perr->line = 0;
	perr->reason = "out of memory";
}

static int portown_fail(struct portown_parser *ps, const char *reason)
{
	ps->perr->reason = reason;
	return -EINVAL;
}

static int portown_parse_ports(struct portown_parser *ps,
			       const struct portown_field *f,
			       u16 *first, u16 *last)
{
	const char *dash = memchr(f->s, '-', f->len);
	size_t flen = dash ? dash - f->s : f->len;
	u32 a, b;
	int err;

	err = portown_parse_num(f->s, flen, PORTOWN_NPORTS - 1, &a);
	if (!err && dash)
		err = portown_parse_num(dash + 1, f->len - flen - 1,
					PORTOWN_NPORTS - 1, &b);
	else
		b = a;
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
	if (portown_parse_num(f[3].s, f[3].len, U32_MAX - 1, &id))
		return portown_fail(ps, "invalid id: expected a number");
	if (portown_field_is(&f[2], "uid")) {
		kuid_t kuid = make_kuid(ps->ns, id);

		if (!uid_valid(kuid))
			return portown_fail(ps, "uid not mapped in the writer's user namespace");
		rule->subject = PORTOWN_UID;
		rule->id = __kuid_val(kuid);
	} else if (portown_field_is(&f[2], "gid")) {
		kgid_t kgid = make_kgid(ps->ns, id);

		if (!gid_valid(kgid))
			return portown_fail(ps, "gid not mapped in the writer's user namespace");
		rule->subject = PORTOWN_GID;
		rule->id = __kgid_val(kgid);
	} else {
		return portown_fail(ps, "expected uid or gid");
	}
	ps->nrules++;
	return 0;
}

static int portown_parse_item(struct portown_parser *ps,
			      const struct portown_field *f, int nfields)
{
	u8 proto;

	if (portown_field_is(&f[0], "reserved")) {
		if (nfields != 2)
			return portown_fail(ps, "expected: reserved PORT");
		if (ps->reserved_set)
			return portown_fail(ps, "reserved given twice");
		if (portown_parse_num(f[1].s, f[1].len, PORTOWN_NPORTS - 1,
				      &ps->reserved))
			return portown_fail(ps, "reserved needs a port from 0 to 65535");
		ps->reserved_set = true;
		return 0;
	}
	if (portown_field_is(&f[0], "strict")) {
		if (nfields != 1)
			return portown_fail(ps, "strict takes no value");
		if (ps->strict)
			return portown_fail(ps, "strict given twice");
		ps->strict = true;
		return 0;
	}
	for (proto = 0; proto < PORTOWN_NPROTO; proto++)
		if (portown_field_is(&f[0], portown_proto_names[proto]))
			return portown_parse_rule(ps, proto, f, nfields);
	return portown_fail(ps, "unknown keyword (tcp, udp, sctp, dccp, reserved, strict)");
}

static int portown_parse_line(struct portown_parser *ps, const char *line,
			      size_t len)
{
	struct portown_field f[PORTOWN_MAX_FIELDS];
	const char *end = line + len;
	const char *comment;
	int nfields = 0;

	if (memchr(line, '\0', len))
		return portown_fail(ps, "NUL byte in policy");
	comment = memchr(line, '#', len);
	if (comment)
		end = comment;

	while (line < end) {
		const char *start;

		if (*line == ' ' || *line == '\t') {
			line++;
			continue;
		}
		start = line;
		while (line < end && *line != ' ' && *line != '\t') {
			if (!isgraph(*line))
				return portown_fail(ps, "unexpected character");
			line++;
		}
		if (nfields == PORTOWN_MAX_FIELDS)
			return portown_fail(ps, "too many fields");
		f[nfields].s = start;
		f[nfields].len = line - start;
		nfields++;
	}
	if (!nfields)
		return 0;
	return portown_parse_item(ps, f, nfields);
}

static int portown_rule_cmp(const void *a, const void *b)
{
	const struct portown_rule *x = a, *y = b;

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

static int portown_u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static int portown_boundary_cmp(const void *a, const void *b)
{
	return portown_u32_cmp(a, b);
}

/* Sort and de-duplicate @n ids in place; return how many are left. */
static u32 portown_sort_ids(u32 *ids, u32 n)
{
	u32 i, k;

	if (!n)
		return 0;
	sort(ids, n, sizeof(*ids), portown_u32_cmp, NULL);
	for (i = 1, k = 1; i < n; i++)
		if (ids[i] != ids[k - 1])
			ids[k++] = ids[i];
	return k;
}

/*
 * Upper bounds of the ranges and owner entries one protocol's rules need:
 * every stretch between two boundaries covered by at least one rule, and
 * one entry per rule covering it. Runs in O(n log n) whatever the overlap,
 * so a pathological policy is refused before anything big is built.
 */
static void portown_count(const struct portown_rule *r, u32 n, u32 *ends,
			  unsigned long *bounds, u32 *nranges, u64 *nids)
{
	u32 active = 0, si = 0, ei = 0, i;
	unsigned long x, next;

	for (i = 0; i < n; i++) {
		ends[i] = r[i].last + 1;
		__set_bit(r[i].first, bounds);
		__set_bit(ends[i], bounds);
	}
	sort(ends, n, sizeof(*ends), portown_boundary_cmp, NULL);

	for_each_set_bit(x, bounds, PORTOWN_NPORTS + 1) {
		while (si < n && r[si].first == x) {
			active++;
			si++;
		}
		while (ei < n && ends[ei] == x) {
			active--;
			ei++;
		}
		next = find_next_bit(bounds, PORTOWN_NPORTS + 1, x + 1);
		if (active && next <= PORTOWN_NPORTS) {
			(*nranges)++;
			*nids += active;
		}
	}
}

/*
 * Cut one protocol's rules (sorted by first port) into disjoint ranges
 * with their owner sets, merging neighbours that have the same owners.
 * @act is scratch space for @n rule indices; @bounds holds the boundaries.
 */
static void portown_split(struct portown_policy *p,
			  const struct portown_rule *r, u32 n, u32 *act,
			  const unsigned long *bounds)
{
	struct portown_range *prev = NULL;
	u32 nact = 0, si = 0, i, k;
	unsigned long x, next;

	for_each_set_bit(x, bounds, PORTOWN_NPORTS + 1) {
		struct portown_range *range = &p->ranges[p->nranges];
		u32 *ids = &p->ids[p->nids];
		u32 nuids = 0, ngids = 0;

		for (i = 0, k = 0; i < nact; i++)
			if (r[act[i]].last >= x)
				act[k++] = act[i];
		nact = k;
		while (si < n && r[si].first == x)
			act[nact++] = si++;
		next = find_next_bit(bounds, PORTOWN_NPORTS + 1, x + 1);
		if (!nact || next > PORTOWN_NPORTS)
			continue;

		for (i = 0; i < nact; i++)
			if (r[act[i]].subject == PORTOWN_UID)
				ids[nuids++] = r[act[i]].id;
		nuids = portown_sort_ids(ids, nuids);
		for (i = 0; i < nact; i++)
			if (r[act[i]].subject == PORTOWN_GID)
				ids[nuids + ngids++] = r[act[i]].id;
		ngids = portown_sort_ids(ids + nuids, ngids);

		if (prev && prev->last + 1 == x && prev->nuids == nuids &&
		    prev->ngids == ngids &&
		    !memcmp(&p->ids[prev->owners], ids,
			    (nuids + ngids) * sizeof(*ids))) {
			prev->last = next - 1;
			continue;
		}
		range->first = x;
		range->last = next - 1;
		range->owners = p->nids;
		range->nuids = nuids;
		range->ngids = ngids;
		p->nids += nuids + ngids;
		p->nranges++;
		prev = range;
	}
}

static struct portown_policy *portown_policy_build(struct portown_parser *ps)
{
	struct portown_rule *rules = ps->rules;
	struct portown_policy *p = NULL;
	unsigned long *bounds;
	u32 lo[PORTOWN_NPROTO + 1];
	u32 nrules = 0, nranges = 0, proto, i;
	u32 *scratch;
	u64 nids = 0;
	size_t size;

	/* Canonical order, exact duplicates dropped. */
	sort(rules, ps->nrules, sizeof(*rules), portown_rule_cmp, NULL);
	for (i = 0; i < ps->nrules; i++)
		if (!nrules || portown_rule_cmp(&rules[nrules - 1], &rules[i]))
			rules[nrules++] = rules[i];

	for (proto = 0, i = 0; proto < PORTOWN_NPROTO; proto++) {
		lo[proto] = i;
		while (i < nrules && rules[i].proto == proto)
			i++;
	}
	lo[PORTOWN_NPROTO] = nrules;

	bounds = bitmap_zalloc(PORTOWN_NPORTS + 1, GFP_KERNEL);
	scratch = kvmalloc_array(max(nrules, 1U), sizeof(*scratch), GFP_KERNEL);
	if (!bounds || !scratch)
		goto nomem;

	for (proto = 0; proto < PORTOWN_NPROTO; proto++) {
		portown_count(&rules[lo[proto]], lo[proto + 1] - lo[proto],
			      scratch, bounds, &nranges, &nids);
		bitmap_zero(bounds, PORTOWN_NPORTS + 1);
	}
	if (nids > PORTOWN_MAX_OWNERS) {
		ps->perr->line = 0;
		ps->perr->reason = "overlapping ranges expand beyond the owner table limit";
		p = ERR_PTR(-E2BIG);
		goto out;
	}

	size = sizeof(*p) + nrules * sizeof(*p->rules) +
	       nranges * sizeof(*p->ranges) + nids * sizeof(*p->ids);
	p = kvzalloc(size, GFP_KERNEL);
	if (!p)
		goto nomem;
	p->reserved = ps->reserved_set ? ps->reserved : PORTOWN_STOCK_BOUNDARY;
	p->strict = ps->strict;
	p->nrules = nrules;
	p->rules = (struct portown_rule *)(p + 1);
	p->ranges = (struct portown_range *)(p->rules + nrules);
	p->ids = (u32 *)(p->ranges + nranges);
	memcpy(p->rules, rules, nrules * sizeof(*rules));

	for (proto = 0; proto < PORTOWN_NPROTO; proto++) {
		u32 n = lo[proto + 1] - lo[proto];
		u32 k;

		p->proto_range[proto] = p->nranges;
		for (k = 0; k < n; k++)
			__set_bit(rules[lo[proto] + k].first, bounds);
		for (k = 0; k < n; k++)
			__set_bit(rules[lo[proto] + k].last + 1, bounds);
		portown_split(p, &rules[lo[proto]], n, scratch, bounds);
		bitmap_zero(bounds, PORTOWN_NPORTS + 1);
	}
	p->proto_range[PORTOWN_NPROTO] = p->nranges;
out:
	kvfree(scratch);
	bitmap_free(bounds);
	return p;

nomem:
	portown_fail_nomem(ps->perr);
	p = ERR_PTR(-ENOMEM);
	goto out;
}

/**
 * portown_policy_parse - parse a whole policy text
 * @text: the policy, not necessarily NUL-terminated
 * @len: its length in bytes
 * @ns: user namespace the uids and gids of @text are read in
 * @perr: on failure, the line and reason (for the kernel log and audit)
 *
 * The text is one item a line: "reserved N", "strict", or
 * "PROTOCOL PORT[-PORT] uid|gid ID"; "#" starts a comment.
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
	struct portown_parser ps = { .ns = ns, .perr = perr };
	struct portown_policy *p;
	const char *end = text + len;
	size_t nlines;
	int err = 0;

	perr->line = 0;
	perr->reason = NULL;
	if (len > PORTOWN_MAX_TEXT) {
		perr->reason = "policy larger than 2 MiB";
		return ERR_PTR(-E2BIG);
	}

	nlines = len ? 1 : 0;
	for (const char *c = text; c < end; c++)
		nlines += *c == '\n';
	ps.maxrules = min_t(size_t, nlines, PORTOWN_MAX_RULES);
	ps.rules = kvmalloc_array(max(ps.maxrules, 1U), sizeof(*ps.rules),
				  GFP_KERNEL);
	if (!ps.rules) {
		portown_fail_nomem(perr);
		return ERR_PTR(-ENOMEM);
	}

	while (text < end) {
		const char *nl = memchr(text, '\n', end - text);
		size_t llen = nl ? nl - text : end - text;

		perr->line++;
		err = portown_parse_line(&ps, text, llen);
		if (err)
			break;
		text += llen + 1;
	}

	p = err ? ERR_PTR(err) : portown_policy_build(&ps);
	kvfree(ps.rules);
	return p;
}

/**
 * portown_policy_free - free a policy that was never published
 * @policy: the policy, or NULL
 */
void portown_policy_free(struct portown_policy *policy)
{
	kvfree(policy);
}

/**
 * portown_policy_find - the owned range holding a port
 * @policy: the policy
 * @proto: the port space
 * @port: the port
 *
 * Return: the range of owners of @port, or NULL when nobody owns it.
 */
const struct portown_range *
portown_policy_find(const struct portown_policy *policy,
		    enum portown_proto proto, u16 port)
{
	u32 lo = policy->proto_range[proto];
	u32 hi = policy->proto_range[proto + 1];

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct portown_range *range = &policy->ranges[mid];

		if (port < range->first)
			hi = mid;
		else if (port > range->last)
			lo = mid + 1;
		else
			return range;
	}
	return NULL;
}

static bool portown_id_in(const u32 *ids, u32 n, u32 id)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (id < ids[mid])
			hi = mid;
		else if (id > ids[mid])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/**
 * portown_range_owner - whether credentials own a range
 * @policy: the policy @range belongs to
 * @range: an owned range
 * @cred: the credentials: effective uid, effective gid and supplementary
 *	  groups are considered
 *
 * Costs O(log n), plus the smaller of the range's and the credentials'
 * group counts times a logarithm.
 *
 * Return: true when a rule of @range names @cred's euid, egid or one of
 * its supplementary groups.
 */
bool portown_range_owner(const struct portown_policy *policy,
			 const struct portown_range *range,
			 const struct cred *cred)
{
	const u32 *uids = &policy->ids[range->owners];
	const u32 *gids = uids + range->nuids;
	const struct group_info *gi = cred->group_info;
	int i;

	if (portown_id_in(uids, range->nuids, __kuid_val(cred->euid)))
		return true;
	if (!range->ngids)
		return false;
	if (portown_id_in(gids, range->ngids, __kgid_val(cred->egid)))
		return true;
	if (gi->ngroups < range->ngids) {
		for (i = 0; i < gi->ngroups; i++)
			if (portown_id_in(gids, range->ngids,
					  __kgid_val(gi->gid[i])))
				return true;
	} else {
		for (i = 0; i < range->ngids; i++)
			if (groups_search(gi, KGIDT_INIT(gids[i])))
				return true;
	}
	return false;
}

/**
 * portown_policy_show - write a policy in canonical form
 * @m: where to write
 * @policy: the policy
 * @ns: user namespace to show the ids in (unmapped ids show as the
 *	overflow id)
 *
 * Settings come first, then the rules sorted by protocol, port range,
 * subject and id. Writing the output back yields the same policy.
 */
void portown_policy_show(struct seq_file *m,
			 const struct portown_policy *policy,
			 struct user_namespace *ns)
{
	u32 i;

	seq_printf(m, "reserved %u\n", policy->reserved);
	if (policy->strict)
		seq_puts(m, "strict\n");
	for (i = 0; i < policy->nrules; i++) {
		const struct portown_rule *r = &policy->rules[i];

		seq_printf(m, "%s %u", portown_proto_names[r->proto], r->first);
		if (r->last != r->first)
			seq_printf(m, "-%u", r->last);
		if (r->subject == PORTOWN_UID)
			seq_printf(m, " uid %u\n",
				   from_kuid_munged(ns, KUIDT_INIT(r->id)));
		else
			seq_printf(m, " gid %u\n",
				   from_kgid_munged(ns, KGIDT_INIT(r->id)));
	}
}
