// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - the lookup table of a policy
 *
 * The rules, sorted into canonical order and de-duplicated, are cut per
 * protocol at every range boundary into disjoint stretches of ports, each
 * with the sorted set of its owners, and every owned port gets a bit and
 * an index entry: a bind of an unowned port costs one bit test, of an
 * owned one a popcount and a binary search over its owners, and nothing
 * ever walks the rules.
 */

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "policy.h"

/*
 * From this many rules on, the rules are sorted by a counting sort on
 * protocol and first port, and only rules that share both by sort(). For
 * 65,536 shuffled rules sort() takes 10.1 ms, the counting sort 0.70 ms
 * (user space on the 2-core machine portown is tested on, best of 9),
 * and the load of such a policy costs about as much as the rest of the
 * build; below this, the counting sort's table costs more than it saves.
 */
#define PORTOWN_BIG_POLICY	16384

/* Sizes follow the writer's policy: a failure is its ENOMEM, no warning. */
#define PORTOWN_GFP		(GFP_KERNEL | __GFP_NOWARN)

/* The canonical order: protocol, first port, last port, subject, id. */
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

static bool portown_rule_eq(const struct portown_rule *x,
			    const struct portown_rule *y)
{
	return x->proto == y->proto && x->first == y->first &&
	       x->last == y->last && x->subject == y->subject && x->id == y->id;
}

static int portown_id_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Big policies (see PORTOWN_BIG_POLICY): a counting sort by protocol and
 * first port into @tmp, then each run of rules with the same first port
 * sorted by the rest. @count has PORTOWN_NPROTO * PORTOWN_NPORTS + 1
 * zeroed entries.
 */
static void portown_sort_big(struct portown_rule *r, struct portown_rule *tmp,
			     u32 n, u32 *count)
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
			sort(&tmp[i], k - i, sizeof(*tmp), portown_rule_cmp, NULL);
	}
	memcpy(r, tmp, n * sizeof(*r));
}

/* Sort and de-duplicate @n ids in place; how many remain. */
static u32 portown_sort_ids(u32 *ids, u32 n)
{
	u32 i, k;

	if (n < 2)
		return n;
	sort(ids, n, sizeof(*ids), portown_id_cmp, NULL);
	for (i = 1, k = 1; i < n; i++)
		if (ids[i] != ids[k - 1])
			ids[k++] = ids[i];
	return k;
}

/* Scratch space of a build, for one protocol's rules at a time. */
struct portown_scratch {
	unsigned long *bounds;	/* PORTOWN_NPORTS + 1 bits */
	u32 *active;		/* nrules entries */
	u32 *sets;		/* hash table of the owner sets built so far */
	u32 nsets;		/* its size, a power of two */
	s32 *delta;		/* PORTOWN_NPORTS + 1 zeroed entries */
};

static u32 portown_owners_words(const struct portown_owners *o)
{
	return sizeof(*o) / sizeof(u32) + o->nuids + o->ngids;
}

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
			*nids += sizeof(struct portown_owners) / sizeof(u32) +
				 active;
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
static u32 portown_intern(struct portown_policy *p, struct portown_scratch *sc)
{
	const u32 *set = &p->ids[p->nids];
	u32 len = portown_owners_words((const struct portown_owners *)set);
	u32 mask = sc->nsets - 1, h = 0, i;

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
	u32 nact = 0, si = 0, i, k, port, off, *act = sc->active;
	unsigned long x, next;

	for (i = 0; i < n; i++) {
		__set_bit(r[i].first, sc->bounds);
		__set_bit(r[i].last + 1, sc->bounds);
	}
	pp->base = p->nindex;
	for (x = find_first_bit(sc->bounds, PORTOWN_NPORTS + 1);
	     x <= PORTOWN_NPORTS; x = next) {
		struct portown_owners *o = (void *)&p->ids[p->nids];
		u32 *gids;

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
		o->nuids = 0;
		gids = o->ids + nact;
		for (i = 0; i < nact; i++) {
			const struct portown_rule *rule = &r[act[i]];

			if (rule->subject == PORTOWN_UID)
				o->ids[o->nuids++] = rule->id;
			else
				*--gids = rule->id;
		}
		o->ngids = o->ids + nact - gids;
		o->nuids = portown_sort_ids(o->ids, o->nuids);
		if (o->ngids) {
			memmove(o->ids + o->nuids, gids,
				o->ngids * sizeof(*gids));
			o->ngids = portown_sort_ids(o->ids + o->nuids,
						    o->ngids);
		}

		off = portown_intern(p, sc);
		for (port = x; port < next; port++) {
			__set_bit(port, pp->owned);
			p->index[p->nindex++] = off;
		}
	}
	bitmap_zero(sc->bounds, PORTOWN_NPORTS + 1);

	for (i = 0, k = 0; i < PORTOWN_PORT_WORDS; i++) {
		pp->rank[i] = k;
		k += hweight_long(pp->owned[i]);
	}
}

/* Canonical order, exact duplicates dropped; how many rules remain. */
static int portown_sort_rules(struct portown_rule *rules, u32 n)
{
	struct portown_rule *tmp;
	u32 *count, i, k;

	if (n >= PORTOWN_BIG_POLICY) {
		tmp = kvmalloc_array(n, sizeof(*tmp), PORTOWN_GFP);
		count = kvcalloc(PORTOWN_NPROTO * PORTOWN_NPORTS + 1,
				 sizeof(*count), PORTOWN_GFP);
		if (tmp && count)
			portown_sort_big(rules, tmp, n, count);
		kvfree(count);
		kvfree(tmp);
		if (!tmp || !count)
			return -ENOMEM;
	} else {
		sort(rules, n, sizeof(*rules), portown_rule_cmp, NULL);
	}
	for (i = 0, k = 0; i < n; i++)
		if (!k || !portown_rule_eq(&rules[k - 1], &rules[i]))
			rules[k++] = rules[i];
	return k;
}

/**
 * portown_policy_build - the lookup table of a list of rules
 * @rules: the rules, in any order; sorted and de-duplicated in place
 * @nrules: how many
 * @set: the policy's settings
 * @perr: on failure, the reason (its line is 0: no line is at fault)
 *
 * Return: a new, unpublished policy, or ERR_PTR(-E2BIG) when overlapping
 * ranges make the owner sets too big, or ERR_PTR(-ENOMEM).
 */
struct portown_policy *portown_policy_build(struct portown_rule *rules,
					    u32 nrules,
					    const struct portown_settings *set,
					    struct portown_parse_error *perr)
{
	struct portown_policy *p = NULL, *q = NULL;
	struct portown_scratch sc = {};
	u32 lo[PORTOWN_NPROTO + 1];
	u32 nports = 0, nstretches = 0, proto, i;
	u64 nids = 0;
	size_t size;
	int n;

	n = portown_sort_rules(rules, nrules);
	if (n < 0)
		goto nomem;
	nrules = n;

	sc.bounds = bitmap_zalloc(PORTOWN_NPORTS + 1, PORTOWN_GFP);
	sc.delta = kvcalloc(PORTOWN_NPORTS + 1, sizeof(*sc.delta), PORTOWN_GFP);
	sc.active = kvmalloc_array(max(nrules, 1U), sizeof(*sc.active),
				   PORTOWN_GFP);
	if (!sc.bounds || !sc.delta || !sc.active)
		goto nomem;

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
		perr->line = 0;
		perr->reason = "overlapping ranges expand beyond the owner table limit";
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
	p->reserved = set->reserved;
	p->strict = set->strict;
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
	kvfree(sc.active);
	kvfree(sc.delta);
	bitmap_free(sc.bounds);
	return p;

nomem:
	perr->line = 0;
	perr->reason = "out of memory";
	p = ERR_PTR(-ENOMEM);
	goto out;
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
 * portown_owners_have_group - whether credentials' groups are in an owner set
 * @owners: the owner set
 * @cred: the credentials: effective gid and supplementary groups
 *
 * The group half of portown_owners_have(), out of the bind path's line.
 *
 * Return: true when a gid rule of @owners names @cred's egid or one of its
 * supplementary groups.
 */
bool portown_owners_have_group(const struct portown_owners *owners,
			       const struct cred *cred)
{
	const u32 ngids = owners->ngids, *gids = owners->ids + owners->nuids;
	const struct group_info *gi = cred->group_info;
	int i;

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
