/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which processes hold a socket, and with which credentials: one pass over
 * /proc/[pid]/fd building an inode -> pid map, and /proc/PID/status.
 * Used by `listeners` to judge a socket by the credentials of the process
 * holding it, with the same decision as the kernel (po_decide).
 */
#ifndef PORTOWN_PROCSCAN_H
#define PORTOWN_PROCSCAN_H

#include "policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CAP_NET_BIND_SERVICE, bit 10 of CapEff */
#define PO_CAP_NET_BIND_SERVICE	10

/* the procfs root: $PORTOWN_PROCFS if set and non-empty, else "/proc" */
const char *po_procfs_dir(void);

struct po_holder {
	uint64_t inode;
	int pid;
};

struct po_sockmap {
	struct po_holder *v;	/* sorted by inode, then pid; no duplicates */
	size_t n, cap;
};

/*
 * One pass over PROCFS/[pid]/fd: every "socket:[INODE]" link.  Processes
 * whose fd directory cannot be read are skipped.  0, or -1 when PROCFS
 * cannot be opened or on ENOMEM (the map is then empty).
 */
int po_sockmap_build(struct po_sockmap *m, const char *procfs);
/* the holders of inode: count, *first set to the first (lowest pid) */
size_t po_sockmap_find(const struct po_sockmap *m, uint64_t inode,
		       const struct po_holder **first);
void po_sockmap_free(struct po_sockmap *m);

struct po_proc {
	int pid;
	char comm[32];
	uint32_t euid, egid;	/* second field of Uid: / Gid: */
	uint32_t *groups;	/* Groups: */
	size_t ngroups;
	uint64_t cap_eff;	/* CapEff: */
	bool init_userns;	/* ns/user is the one of PROCFS/1 (or unknown) */
};

/* read PROCFS/PID/status (and comm, ns/user); 0, or -1 (gone, unreadable, malformed) */
int po_proc_read(const char *procfs, int pid, struct po_proc *p);
void po_proc_free(struct po_proc *p);
/* CAP_NET_BIND_SERVICE in the initial user namespace, as the kernel checks it */
bool po_proc_cap_net_bind_service(const struct po_proc *p);
void po_proc_cred(const struct po_proc *p, struct po_cred *cred);

/*
 * Best first: owner (a rule matches), exempt (no rule needed), refused
 * (portown allows it but the stack's ip_unprivileged_port_start check
 * refuses it), squatter (the policy refuses it).
 */
enum po_verdict { PO_VERDICT_OWNER, PO_VERDICT_EXEMPT, PO_VERDICT_REFUSED, PO_VERDICT_SQUATTER };

const char *po_verdict_name(enum po_verdict v);
enum po_verdict po_verdict_of(const struct po_decision *d);

struct po_judgement {
	enum po_verdict verdict;
	struct po_decision d;
	struct po_cred cred;	/* the credentials judged (points into a proc or fallback) */
	int pid;		/* the process judged, 0 = none found (fallback) */
	size_t nholders;	/* processes found holding the socket (readable) */
	size_t best;		/* index into procs of the process judged */
};

/*
 * Judge a bound socket: each of the n holders by its own credentials
 * (enforcing, then the stack's check against prot_sock, the value of
 * ip_unprivileged_port_start), the most favourable verdict wins (in enum
 * order; the lowest pid among equals), since the socket exists if any of
 * them may bind it.  With no holder, the fallback credentials are judged
 * and pid is 0.
 */
void po_judge_socket(const struct po_policy *pol, unsigned proto, unsigned port,
		     unsigned prot_sock, const struct po_proc *procs, size_t n,
		     const struct po_cred *fallback, struct po_judgement *j);

#endif
