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
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "policy.h"

#define PORTOWN_MAX_FIELDS	4

/* From this many rules on, a counting sort beats a merge sort. */
#define PORTOWN_BIG_POLICY	16384

/* Sizes follow the writer's policy: a failure is its ENOMEM, no warning. */
#define PORTOWN_GFP		(GFP_KERNEL | __GFP_NOWARN)

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
	const char *dash = NULL;
	size_t flen, i;
	u32 a, b;
	int err;

	for (i = 0; i < f->len && !dash; i++)
		if (f->s[i] == '-')
			dash = &f->s[i];
	flen = dash ? dash - f->s : f->len;

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
	if (portown_parse_num(f[3].s, f[3].len, U32_MAX - 1, &id))
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

static int portown_parse_item(struct portown_parser *ps,
			      const struct portown_field *f, int nfields)
{
	int proto = portown_parse_proto(&f[0]);

	if (proto >= 0)
		return portown_parse_rule(ps, proto, f, nfields);
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
	return portown_fail(ps, "unknown keyword (tcp, udp, sctp, dccp, reserved, strict)");
}

/* Decimal digits at @p, at most @max: the end of the number, or NULL. */
static const char *portown_fast_num(const char *p, const char *end, u32 max,
				    u32 *val)
{
	const char *start = p;
	u64 v = 0;

	while (p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > max)
			return NULL;
	}
	if (p == start)
		return NULL;
	*val = v;
	return p;
}

/*
 * The usual line, "PROTOCOL PORT[-PORT] uid|gid ID" with single blanks and
 * nothing else, written in the initial user namespace: parsed without
 * splitting it into fields first, since big policies are made of such
 * lines. Anything else, and every error, is left to the general parser,
 * which says what is wrong. Return the end of the line, or NULL.
 */
static const char *portown_parse_fast(struct portown_parser *ps,
				      const char *p, const char *end)
{
	struct portown_field kw = { .s = p };
	u32 first, last, id;
	int proto, subject;

	if (ps->nrules == ps->maxrules || ps->ns != &init_user_ns)
		return NULL;
	if (end - p > 4 && p[3] == ' ')
		kw.len = 3;
	else if (end - p > 5 && p[4] == ' ')
		kw.len = 4;
	else
		return NULL;
	proto = portown_parse_proto(&kw);
	if (proto < 0)
		return NULL;
	p = portown_fast_num(p + kw.len + 1, end, PORTOWN_NPORTS - 1, &first);
	if (!p || !first)
		return NULL;
	last = first;
	if (p < end && *p == '-') {
		p = portown_fast_num(p + 1, end, PORTOWN_NPORTS - 1, &last);
		if (!p || last < first)
			return NULL;
	}
	if (end - p < 6 || p[0] != ' ' || (p[1] != 'u' && p[1] != 'g') ||
	    p[2] != 'i' || p[3] != 'd' || p[4] != ' ')
		return NULL;
	subject = p[1] == 'u' ? PORTOWN_UID : PORTOWN_GID;
	/* (u32)-1 is the invalid id. */
	p = portown_fast_num(p + 5, end, U32_MAX - 1, &id);
	if (!p || (p < end && *p != '\n'))
		return NULL;
	ps->rules[ps->nrules++] = (struct portown_rule){
		.first = first, .last = last, .proto = proto,
		.subject = subject, .id = id,
	};
	return p;
}

/*
 * Parse the line at @line, up to its newline or @end, in one pass: fields
 * are separated by blanks, "#" starts a comment, a NUL byte or any other
 * character that is not printable is an error. Return the end of the line.
 */
static const char *portown_parse_line(struct portown_parser *ps,
				      const char *line, const char *end,
				      int *err)
{
	struct portown_field f[PORTOWN_MAX_FIELDS];
	const char *p = line, *start;
	int nfields = 0;

	*err = 0;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p == '\n')
			break;
		if (*p == '#') {
			const char *nl = memchr(p, '\n', end - p) ?: end;

			if (memchr(p, '\0', nl - p)) {
				*err = portown_fail(ps, "NUL byte in policy");
				return nl;
			}
			p = nl;
			break;
		}
		start = p;
		while (p < end && isgraph(*p) && *p != '#')
			p++;
		if (p < end && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '#') {
			*err = portown_fail(ps, *p ? "unexpected character" :
						     "NUL byte in policy");
			return p;
		}
		if (nfields == PORTOWN_MAX_FIELDS) {
			*err = portown_fail(ps, "too many fields");
			return p;
		}
		f[nfields].s = start;
		f[nfields].len = p - start;
		nfields++;
	}
	if (nfields)
		*err = portown_parse_item(ps, f, nfields);
	return p;
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

/*
 * Large policies: a counting sort by protocol and first port, then each
 * run of rules with the same first port sorted by the rest. @count has
 * PORTOWN_NPROTO * PORTOWN_NPORTS + 1 zeroed entries.
 */
static void portown_sort_rules_big(struct portown_rule *r,
				   struct portown_rule *tmp, u32 n, u32 *count)
{
	u32 i, k, sum = 0;

	for (i = 0; i < n; i++)
		count[r[i].proto * PORTOWN_NPORTS + r[i].first + 1]++;
	for (k = 0; k <= PORTOWN_NPROTO * PORTOWN_NPORTS; k++) {
		sum += count[k];
		count[k] = sum;
	}
	for (i = 0; i < n; i++)
		tmp[count[r[i].proto * PORTOWN_NPORTS + r[i].first]++] = r[i];
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && tmp[k].proto == tmp[i].proto &&
		     tmp[k].first == tmp[i].first; k++)
			;
		if (k - i > 1)
			portown_sort_rules(&tmp[i], &r[i], k - i);
	}
	memcpy(r, tmp, n * sizeof(*r));
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
	u32 *sets;		/* hash table of the owner sets built so far */
	u32 nsets;		/* its size, a power of two */
	s32 *delta;		/* PORTOWN_NPORTS + 1 zeroed entries */
};

/*
 * Upper bound of the owner-set words and exact number of owned ports of
 * one protocol's rules: every stretch between two boundaries covered by at
 * least one rule has a set of two counts and one id per rule covering it.
 * Runs in O(n) whatever the overlap (the rules that start minus those
 * that end at each boundary, from @delta), so a pathological policy is
 * refused before anything big is built.
 */
static void portown_count(const struct portown_rule *r, u32 n,
			  struct portown_scratch *sc, u64 *nids, u32 *nports,
			  u32 *nstretches)
{
	s32 active = 0, *delta = sc->delta;
	unsigned long x, next;
	u32 i;

	for (i = 0; i < n; i++) {
		delta[r[i].first]++;
		delta[r[i].last + 1]--;
		__set_bit(r[i].first, sc->bounds);
		__set_bit(r[i].last + 1, sc->bounds);
	}
	for (x = find_first_bit(sc->bounds, PORTOWN_NPORTS + 1);
	     x <= PORTOWN_NPORTS; x = next) {
		active += delta[x];
		delta[x] = 0;
		next = find_next_bit(sc->bounds, PORTOWN_NPORTS + 1, x + 1);
		if (active && next <= PORTOWN_NPORTS) {
			*nids += 2 + active;
			*nports += next - x;
			(*nstretches)++;
		}
	}
	bitmap_zero(sc->bounds, PORTOWN_NPORTS + 1);
}

/*
 * The offset of an owner set equal to the one just written at the end of
 * p->ids, adding it when there is none: big policies name the same few
 * owners over and over, and each set is stored once.
 */
static u32 portown_intern_set(struct portown_policy *p,
			      struct portown_scratch *sc)
{
	const u32 *set = &p->ids[p->nids];
	u32 len = 2 + set[0] + set[1], mask = sc->nsets - 1, h = 0, i;

	for (i = 0; i < len; i++)
		h = (h ^ set[i]) * 0x9e3779b1;
	for (h = (h ^ (h >> 15)) & mask;; h = (h + 1) & mask) {
		u32 off = sc->sets[h];

		if (off == U32_MAX) {
			sc->sets[h] = p->nids;
			p->nids += len;
			return sc->sets[h];
		}
		for (i = 0; i < len && p->ids[off + i] == set[i]; i++)
			;
		if (i == len)
			return off;
	}
}

/*
 * Cut one protocol's rules (sorted by first port) at every range boundary;
 * give each owned port the owner set of the rules covering it.
 */
static void portown_split(struct portown_policy *p, struct portown_ports *pp,
			  const struct portown_rule *r, u32 n,
			  struct portown_scratch *sc)
{
	u32 nact = 0, si = 0, i, k, port, off, *act = sc->a;
	unsigned long x, next;

	for (i = 0; i < n; i++) {
		__set_bit(r[i].first, sc->bounds);
		__set_bit(r[i].last + 1, sc->bounds);
	}
	pp->base = p->nindex;
	for (x = find_first_bit(sc->bounds, PORTOWN_NPORTS + 1);
	     x <= PORTOWN_NPORTS; x = next) {
		u32 *set = &p->ids[p->nids], *ids = set + 2, *gids;
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

		/* The uids go first; the gids wait at the far end of room. */
		gids = ids + nact;
		for (i = 0; i < nact; i++) {
			const struct portown_rule *rule = &r[act[i]];

			if (rule->subject == PORTOWN_UID)
				ids[nuids++] = rule->id;
			else
				*--gids = rule->id;
		}
		ngids = ids + nact - gids;
		nuids = portown_sort_ids(ids, sc->b, nuids);
		memmove(ids + nuids, gids, ngids * sizeof(*ids));
		ngids = portown_sort_ids(ids + nuids, sc->b, ngids);
		set[0] = nuids;
		set[1] = ngids;

		off = portown_intern_set(p, sc);
		for (port = x; port < next; port++) {
			__set_bit(port, pp->owned);
			__set_bit(port, p->owned_any);
			p->index[p->nindex++] = off;
		}
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
	struct portown_policy *p = NULL, *q = NULL;
	struct portown_scratch sc = {};
	u32 lo[PORTOWN_NPROTO + 1];
	u32 nrules = 0, nports = 0, nstretches = 0, proto, i;
	u64 nids = 0;
	size_t size;

	sc.bounds = bitmap_zalloc(PORTOWN_NPORTS + 1, PORTOWN_GFP);
	sc.delta = kvcalloc(PORTOWN_NPORTS + 1, sizeof(*sc.delta), PORTOWN_GFP);
	sc.a = kvmalloc_array(max(ps->nrules, 1U), sizeof(*sc.a), PORTOWN_GFP);
	sc.b = kvmalloc_array(max(ps->nrules, 1U), sizeof(*sc.b), PORTOWN_GFP);
	tmp = kvmalloc_array(max(ps->nrules, 1U), sizeof(*tmp), PORTOWN_GFP);
	if (!sc.bounds || !sc.delta || !sc.a || !sc.b || !tmp)
		goto nomem;

	/* Canonical order, exact duplicates dropped. */
	if (ps->nrules >= PORTOWN_BIG_POLICY) {
		u32 *count = kvcalloc(PORTOWN_NPROTO * PORTOWN_NPORTS + 1,
				      sizeof(*count), PORTOWN_GFP);

		if (!count)
			goto nomem;
		portown_sort_rules_big(rules, tmp, ps->nrules, count);
		kvfree(count);
	} else {
		portown_sort_rules(rules, tmp, ps->nrules);
	}
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
			      &nids, &nports, &nstretches);
	if (nids > PORTOWN_MAX_OWNERS) {
		ps->perr->line = 0;
		ps->perr->reason = "overlapping ranges expand beyond the owner table limit";
		p = ERR_PTR(-E2BIG);
		goto out;
	}

	/* At most half full, so that a probe ends soon. */
	sc.nsets = roundup_pow_of_two(max(2 * nstretches, 2U));
	sc.sets = kvmalloc_array(sc.nsets, sizeof(*sc.sets), PORTOWN_GFP);
	if (!sc.sets)
		goto nomem;
	memset(sc.sets, 0xff, sc.nsets * sizeof(*sc.sets));

	/*
	 * Built where the owner sets have room for the upper bound, then
	 * moved into an allocation of the exact size: shared sets take much
	 * less than the bound.
	 */
	q = kvzalloc(sizeof(*q) + (nports + nids) * sizeof(u32), PORTOWN_GFP);
	if (!q)
		goto nomem;
	q->index = (u32 *)(q + 1);
	q->ids = q->index + nports;
	for (proto = 0; proto < PORTOWN_NPROTO; proto++)
		portown_split(q, &q->ports[proto], &rules[lo[proto]],
			      lo[proto + 1] - lo[proto], &sc);

	/*
	 * vmalloc(), page by page: kmalloc() would round a big policy up to a
	 * power of two.
	 */
	size = sizeof(*p) + (nports + q->nids) * sizeof(u32) +
	       nrules * sizeof(*p->rules);
	p = __vmalloc(size, PORTOWN_GFP);
	if (!p)
		goto nomem;
	memcpy(p, q, sizeof(*p));
	p->reserved = ps->reserved_set ? ps->reserved : PORTOWN_STOCK_BOUNDARY;
	p->strict = ps->strict;
	p->nrules = nrules;
	p->index = (u32 *)(p + 1);
	p->ids = p->index + nports;
	p->rules = (struct portown_rule *)(p->ids + p->nids);
	memcpy(p->index, q->index, nports * sizeof(u32));
	memcpy(p->ids, q->ids, p->nids * sizeof(u32));
	memcpy(p->rules, rules, nrules * sizeof(*rules));
out:
	kvfree(q);
	kvfree(sc.sets);
	kvfree(tmp);
	kvfree(sc.b);
	kvfree(sc.a);
	kvfree(sc.delta);
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
	int err = 0;

	perr->line = 0;
	perr->reason = NULL;
	if (len > PORTOWN_MAX_TEXT) {
		perr->reason = "policy larger than 2 MiB";
		return ERR_PTR(-E2BIG);
	}

	/* The shortest rule, "tcp 1 uid 0", and its newline take 12 bytes. */
	ps.maxrules = min_t(size_t, (len + 1) / 12 + 1, PORTOWN_MAX_RULES);
	ps.rules = kvmalloc_array(ps.maxrules, sizeof(*ps.rules), PORTOWN_GFP);
	if (!ps.rules) {
		portown_fail_nomem(perr);
		return ERR_PTR(-ENOMEM);
	}

	while (text < end) {
		const char *eol = portown_parse_fast(&ps, text, end);

		perr->line++;
		if (!eol) {
			eol = portown_parse_line(&ps, text, end, &err);
			if (err)
				break;
		}
		text = eol + 1;		/* past the newline */
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
