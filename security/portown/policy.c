// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - policy parser, lookup table and canonical policy text
 *
 * A policy text is parsed whole into a sorted, de-duplicated rule list.
 * From it, the rules of each protocol are cut at every range boundary
 * into disjoint stretches of ports, each with the sorted set of its
 * owners, and every owned port gets a bit and an index entry: a bind of
 * an unowned port costs one bit test, of an owned one a popcount and a
 * binary search over its owners, and nothing ever walks the rules.
 */

#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "policy.h"

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

/* The canonical order: protocol, first port, last port, subject, id. */
static bool portown_rule_before(const struct portown_rule *x,
				const struct portown_rule *y)
{
	if (x->proto != y->proto)
		return x->proto < y->proto;
	if (x->first != y->first)
		return x->first < y->first;
	if (x->last != y->last)
		return x->last < y->last;
	if (x->subject != y->subject)
		return x->subject < y->subject;
	return x->id < y->id;
}

static bool portown_rule_eq(const struct portown_rule *x,
			    const struct portown_rule *y)
{
	return x->proto == y->proto && x->first == y->first &&
	       x->last == y->last && x->subject == y->subject && x->id == y->id;
}

/*
 * Bottom-up merge sorts with the comparison inlined: a policy load of
 * 65536 rules sorts them, and their ends, in a fraction of what sort()
 * with its indirect calls costs. @tmp holds @n elements.
 */
static void portown_sort_rules(struct portown_rule *r, struct portown_rule *tmp,
			       u32 n)
{
	struct portown_rule *from = r, *to = tmp;
	u32 width, i;

	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			u32 mid = min(i + width, n), end = min(i + 2 * width, n);
			u32 a = i, b = mid, k = i;

			while (a < mid && b < end)
				to[k++] = portown_rule_before(&from[b], &from[a]) ?
					  from[b++] : from[a++];
			while (a < mid)
				to[k++] = from[a++];
			while (b < end)
				to[k++] = from[b++];
		}
		swap(from, to);
	}
	if (from != r)
		memcpy(r, from, n * sizeof(*r));
}

static void portown_sort_u32(u32 *v, u32 *tmp, u32 n)
{
	u32 *from = v, *to = tmp;
	u32 width, i;

	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			u32 mid = min(i + width, n), end = min(i + 2 * width, n);
			u32 a = i, b = mid, k = i;

			while (a < mid && b < end)
				to[k++] = from[b] < from[a] ? from[b++] : from[a++];
			while (a < mid)
				to[k++] = from[a++];
			while (b < end)
				to[k++] = from[b++];
		}
		swap(from, to);
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
}

/* Sort and de-duplicate @n ids in place, @tmp holding @n; how many remain. */
static u32 portown_sort_ids(u32 *ids, u32 *tmp, u32 n)
{
	u32 i, k;

	if (!n)
		return 0;
	if (n <= 16) {		/* the usual case: insertion sort */
		for (i = 1; i < n; i++) {
			u32 v = ids[i];

			for (k = i; k && ids[k - 1] > v; k--)
				ids[k] = ids[k - 1];
			ids[k] = v;
		}
	} else {
		portown_sort_u32(ids, tmp, n);
	}
	for (i = 1, k = 1; i < n; i++)
		if (ids[i] != ids[k - 1])
			ids[k++] = ids[i];
	return k;
}

/* Scratch space of a build, for one protocol's rules at a time. */
struct portown_scratch {
	unsigned long *bounds;	/* PORTOWN_NPORTS + 1 bits */
	u32 *a;			/* nrules entries each */
	u32 *b;
};

/*
 * Upper bound of the owner-set words and exact number of owned ports of
 * one protocol's rules (sorted by first port): every stretch between two
 * boundaries covered by at least one rule has a set of two counts and one
 * id per rule covering it. Runs in O(n log n) whatever the overlap, so a
 * pathological policy is refused before anything big is built.
 */
static void portown_count(const struct portown_rule *r, u32 n,
			  struct portown_scratch *sc, u64 *nids, u32 *nports)
{
	u32 active = 0, si = 0, ei = 0, i, *ends = sc->a;
	unsigned long x, next;

	for (i = 0; i < n; i++) {
		ends[i] = r[i].last + 1;
		__set_bit(r[i].first, sc->bounds);
		__set_bit(ends[i], sc->bounds);
	}
	portown_sort_u32(ends, sc->b, n);

	for_each_set_bit(x, sc->bounds, PORTOWN_NPORTS + 1) {
		while (si < n && r[si].first == x) {
			active++;
			si++;
		}
		while (ei < n && ends[ei] == x) {
			active--;
			ei++;
		}
		next = find_next_bit(sc->bounds, PORTOWN_NPORTS + 1, x + 1);
		if (active && next <= PORTOWN_NPORTS) {
			*nids += 2 + active;
			*nports += next - x;
		}
	}
	bitmap_zero(sc->bounds, PORTOWN_NPORTS + 1);
}

/*
 * Cut one protocol's rules (sorted by first port) at every range boundary;
 * give each owned port the owner set of the rules covering it, shared
 * with the stretch before when they have the same owners.
 */
static void portown_split(struct portown_policy *p, struct portown_ports *pp,
			  const struct portown_rule *r, u32 n,
			  struct portown_scratch *sc)
{
	u32 nact = 0, si = 0, i, k, port, *act = sc->a;
	u32 prev = U32_MAX;
	unsigned long x, next;

	for (i = 0; i < n; i++) {
		__set_bit(r[i].first, sc->bounds);
		__set_bit(r[i].last + 1, sc->bounds);
	}
	pp->base = p->nindex;
	for_each_set_bit(x, sc->bounds, PORTOWN_NPORTS + 1) {
		u32 *set = &p->ids[p->nids], *ids = set + 2;
		u32 nuids = 0, ngids = 0;

		for (i = 0, k = 0; i < nact; i++)
			if (r[act[i]].last >= x)
				act[k++] = act[i];
		nact = k;
		while (si < n && r[si].first == x)
			act[nact++] = si++;
		next = find_next_bit(sc->bounds, PORTOWN_NPORTS + 1, x + 1);
		if (!nact || next > PORTOWN_NPORTS)
			continue;

		for (i = 0; i < nact; i++)
			if (r[act[i]].subject == PORTOWN_UID)
				ids[nuids++] = r[act[i]].id;
		nuids = portown_sort_ids(ids, sc->b, nuids);
		for (i = 0; i < nact; i++)
			if (r[act[i]].subject == PORTOWN_GID)
				ids[nuids + ngids++] = r[act[i]].id;
		ngids = portown_sort_ids(ids + nuids, sc->b, ngids);
		set[0] = nuids;
		set[1] = ngids;

		if (prev == U32_MAX ||
		    memcmp(&p->ids[prev], set, (2 + nuids + ngids) * sizeof(*set))) {
			prev = p->nids;
			p->nids += 2 + nuids + ngids;
		}
		bitmap_set(pp->owned, x, next - x);
		for (port = x; port < next; port++)
			p->index[p->nindex++] = prev;
	}
	bitmap_zero(sc->bounds, PORTOWN_NPORTS + 1);

	for (i = 0, k = 0; i < PORTOWN_PORT_WORDS; i++) {
		pp->rank[i] = k;
		k += hweight_long(pp->owned[i]);
	}
}

static struct portown_policy *portown_policy_build(struct portown_parser *ps)
{
	struct portown_rule *rules = ps->rules, *tmp;
	struct portown_scratch sc = {};
	struct portown_policy *p = NULL;
	u32 lo[PORTOWN_NPROTO + 1];
	u32 nrules = 0, nports = 0, proto, i;
	u64 nids = 0;
	size_t size;

	sc.bounds = bitmap_zalloc(PORTOWN_NPORTS + 1, GFP_KERNEL);
	sc.a = kvmalloc_array(max(ps->nrules, 1U), sizeof(*sc.a), GFP_KERNEL);
	sc.b = kvmalloc_array(max(ps->nrules, 1U), sizeof(*sc.b), GFP_KERNEL);
	tmp = kvmalloc_array(max(ps->nrules, 1U), sizeof(*tmp), GFP_KERNEL);
	if (!sc.bounds || !sc.a || !sc.b || !tmp)
		goto nomem;

	/* Canonical order, exact duplicates dropped. */
	portown_sort_rules(rules, tmp, ps->nrules);
	for (i = 0; i < ps->nrules; i++)
		if (!nrules || !portown_rule_eq(&rules[nrules - 1], &rules[i]))
			rules[nrules++] = rules[i];

	for (proto = 0, i = 0; proto < PORTOWN_NPROTO; proto++) {
		lo[proto] = i;
		while (i < nrules && rules[i].proto == proto)
			i++;
	}
	lo[PORTOWN_NPROTO] = nrules;

	for (proto = 0; proto < PORTOWN_NPROTO; proto++)
		portown_count(&rules[lo[proto]], lo[proto + 1] - lo[proto], &sc,
			      &nids, &nports);
	if (nids > PORTOWN_MAX_OWNERS) {
		ps->perr->line = 0;
		ps->perr->reason = "overlapping ranges expand beyond the owner table limit";
		p = ERR_PTR(-E2BIG);
		goto out;
	}

	size = sizeof(*p) + (nports + nids) * sizeof(u32) +
	       nrules * sizeof(*p->rules);
	p = kvzalloc(size, GFP_KERNEL);
	if (!p)
		goto nomem;
	p->reserved = ps->reserved_set ? ps->reserved : PORTOWN_STOCK_BOUNDARY;
	p->strict = ps->strict;
	p->nrules = nrules;
	p->index = (u32 *)(p + 1);
	p->ids = p->index + nports;
	p->rules = (struct portown_rule *)(p->ids + nids);
	memcpy(p->rules, rules, nrules * sizeof(*rules));

	for (proto = 0; proto < PORTOWN_NPROTO; proto++)
		portown_split(p, &p->ports[proto], &rules[lo[proto]],
			      lo[proto + 1] - lo[proto], &sc);
out:
	kvfree(tmp);
	kvfree(sc.b);
	kvfree(sc.a);
	bitmap_free(sc.bounds);
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
 * portown_owner_in - whether credentials are in an owner set
 * @set: an owner set, from portown_policy_owners()
 * @cred: the credentials: effective uid, effective gid and supplementary
 *	  groups are considered
 *
 * Costs O(log n), plus the smaller of the set's and the credentials'
 * group counts times a logarithm.
 *
 * Return: true when a rule of @set names @cred's euid, egid or one of its
 * supplementary groups.
 */
bool portown_owner_in(const u32 *set, const struct cred *cred)
{
	const u32 nuids = set[0], ngids = set[1];
	const u32 *uids = set + 2, *gids = uids + nuids;
	const struct group_info *gi = cred->group_info;
	int i;

	if (portown_id_in(uids, nuids, __kuid_val(cred->euid)))
		return true;
	if (!ngids)
		return false;
	if (portown_id_in(gids, ngids, __kgid_val(cred->egid)))
		return true;
	if (gi->ngroups < ngids) {
		for (i = 0; i < gi->ngroups; i++)
			if (portown_id_in(gids, ngids, __kgid_val(gi->gid[i])))
				return true;
	} else {
		for (i = 0; i < ngids; i++)
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
