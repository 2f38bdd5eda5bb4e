// SPDX-License-Identifier: GPL-2.0
/*
 * portown_fuzz: random socket operations under random credentials while
 * random policies are loaded and the mode flips, checked against a model
 * of the behaviour contract.
 *
 * Worker processes run two threads each, and every thread has credentials
 * of its own (Linux credentials are per thread): root, or a random uid,
 * gid and groups, maybe with CAP_NET_BIND_SERVICE. The threads share one
 * table of sockets: socket, bind (with or without SO_REUSEPORT),
 * sctp_bindx (port 0 too, which takes a bound endpoint's port), io_uring
 * bind, connect, disconnect and listen, IPV6_ADDRFORM, SCTP associations
 * (connect, sctp_connectx, sendmsg to a new peer) and AF_RXRPC binds, on
 * a small set of ports, so that the threads race on the same sockets. One
 * thread can post a fresh socket for both to hit at once: a bind against
 * an association, an sctp_bindx or another bind. Workers hand sockets to
 * each other with SCM_RIGHTS, so that a socket bound under one credential
 * is used under another. Some sockets were bound by root before the
 * threads took their credentials. Meanwhile the root process writes
 * random valid and invalid policies and flips the mode.
 *
 * The oracle judges every call for the credentials of the thread that
 * made it, never the binder's: every port a successful bind asked for,
 * and the port every SCTP association or sctp_bindx port 0 reused when a
 * caller (not the kernel) chose it, must be allowed to that thread by one
 * of the policy states that may have been in force during the call. At
 * the end, every socket a worker holds is checked with getsockname() and,
 * from root, with sock_diag: none may hold a port a caller chose that no
 * successful bind gave it. Invalid policies must be refused and leave the
 * policy in force unchanged.
 *
 * Usage: portown_fuzz [-t SECONDS] [-s SEED] [-w WORKERS]   (root)
 * Prints TAP, and "# ops:" lines that count what it tried. Not part of
 * run_tests: it replaces the policy at random while it runs, and reserves
 * its ports in the ephemeral range (all restored at the end).
 */

#include "fuzz.h"

/* ---- sock_diag (root, at the end) -------------------------------- */

/* Every socket of a worker's uid must be one a worker accounted for. */
static int diag_sweep(int family, int protocol, long *seen)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.req = {
			.sdiag_family = family,
			.sdiag_protocol = protocol,
			.idiag_states = ~0U,
		},
	};
	char buf[16384];
	int fd, done = 0;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (send(fd, &msg, sizeof(msg), 0) != sizeof(msg)) {
		close(fd);
		return -errno;
	}
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0) {
			close(fd);
			return len < 0 ? -errno : -EIO;
		}
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);
			unsigned short port;
			int wi, k;

			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return -EPROTONOSUPPORT;
			}
			port = ntohs(m->id.idiag_sport);
			/* Orphans and TIME_WAIT have no inode: closed by now. */
			if (!m->idiag_inode)
				continue;
			if (!pool_uid(m->idiag_uid))
				continue;
			(*seen)++;
			for (wi = 0; wi < sh->nworkers; wi++) {
				for (k = 0; k < sh->held[wi].n; k++)
					if (sh->held[wi].s[k].ino == m->idiag_inode)
						break;
				if (k < sh->held[wi].n)
					break;
			}
			if (wi < sh->nworkers) {
				if (port && port != sh->held[wi].s[k].port)
					violation("sock_diag",
						  "sock_diag: port %u, getsockname said %u",
						  port, sh->held[wi].s[k].port);
				continue;
			}
			/*
			 * A kernel socket made for a worker (an MPTCP subflow,
			 * rxrpc's UDP socket), or one closed that lingers: on a
			 * port a successful bind gave.
			 */
			if (!port_chosen(port) || sh->bound[port / 8] & (1 << (port % 8)))
				continue;
			violation("sock_diag",
				  "sock_diag: stray %s port %u, uid %u (ino %u, state %u)",
				  protocol == IPPROTO_TCP ? "tcp" :
				  protocol == IPPROTO_SCTP ? "sctp" : "udp",
				  port, m->idiag_uid, m->idiag_inode,
				  m->idiag_state);
		}
	}
	close(fd);
	return 0;
}

/* ---- main -------------------------------------------------------- */

static int listen_on(int domain, int type, int protocol)
{
	struct sockaddr_storage ss;
	socklen_t len = set_sockaddr(&ss, domain, "loopback", 0);
	int fd = socket(domain, type, protocol);

	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) ||
	    listen(fd, 4096))
		return 0;
	return local_port(fd);
}

static void print_ident(const char *sep, const struct ident *c)
{
	if (!c->uid)
		printf("%sroot", sep);
	else
		printf("%suid %u gid %u, %d groups, %s", sep, c->uid, c->gid,
		       c->ngroups, c->cap ? "CAP_NET_BIND_SERVICE" : "no capability");
}

static void print_counts(const struct counters *t)
{
	printf("# ops: %ld calls: %ld sockets, %ld binds (%ld io_uring; ",
	       t->ops, t->sockets, t->binds, t->uring);
	printf("%ld allowed, %ld refused), %ld sctp_bindx (%ld port 0 on a ",
	       t->binds_ok, t->binds_refused, t->bindx, t->bindx0);
	printf("bound endpoint, %ld made), %ld rxrpc binds, %ld closes\n",
	       t->bindx0_ok, t->rxrpc, t->closes);
	printf("# ops: %ld connects, %ld sctp_connectx, %ld sendmsg, ",
	       t->connects, t->connectx, t->sendmsgs);
	printf("%ld listens, %ld disconnects; %ld SCTP associations tried, ",
	       t->listens, t->disconnects, t->assoc);
	printf("%ld made, %ld judged on a port a caller chose\n", t->assoc_ok,
	       t->reuse_judged);
	printf("# ops: %ld sockets handed over (SCM_RIGHTS), %ld received, ",
	       t->handed, t->received);
	printf("%ld calls on sockets that changed hands, ", t->moved);
	printf("%ld cross-credential calls (%ld on SCTP sockets)\n", t->cross,
	       t->cross_sctp);
	printf("# ops: races: %ld posted, %ld met; %ld binds overlapping a ",
	       t->race_posted, t->race_met, t->bind_bind);
	printf("bind, %ld associations overlapping a bind of the socket; ",
	       t->assoc_bind);
	printf("%ld IPV6_ADDRFORM (%ld flipped, %ld racing), %ld SO_REUSEPORT\n",
	       t->addrform, t->addrform_ok, t->addrform_races, t->reuseport);
}

int main(int argc, char **argv)
{
	int seconds = 60, nworkers = 4, opt, i, ret, status, failed = 0;
	uint64_t seed = time(NULL);
	struct writer_stats ws = {};
	struct counters tot = {};
	unsigned short tcp_peer[2], sctp_peer[2];
	char reserved[1024];
	pid_t pids[MAX_WORKERS];
	long seen = 0;
	struct state init;

	while ((opt = getopt(argc, argv, "t:s:w:")) != -1) {
		switch (opt) {
		case 't':
			seconds = atoi(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			nworkers = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED] [-w WORKERS]\n",
				argv[0]);
			return 2;
		}
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS || seconds < 1)
		return 2;
	printf("TAP version 13\n1..5\n");
	if (geteuid() || !portown_active() || portown_locked() ||
	    !portown_saved.saved) {
		printf("ok 1 - fuzz # SKIP needs root and an unlocked, active portown\n");
		for (i = 2; i <= 5; i++)
			printf("ok %d - fuzz # SKIP\n", i);
		return 0;
	}
	printf("# seed %llu, %d s, %d workers\n", (unsigned long long)seed,
	       seconds, nworkers);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	rng = seed | 1;
	reserve_ports(reserved, sizeof(reserved));
	if (!eph_reserved)
		printf("# could not reserve the ports in %u-%u: those are not judged as chosen\n",
		       eph_lo, eph_hi);

	/* State 0: the empty policy, enforcing. */
	memset(&init, 0, sizeof(init));
	init.reserved = 1024;
	init.enforce = true;
	sh->states[0] = init;
	if (write_file(PORTOWN_POLICY, EMPTY_POLICY) ||
	    write_file(PORTOWN_ENFORCE, "1"))
		return 1;
	for (i = 0; i < 2; i++) {
		tcp_peer[i] = listen_on(i ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
		sctp_peer[i] = listen_on(i ? AF_INET6 : AF_INET, SOCK_STREAM,
					 IPPROTO_SCTP);
	}

	sh->nworkers = nworkers;
	sh->idents[0].cap = true;	/* root */
	for (i = 0; i < nworkers; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, inbox[i]))
			return 1;
	for (i = 0; i < nworkers; i++) {
		struct worker *w = calloc(1, sizeof(*w));

		if (!w)
			return 1;
		w->idx = i;
		w->ct = &sh->c[i];
		rnd_ident(&sh->idents[1 + 2 * i]);
		rnd_ident(&sh->idents[2 + 2 * i]);
		memcpy(w->tcp_peer, tcp_peer, sizeof(tcp_peer));
		memcpy(w->sctp_peer, sctp_peer, sizeof(sctp_peer));
		printf("# worker %d: ", i);
		print_ident("", &sh->idents[1 + 2 * i]);
		print_ident("; ", &sh->idents[2 + 2 * i]);
		printf("\n");
		fflush(NULL);
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (!pids[i])
			_exit(run_worker(w, seed + 1000 * (i + 1)));
		free(w);
	}

	run_writer(time(NULL) + seconds, &ws);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	/* Workers take in what is on its way, sweep, then wait for sock_diag. */
	for (i = 0; i < 1200 && __atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) <
	     nworkers; i++)
		usleep(100000);
	for (i = 0; i < 2; i++) {
		static const int protocols[] = { IPPROTO_TCP, IPPROTO_UDP,
						 IPPROTO_UDPLITE, IPPROTO_SCTP };
		size_t p;

		for (p = 0; p < ARRAY_SIZE(protocols); p++) {
			ret = diag_sweep(i ? AF_INET6 : AF_INET, protocols[p],
					 &seen);
			if (ret && !(protocols[p] == IPPROTO_SCTP &&
				     ret == -EPROTONOSUPPORT))
				violation("sock_diag", "sock_diag %d/%d: %s", i,
					  protocols[p], strerror(-ret));
		}
	}
	__atomic_store_n(&sh->stop, 2, __ATOMIC_RELEASE);
	/* A worker stuck in a system call for a minute is a failure too. */
	for (i = 0; i < nworkers; i++) {
		int waited;

		for (waited = 0; waited < 600; waited++) {
			ret = waitpid(pids[i], &status, WNOHANG);
			if (ret)
				break;
			usleep(100000);
		}
		if (!ret) {
			printf("# worker %d did not finish: killed\n", i);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
		}
		if (ret != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	ret = portown_restore_state();
	if (eph_reserved &&
	    write_file(RESERVED_PORTS, strcat(reserved, "\n")))
		printf("# could not restore %s\n", RESERVED_PORTS);

	for (i = 0; i < nworkers; i++) {
		long *a = (long *)&tot, *b = (long *)&sh->c[i];
		size_t k;

		for (k = 0; k < sizeof(tot) / sizeof(long); k++)
			a[k] += b[k];
	}
	print_counts(&tot);
	printf("# %ld policies, %ld mode flips, %ld invalid policies; ",
	       ws.writes, ws.modes, ws.invalid);
	printf("%ld results checked, %ld of them spanning a policy change\n",
	       tot.checked, tot.spanning);
	for (i = 0; i < sh->nnotes; i++)
		printf("# violation (%d times): %s\n", sh->notes[i].count,
		       sh->notes[i].text);

	printf("%s 1 - %d workers ran to the end\n", failed ? "not ok" : "ok",
	       nworkers);
	printf("%s 2 - no bind or association the model refuses (%ld checked)\n",
	       sh->violations ? "not ok" : "ok", tot.checked);
	printf("%s 3 - the writer loaded %ld policies and flipped the mode %ld times\n",
	       ws.errors || ws.writes < 10 ? "not ok" : "ok", ws.writes,
	       ws.modes);
	printf("%s 4 - %ld invalid policies refused with EINVAL, policy unchanged\n",
	       ws.invalid_ok == ws.invalid && ws.invalid ? "ok" : "not ok",
	       ws.invalid);
	printf("%s 5 - policy and mode restored (sock_diag saw %ld worker sockets)\n",
	       ret ? "not ok" : "ok", seen);
	return failed || sh->violations || ret ? 1 : 0;
}
