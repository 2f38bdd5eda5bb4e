// SPDX-License-Identifier: GPL-2.0
/* sock_diag dump of bound sockets through libmnl. */
#include "sockdiag.h"
#include "policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_DCCP
#define IPPROTO_DCCP 33
#endif
#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

/* include/net/tcp_states.h */
enum {
	ST_ESTABLISHED = 1, ST_CLOSE = 7, ST_LISTEN = 10,
	ST_BOUND_INACTIVE = 13,	/* 6.5+: bound, not listening (TCP) */
};

struct dump_ctx {
	struct po_socks *out;
	unsigned proto;
	int oom;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct po_sock s = { .proto = c->proto };

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	s.family = m->idiag_family;
	s.port = ntohs(m->id.idiag_sport);
	s.uid = m->idiag_uid;
	s.inode = m->idiag_inode;
	s.state = m->idiag_state;
	if (s.port == 0)	/* not bound */
		return MNL_CB_OK;
	if (!inet_ntop(s.family, m->id.idiag_src, s.addr, sizeof(s.addr)))
		snprintf(s.addr, sizeof(s.addr), "?");
	if (c->out->n == c->out->cap) {
		size_t n = c->out->cap ? c->out->cap * 2 : 32;
		struct po_sock *v = realloc(c->out->v, n * sizeof(*v));

		if (!v) {
			c->oom = 1;
			return MNL_CB_ERROR;
		}
		c->out->v = v;
		c->out->cap = n;
	}
	c->out->v[c->out->n++] = s;
	return MNL_CB_OK;
}

static int dump_one(struct mnl_socket *nl, int family, int ipproto,
		    unsigned proto, uint32_t states, struct po_socks *out)
{
	static char buf[32768];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	unsigned seq = (unsigned)time(NULL) ^ (unsigned)(family << 8 | ipproto);
	unsigned portid = mnl_socket_get_portid(nl);
	struct dump_ctx c = { .out = out, .proto = proto };
	int ret;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = (uint8_t)ipproto;
	req->idiag_states = states;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)ret, seq, portid, dump_cb, &c);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0)
			return c.oom ? -ENOMEM : -errno;
	}
}

/*
 * Is the protocol registered (/proc/net/protocols names it, e.g. "SCTP",
 * "SCTPv6")?  A dump of a protocol makes the kernel load its diag module,
 * and with it the protocol's own module (sctp, dccp): skip protocols that
 * are not there, since they have no sockets.  Unknown (no file): yes.
 */
static bool proto_registered(const char *name)
{
	FILE *f = fopen("/proc/net/protocols", "re");
	char line[256];
	size_t n = strlen(name);
	bool found = false;

	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, name, n) == 0 && (line[n] == ' ' || (line[n] == 'v' && line[n + 1] == '6'));
	fclose(f);
	return found;
}

int po_sockdiag_dump(struct po_socks *out, char *err, size_t errsize)
{
	static const struct {
		int ipproto;
		unsigned proto;
		uint32_t states;
		const char *module;	/* a protocol of its own module: dumped if registered */
	} what[] = {
		{ IPPROTO_TCP, PO_TCP, 1u << ST_LISTEN | 1u << ST_BOUND_INACTIVE, NULL },
		{ IPPROTO_UDP, PO_UDP, ~0u, NULL },
		{ IPPROTO_UDPLITE, PO_UDP, ~0u, NULL },
		{ IPPROTO_SCTP, PO_SCTP, 1u << ST_LISTEN | 1u << ST_CLOSE, "SCTP" },
		{ IPPROTO_DCCP, PO_DCCP, 1u << ST_LISTEN, "DCCP" },
	};
	static const int families[] = { AF_INET, AF_INET6 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_SOCK_DIAG);

	memset(out, 0, sizeof(*out));
	if (!nl) {
		int e = errno;

		snprintf(err, errsize, "cannot open a sock_diag netlink socket: %s", strerror(e));
		return -e;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		snprintf(err, errsize, "cannot bind the sock_diag netlink socket: %s", strerror(e));
		mnl_socket_close(nl);
		return -e;
	}
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		if (what[i].module && !proto_registered(what[i].module))
			continue;
		for (size_t f = 0; f < 2; f++) {
			int rc = dump_one(nl, families[f], what[i].ipproto,
					  what[i].proto, what[i].states, out);

			/* a protocol without a diag module (or not built): skip it */
			if (rc == -ENOENT || rc == -EOPNOTSUPP || rc == -EAFNOSUPPORT ||
			    rc == -EPROTONOSUPPORT || rc == -EINVAL)
				continue;
			if (rc < 0) {
				snprintf(err, errsize, "sock_diag dump of %s/%s failed: %s",
					 families[f] == AF_INET ? "inet" : "inet6",
					 po_proto_name(what[i].proto), strerror(-rc));
				mnl_socket_close(nl);
				return rc;
			}
		}
	}
	mnl_socket_close(nl);
	return 0;
}

void po_socks_free(struct po_socks *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
