// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - KUnit tests of the address handling of the socket hooks
 */

#include <kunit/test.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/rxrpc.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "hooks.h"

#define V4	PORTOWN_ADDR_INET
#define UNSPEC	PORTOWN_ADDR_UNSPEC
#define V6	PORTOWN_ADDR_INET6
#define ALL	PORTOWN_ADDR_ALL

/* Which address is built for a case. */
enum portown_test_addr {
	A_IN,		/* AF_INET 0.0.0.0 */
	A_UNSPEC_ANY,	/* AF_UNSPEC, INADDR_ANY */
	A_UNSPEC_LO,	/* AF_UNSPEC, 127.0.0.1 */
	A_IN6,		/* AF_INET6 :: */
	A_IN6_MCAST,	/* AF_INET6 ff02::1 */
	A_UNIX,		/* AF_UNIX */
};

struct portown_addr_case {
	const char *name;
	unsigned int families;
	bool sctp;
	bool stream;
	enum portown_test_addr addr;
	int len;
	int port;	/* expected: the port, or -1 (left to the stack) */
};

#define LEN4	((int)sizeof(struct sockaddr_in))
#define LEN6	((int)sizeof(struct sockaddr_in6))
#define LEN2133	SIN6_LEN_RFC2133

static const struct portown_addr_case portown_addr_cases[] = {
	/* AF_INET sockets (TCP, UDP): AF_INET and AF_UNSPEC-any. */
	{ "v4 sock, v4 addr", V4 | UNSPEC, false, true, A_IN, LEN4, 80 },
	{ "v4 sock, v4 addr, long", V4 | UNSPEC, false, true, A_IN, 128, 80 },
	{ "v4 sock, v4 addr, short", V4 | UNSPEC, false, true, A_IN, LEN4 - 1, -1 },
	{ "v4 sock, family only", V4 | UNSPEC, false, true, A_IN, 2, -1 },
	{ "v4 sock, half a family", V4 | UNSPEC, false, true, A_IN, 1, -1 },
	{ "v4 sock, no address", V4 | UNSPEC, false, true, A_IN, 0, -1 },
	{ "v4 sock, unspec any", V4 | UNSPEC, false, true, A_UNSPEC_ANY, LEN4, 80 },
	{ "v4 sock, unspec loopback", V4 | UNSPEC, false, true, A_UNSPEC_LO, LEN4, -1 },
	{ "v4 sock, unspec short", V4 | UNSPEC, false, true, A_UNSPEC_ANY, LEN4 - 1, -1 },
	{ "v4 sock, v6 addr", V4 | UNSPEC, false, true, A_IN6, LEN6, -1 },
	{ "v4 sock, unix addr", V4 | UNSPEC, false, true, A_UNIX, LEN6, -1 },
	/* AF_INET SCTP: no AF_UNSPEC. */
	{ "v4 sctp, v4 addr", V4, true, true, A_IN, LEN4, 80 },
	{ "v4 sctp, unspec any", V4, true, true, A_UNSPEC_ANY, LEN4, -1 },
	{ "v4 sctp, v6 addr", V4, true, true, A_IN6, LEN6, -1 },
	/*
	 * AF_INET6 TCP, UDP, UDP-Lite: IPV6_ADDRFORM may make them AF_INET
	 * between the hook and the bind, so all three families are judged.
	 */
	{ "v6 tcp, v6 addr", ALL, false, true, A_IN6, LEN6, 80 },
	{ "v6 tcp, v6 addr, RFC 2133 length", ALL, false, true, A_IN6, LEN2133, 80 },
	{ "v6 tcp, v6 addr, short", ALL, false, true, A_IN6, LEN2133 - 1, -1 },
	{ "v6 tcp, v6 multicast", ALL, false, true, A_IN6_MCAST, LEN6, -1 },
	{ "v6 udp, v6 multicast", ALL, false, false, A_IN6_MCAST, LEN6, 80 },
	{ "v6 tcp, v4 addr", ALL, false, true, A_IN, LEN4, 80 },
	{ "v6 udp, v4 addr", ALL, false, false, A_IN, LEN4, 80 },
	{ "v6 udp, v4 addr, short", ALL, false, false, A_IN, LEN4 - 1, -1 },
	{ "v6 udp, unspec any", ALL, false, false, A_UNSPEC_ANY, LEN4, 80 },
	{ "v6 udp, unspec loopback", ALL, false, false, A_UNSPEC_LO, LEN4, -1 },
	{ "v6 udp, unix addr", ALL, false, false, A_UNIX, LEN6, -1 },
	/* AF_INET6 SCTP: AF_INET natively, a whole sockaddr_in6. */
	{ "v6 sctp, v6 addr", V4 | V6, true, true, A_IN6, LEN6, 80 },
	{ "v6 sctp, v6 addr, RFC 2133 length", V4 | V6, true, true, A_IN6, LEN2133, -1 },
	{ "v6 sctp, v6 multicast", V4 | V6, true, true, A_IN6_MCAST, LEN6, 80 },
	{ "v6 sctp, v4 addr", V4 | V6, true, true, A_IN, LEN4, 80 },
	{ "v6 sctp, unspec any", V4 | V6, true, true, A_UNSPEC_ANY, LEN4, -1 },
	/* AF_INET6 MPTCP and DCCP: IPv6 only. */
	{ "v6 mptcp, v6 addr", V6, false, true, A_IN6, LEN6, 80 },
	{ "v6 mptcp, v4 addr", V6, false, true, A_IN, LEN6, -1 },
	{ "v6 dccp, unspec any", V6, false, false, A_UNSPEC_ANY, LEN6, -1 },
};

static void portown_addr_desc(const struct portown_addr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(portown_addr, portown_addr_cases, portown_addr_desc);

static void portown_test_fill(struct sockaddr_storage *ss,
			      enum portown_test_addr addr, u16 port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	switch (addr) {
	case A_IN:
	case A_UNSPEC_ANY:
	case A_UNSPEC_LO:
		sin->sin_family = addr == A_IN ? AF_INET : AF_UNSPEC;
		sin->sin_port = htons(port);
		if (addr == A_UNSPEC_LO)
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		break;
	case A_IN6:
	case A_IN6_MCAST:
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (addr == A_IN6_MCAST) {
			sin6->sin6_addr.s6_addr[0] = 0xff;
			sin6->sin6_addr.s6_addr[1] = 0x02;
			sin6->sin6_addr.s6_addr[15] = 0x01;
		}
		break;
	case A_UNIX:
		ss->ss_family = AF_UNIX;
		sin->sin_port = htons(port);
		break;
	}
}

static void portown_test_addr_port(struct kunit *test)
{
	const struct portown_addr_case *c = test->param_value;
	struct sockaddr_storage ss;

	portown_test_fill(&ss, c->addr, 80);
	KUNIT_EXPECT_EQ(test, c->port,
			portown_addr_port(c->families, c->sctp, c->stream,
					  (struct sockaddr *)&ss, c->len));
}

/* Port 0, the kernel's choice, comes back as 0 for the decision to allow. */
static void portown_test_addr_port_zero(struct kunit *test)
{
	struct sockaddr_storage ss;

	portown_test_fill(&ss, A_IN6, 0);
	KUNIT_EXPECT_EQ(test, 0, portown_addr_port(ALL, false, true,
						   (struct sockaddr *)&ss,
						   LEN6));
	portown_test_fill(&ss, A_IN, 65535);
	KUNIT_EXPECT_EQ(test, 65535, portown_addr_port(V4, false, true,
						       (struct sockaddr *)&ss,
						       LEN4));
}

struct portown_rxrpc_case {
	const char *name;
	u16 srx_family;
	u16 transport_type;
	u16 transport_len;
	u16 transport_family;
	int len;
	int port;
};

#define SRX_LEN ((int)sizeof(struct sockaddr_rxrpc))

static const struct portown_rxrpc_case portown_rxrpc_cases[] = {
	{ "udp4", AF_RXRPC, SOCK_DGRAM, LEN4, AF_INET, SRX_LEN, 53 },
	{ "udp6", AF_RXRPC, SOCK_DGRAM, LEN6, AF_INET6, SRX_LEN, 53 },
	{ "short address", AF_RXRPC, SOCK_DGRAM, LEN4, AF_INET, SRX_LEN - 1, -1 },
	{ "not AF_RXRPC", AF_INET, SOCK_DGRAM, LEN4, AF_INET, SRX_LEN, -1 },
	{ "stream transport", AF_RXRPC, SOCK_STREAM, LEN4, AF_INET, SRX_LEN, -1 },
	{ "transport too short", AF_RXRPC, SOCK_DGRAM, LEN4 - 1, AF_INET, SRX_LEN, -1 },
	{ "transport6 too short", AF_RXRPC, SOCK_DGRAM, LEN6 - 1, AF_INET6, SRX_LEN, -1 },
	{ "transport longer than address", AF_RXRPC, SOCK_DGRAM, LEN6 + 1, AF_INET6,
	  SRX_LEN, -1 },
	{ "transport of no family", AF_RXRPC, SOCK_DGRAM, 1, AF_INET, SRX_LEN, -1 },
	{ "unknown transport family", AF_RXRPC, SOCK_DGRAM, LEN4, AF_UNIX, SRX_LEN, -1 },
};

static void portown_rxrpc_desc(const struct portown_rxrpc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(portown_rxrpc, portown_rxrpc_cases, portown_rxrpc_desc);

static void portown_test_rxrpc_port(struct kunit *test)
{
	const struct portown_rxrpc_case *c = test->param_value;
	struct sockaddr_rxrpc srx[2] = {};

	srx[0].srx_family = c->srx_family;
	srx[0].srx_service = 1;
	srx[0].transport_type = c->transport_type;
	srx[0].transport_len = c->transport_len;
	srx[0].transport.family = c->transport_family;
	if (c->transport_family == AF_INET6)
		srx[0].transport.sin6.sin6_port = htons(53);
	else
		srx[0].transport.sin.sin_port = htons(53);
	KUNIT_EXPECT_EQ(test, c->port,
			portown_rxrpc_port((struct sockaddr *)srx, c->len));
}

static struct kunit_case portown_hooks_test_cases[] = {
	KUNIT_CASE_PARAM(portown_test_addr_port, portown_addr_gen_params),
	KUNIT_CASE(portown_test_addr_port_zero),
	KUNIT_CASE_PARAM(portown_test_rxrpc_port, portown_rxrpc_gen_params),
	{}
};

static struct kunit_suite portown_hooks_test_suite = {
	.name = "portown_hooks",
	.test_cases = portown_hooks_test_cases,
};

kunit_test_suite(portown_hooks_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of portown's address handling");
