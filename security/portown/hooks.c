// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - the socket hooks: which port of which port space a bind, or
 * an SCTP association, is about to use
 *
 * Only what cannot change under us decides: the kernel's copy of the
 * address, its length, and the socket's type, protocol and the family it
 * was created with. Socket state another thread can change between the
 * hook and the protocol's own code (the current family, which
 * IPV6_ADDRFORM flips; IPV6_V6ONLY; whether the socket is bound or
 * connected) never makes portown look away: an address that some state of
 * the socket would accept is judged. The SCTP hooks that run with the
 * socket locked read the endpoint's port, which that lock keeps still
 * until the operation is done.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/lsm_hooks.h>
#include <linux/net.h>
#include <linux/rxrpc.h>
#include <linux/sctp.h>
#include <linux/socket.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sctp/sctp.h>
#include <net/sctp/structs.h>
#include <net/sock.h>
#include <kunit/visibility.h>

#include "hooks.h"
#include "setup.h"
#include "state.h"

static struct portown_sock *portown_sock(const struct sock *sk)
{
	return sk->sk_security + portown_blob_sizes.lbs_sock;
}

/*
 * The port of an SCTP socket's endpoint, 0 while it is unbound. It only
 * ever changes from 0 to a port, under the socket lock: read under that
 * lock, it is the port the operation will use.
 */
static u16 portown_sctp_port(const struct sock *sk)
{
	return READ_ONCE(sctp_sk(sk)->ep->base.bind_addr.port);
}

/*
 * Record that a caller named @port for an SCTP endpoint. Binds race: two
 * tasks may name two ports before either takes the socket lock, and only
 * one wins. Then every port counts as chosen, which only ever makes
 * portown judge more.
 */
static void portown_sctp_choose(struct sock *sk, u16 port)
{
	u32 *chosen = &portown_sock(sk)->sctp_chosen;
	u32 old = READ_ONCE(*chosen);

	do {
		if (old == port || old == PORTOWN_SCTP_CHOSEN_ANY)
			return;
	} while (!try_cmpxchg(chosen, &old,
			      old ? PORTOWN_SCTP_CHOSEN_ANY : port));
}

/* Whether a caller named @port, the endpoint's, for this SCTP endpoint. */
static bool portown_sctp_chosen(const struct sock *sk, u16 port)
{
	u32 chosen = READ_ONCE(portown_sock(sk)->sctp_chosen);

	return port && (chosen == port || chosen == PORTOWN_SCTP_CHOSEN_ANY);
}

/*
 * Which port space a socket's binds live in, or -1 for sockets that carry
 * no port (raw, ICMP "ping") or have none of portown's port spaces.
 * sk_protocol is 16 bits wide: IPPROTO_MPTCP (262) and IPPROTO_SMC (256)
 * do not fit in a u8.
 */
static int portown_sock_proto(const struct sock *sk, int family)
{
	if (sk->sk_type == SOCK_RAW)
		return -1;
	switch (family) {
	case AF_INET:
	case AF_INET6:
		break;
	case AF_SMC:
		return PORTOWN_TCP;	/* binds its inner TCP socket */
	case AF_RXRPC:
		return PORTOWN_UDP;	/* binds a kernel UDP socket */
	default:
		return -1;
	}

	switch (sk->sk_protocol) {
	case IPPROTO_TCP:
	case IPPROTO_MPTCP:
	case IPPROTO_SMC:
		return PORTOWN_TCP;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return PORTOWN_UDP;
	case IPPROTO_SCTP:
		return PORTOWN_SCTP;
	case IPPROTO_DCCP:
		return PORTOWN_DCCP;
	default:
		return -1;
	}
}

/*
 * The address families the bind of an AF_INET or AF_INET6 socket can take
 * in any of its states (mirroring inet_bind_sk()/__inet_bind(),
 * inet6_bind_sk()/__inet6_bind(), sctp_sockaddr_af() and smc_bind()):
 *
 * - AF_INET sockets take AF_INET and, for compatibility, AF_UNSPEC with
 *   INADDR_ANY (not SCTP).
 * - AF_INET6 sockets take AF_INET6. TCP, UDP and UDP-Lite sockets can be
 *   turned into AF_INET ones at any time by IPV6_ADDRFORM (the socket's
 *   ops first, its family second), and then take what AF_INET sockets
 *   take. SCTP takes AF_INET addresses itself.
 * - SMC checks for any of the three itself, then binds its inner TCP
 *   socket.
 *
 * The family a socket was created with never changes: an AF_INET6 socket
 * keeps its pinet6 when IPV6_ADDRFORM makes it AF_INET.
 */
static __always_inline unsigned int
portown_bind_families(const struct sock *sk, int family)
{
	bool created_v6 = family == AF_INET6;

#if IS_ENABLED(CONFIG_IPV6)
	if (family == AF_INET && inet_sk(sk)->pinet6)
		created_v6 = true;
#endif
	if (family == AF_SMC || sk->sk_protocol == IPPROTO_SMC)
		return PORTOWN_ADDR_ALL;
	if (!created_v6)
		return sk->sk_protocol == IPPROTO_SCTP ? PORTOWN_ADDR_INET :
			PORTOWN_ADDR_INET | PORTOWN_ADDR_UNSPEC;

	switch (sk->sk_protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return PORTOWN_ADDR_ALL;
	case IPPROTO_SCTP:
		return PORTOWN_ADDR_INET | PORTOWN_ADDR_INET6;
	default:
		return PORTOWN_ADDR_INET6;
	}
}

/*
 * __portown_addr_port - the port a bind of an address would take
 * @families: the PORTOWN_ADDR_* families the socket's bind can take
 * @sctp: the socket is SCTP, which wants a whole sockaddr_in6
 * @stream: the socket is SOCK_STREAM (IPv6 multicast is refused first)
 * @address: the kernel's copy of the address
 * @addrlen: its length
 *
 * Return: the port (0 for "any"), or -1 when the protocol's own bind is
 * certain to reject the address before looking at its port (too short, a
 * family the socket never takes): that is left to the stack and its errno.
 * Inlined into the bind hook, which runs on every bind.
 */
static __always_inline int __portown_addr_port(unsigned int families,
					       bool sctp, bool stream,
					       const struct sockaddr *address,
					       int addrlen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)address;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)address;

	if (addrlen < (int)offsetofend(struct sockaddr, sa_family))
		return -1;

	switch (address->sa_family) {
	case AF_UNSPEC:
		if (!(families & PORTOWN_ADDR_UNSPEC) ||
		    addrlen < (int)sizeof(*sin) ||
		    sin->sin_addr.s_addr != htonl(INADDR_ANY))
			return -1;
		return ntohs(sin->sin_port);
	case AF_INET:
		if (!(families & PORTOWN_ADDR_INET) ||
		    addrlen < (int)sizeof(*sin))
			return -1;
		return ntohs(sin->sin_port);
	case AF_INET6:
		if (!(families & PORTOWN_ADDR_INET6) ||
		    addrlen < (int)(sctp ? sizeof(*sin6) : SIN6_LEN_RFC2133))
			return -1;
		/* __inet6_bind() refuses these before any port check. */
		if (stream && !sctp && ipv6_addr_is_multicast(&sin6->sin6_addr))
			return -1;
		return ntohs(sin6->sin6_port);
	default:
		return -1;
	}
}

/**
 * portown_addr_port - the port a bind of an address would take
 * @families: the PORTOWN_ADDR_* families the socket's bind can take
 * @sctp: the socket is SCTP, which wants a whole sockaddr_in6
 * @stream: the socket is SOCK_STREAM (IPv6 multicast is refused first)
 * @address: the kernel's copy of the address
 * @addrlen: its length
 *
 * Return: as __portown_addr_port().
 */
VISIBLE_IF_KUNIT int portown_addr_port(unsigned int families, bool sctp,
				       bool stream,
				       const struct sockaddr *address,
				       int addrlen)
{
	return __portown_addr_port(families, sctp, stream, address, addrlen);
}

/**
 * portown_rxrpc_port - the UDP port an AF_RXRPC bind would take
 * @address: the kernel's copy of a struct sockaddr_rxrpc
 * @addrlen: its length
 *
 * rxrpc_bind() opens a kernel UDP socket on the transport address, with
 * kernel_bind(), which has no hook of its own. This mirrors the checks of
 * rxrpc_validate_address() that come before the port is used, except the
 * socket's transport family, which is private to rxrpc: a transport
 * address of either family is judged.
 *
 * Return: the port, or -1 when rxrpc will refuse the address itself.
 */
VISIBLE_IF_KUNIT int portown_rxrpc_port(const struct sockaddr *address,
					int addrlen)
{
	const struct sockaddr_rxrpc *srx = (const struct sockaddr_rxrpc *)address;
	int tlen;

	if (addrlen < (int)sizeof(*srx) || srx->srx_family != AF_RXRPC ||
	    srx->transport_type != SOCK_DGRAM)
		return -1;
	tlen = srx->transport_len;
	if (tlen < (int)sizeof(sa_family_t) ||
	    tlen > addrlen - (int)offsetof(struct sockaddr_rxrpc, transport))
		return -1;

	switch (srx->transport.family) {
	case AF_INET:
		if (tlen < (int)sizeof(struct sockaddr_in))
			return -1;
		return ntohs(srx->transport.sin.sin_port);
	case AF_INET6:
		if (tlen < (int)sizeof(struct sockaddr_in6))
			return -1;
		return ntohs(srx->transport.sin6.sin6_port);
	default:
		return -1;
	}
}

/* The port a bind of @address on @sk would take, or -1 (see above). */
static int portown_sock_bind_port(const struct sock *sk, int family,
				  const struct sockaddr *address, int addrlen)
{
	if (unlikely(family == AF_RXRPC))
		return portown_rxrpc_port(address, addrlen);
	return __portown_addr_port(portown_bind_families(sk, family),
				   sk->sk_protocol == IPPROTO_SCTP,
				   sk->sk_type == SOCK_STREAM, address, addrlen);
}

/*
 * An SCTP bind of @port. sctp_bind() refuses a bound endpoint before it
 * looks at the port, and an endpoint never becomes unbound again. An
 * unbound one may be bound by another task before this bind takes the
 * socket lock, and then this one fails: its port, recorded as chosen
 * anyway, is not the endpoint's. A bind that fails for another reason (the
 * port is in use) leaves the endpoint to autobind a port that differs too.
 */
static int portown_sctp_bind(struct sock *sk, u16 port)
{
	int err;

	if (portown_sctp_port(sk))
		return 0;
	err = portown_decide(PORTOWN_SCTP, port, PORTOWN_OP_BIND);
	if (!err)
		portown_sctp_choose(sk, port);
	return err;
}

/*
 * Any socket: the port space and the port of the bind, from what the
 * socket takes the address as.
 */
static noinline int portown_socket_bind_any(struct socket *sock,
					    struct sockaddr *address,
					    int addrlen)
{
	struct sock *sk = sock->sk;
	int family, proto, port;

	/* Only ever changes from AF_INET6 to AF_INET: same port spaces. */
	family = READ_ONCE(sk->sk_family);
	proto = portown_sock_proto(sk, family);
	if (proto < 0)
		return 0;
	port = portown_sock_bind_port(sk, family, address, addrlen);
	if (port <= 0)		/* left to the stack, or the kernel's choice */
		return 0;
	if (proto == PORTOWN_SCTP)
		return portown_sctp_bind(sk, port);
	return portown_decide(proto, port, PORTOWN_OP_BIND);
}

/*
 * The port space of the two commonest sockets, from their type and
 * protocol alone, or -1. Only an inet socket has both IPPROTO_TCP and
 * SOCK_STREAM, or IPPROTO_UDP and SOCK_DGRAM, and IPV6_ADDRFORM changes
 * neither.
 */
static __always_inline int portown_common_proto(const struct sock *sk)
{
	if (sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM)
		return PORTOWN_TCP;
	if (sk->sk_protocol == IPPROTO_UDP && sk->sk_type == SOCK_DGRAM)
		return PORTOWN_UDP;
	return -1;
}

/*
 * Every bind(2), and the kernel's binds of ports users chose (io_uring,
 * SMC's inner socket; rxrpc's transport socket is judged here, from its
 * AF_RXRPC address). The commonest bind, of a whole AF_INET address on a
 * TCP or UDP socket, takes its port at sin_port: every TCP and UDP socket
 * takes such an address, whatever its family. Every other bind is read by
 * portown_socket_bind_any(). Both are decided by portown_decide().
 */
static int portown_socket_bind(struct socket *sock, struct sockaddr *address,
			       int addrlen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)address;
	struct sock *sk = sock->sk;
	int proto;

	if (!net_eq(sock_net(sk), &init_net))
		return 0;
	proto = portown_common_proto(sk);
	if (likely(proto >= 0 && addrlen >= (int)sizeof(*sin) &&
		   address->sa_family == AF_INET))
		return portown_decide(proto, ntohs(sin->sin_port),
				      PORTOWN_OP_BIND);
	return portown_socket_bind_any(sock, address, addrlen);
}

static bool portown_sctp_sock(const struct sock *sk)
{
	int family = READ_ONCE(sk->sk_family);

	return sk->sk_protocol == IPPROTO_SCTP && sk->sk_type != SOCK_RAW &&
	       (family == AF_INET || family == AF_INET6) &&
	       net_eq(sock_net(sk), &init_net);
}

/*
 * A new SCTP association, called with the socket locked: connect(2) (the
 * portown glue in sctp_connect()), sctp_connectx() and a sendmsg() to a
 * new peer. sctp_connect_new_asoc() requires CAP_NET_BIND_SERVICE for a
 * bound port below ip_unprivileged_port_start, which portown took over:
 * the same port, the endpoint's, is judged like a bind of it, with the
 * credentials of the task making the association, if a caller chose it.
 * An unbound endpoint is autobound to a port the kernel picks, and a port
 * it picked needs nothing: the stock check never refuses one, since the
 * sysctl cannot exceed the start of ip_local_port_range, and portown's
 * reserved boundary can. What connect() refuses first (a connected or
 * listening one-to-one socket) is left to it.
 */
static int portown_sctp_assoc(const struct sock *sk, bool connect)
{
	u16 port = portown_sctp_port(sk);

	if (!portown_sctp_chosen(sk, port))
		return 0;
	if (connect && (sctp_sstate(sk, ESTABLISHED) ||
			sctp_sstate(sk, CLOSING) ||
			(sctp_style(sk, TCP) && sctp_sstate(sk, LISTENING))))
		return 0;
	return portown_decide(PORTOWN_SCTP, port, PORTOWN_OP_CONNECT);
}

/*
 * The sctp_bind_connect hook, called with the socket locked:
 * SCTP_SOCKOPT_BINDX_ADD (sctp_bindx()) binds every address of a packed
 * list, and can bind an unbound socket; SCTP_SOCKOPT_CONNECTX
 * (sctp_connectx(), and connect(2) through the portown glue) and
 * SCTP_SENDMSG_CONNECT (a sendmsg() to a new peer) make a new
 * association. The other options name peer or already bound addresses.
 *
 * sctp_do_bind() binds an address whose port is 0 on the endpoint's port
 * once the endpoint is bound: that port is judged, for the caller, if a
 * caller chose it; another port is refused by the stack before any
 * check. Within one list, the first address binds an unbound endpoint,
 * on its port (judged, and recorded as chosen) or on one autobind picks;
 * the others must name that port or 0.
 */
static int portown_sctp_bind_connect(struct sock *sk, int optname,
				     struct sockaddr *address, int addrlen)
{
	unsigned int families;
	int walk, len, port, err, first = -1;
	struct sockaddr *addr;
	u16 bound;

	if (!portown_sctp_sock(sk))
		return 0;
	if (optname == SCTP_SOCKOPT_CONNECTX || optname == SCTP_SENDMSG_CONNECT)
		return portown_sctp_assoc(sk, optname == SCTP_SOCKOPT_CONNECTX);
	if (optname != SCTP_SOCKOPT_BINDX_ADD)
		return 0;

	/* The list was validated by sctp_setsockopt_bindx(); be defensive. */
	for (walk = 0; walk < addrlen; walk += len) {
		if (walk + (int)sizeof(sa_family_t) > addrlen)
			return 0;
		addr = (struct sockaddr *)((u8 *)address + walk);
		switch (addr->sa_family) {
		case AF_INET:
			len = sizeof(struct sockaddr_in);
			break;
		case AF_INET6:
			len = sizeof(struct sockaddr_in6);
			break;
		default:
			return 0;
		}
		if (walk + len > addrlen)
			return 0;
	}

	families = portown_bind_families(sk, READ_ONCE(sk->sk_family));
	bound = portown_sctp_port(sk);
	for (walk = 0; walk < addrlen; walk += len) {
		addr = (struct sockaddr *)((u8 *)address + walk);
		len = addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
						   sizeof(struct sockaddr_in6);
		port = portown_addr_port(families, true, false, addr, len);
		if (!walk)
			first = port;
		if (port < 0)
			continue;
		if (!port) {
			if (!portown_sctp_chosen(sk, bound))
				continue;	/* autobind, or its port */
			port = bound;
		} else if (port != bound && bound) {
			continue;	/* -EINVAL from sctp_do_bind() */
		}
		err = portown_decide(PORTOWN_SCTP, port, PORTOWN_OP_BIND);
		if (err)
			return err;
	}
	/* The first address binds an unbound endpoint, on its port or 0. */
	if (!bound && first > 0)
		portown_sctp_choose(sk, first);
	return 0;
}

/* accept() and sctp_peeloff(): the new socket holds the endpoint's port. */
static void portown_sctp_sk_clone(struct sctp_association *asoc,
				  struct sock *sk, struct sock *newsk)
{
	portown_sock(newsk)->sctp_chosen =
		READ_ONCE(portown_sock(sk)->sctp_chosen);
}

static struct security_hook_list portown_hooks[] __ro_after_init = {
	LSM_HOOK_INIT(socket_bind, portown_socket_bind),
	LSM_HOOK_INIT(sctp_bind_connect, portown_sctp_bind_connect),
	LSM_HOOK_INIT(sctp_sk_clone, portown_sctp_sk_clone),
};

/**
 * portown_add_hooks - register the socket hooks
 */
void __init portown_add_hooks(void)
{
	security_add_hooks(portown_hooks, ARRAY_SIZE(portown_hooks),
			   &portown_lsmid);
}
