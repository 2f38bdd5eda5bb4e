// SPDX-License-Identifier: GPL-2.0
/* Output helpers for portownctl. */
#include "output.h"
#include "resolve.h"

#include <string.h>

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), or 0.
 */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80;
		unsigned hi = p[0] == 0xed ? 0x9f : 0xbf;

		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80;
		unsigned hi = p[0] == 0xf4 ? 0x8f : 0xbf;

		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
		       (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/*
 * A JSON string. Names come from the system (process names, user and
 * group names) and need not be UTF-8: a byte that does not start a
 * well-formed sequence becomes U+FFFD, so the output is always valid JSON.
 */
void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			size_t n = utf8_len(p);

			if (n) {
				fwrite(p, 1, n, f);
				p += n - 1;
			} else {
				fputs("\\ufffd", f);
			}
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

const char *rule_owner_named(const struct po_rule *r, char *buf, size_t size)
{
	char name[256];
	const char *n = r->subject == PO_UID ? po_user_name(r->id, name, sizeof(name))
					     : po_group_name(r->id, name, sizeof(name));

	if (n)
		snprintf(buf, size, "%s %s", r->subject == PO_UID ? "user" : "group", n);
	else
		snprintf(buf, size, "%s %u", po_subject_name(r->subject), r->id);
	return buf;
}

const char *rule_named(const struct po_rule *r, char *buf, size_t size)
{
	char owner[300];

	rule_owner_named(r, owner, sizeof(owner));
	if (r->first == r->last)
		snprintf(buf, size, "%s %u %s", po_proto_name(r->proto), r->first, owner);
	else
		snprintf(buf, size, "%s %u-%u %s", po_proto_name(r->proto), r->first, r->last, owner);
	return buf;
}

void json_rule(FILE *f, const struct po_rule *r)
{
	char name[256], svc[64];
	const char *n = r->subject == PO_UID ? po_user_name(r->id, name, sizeof(name))
					     : po_group_name(r->id, name, sizeof(name));
	const char *s = r->first == r->last ? po_service_name(r->first, r->proto, svc, sizeof(svc)) : NULL;

	fprintf(f, "{\"protocol\":\"%s\",\"first\":%u,\"last\":%u,\"subject\":\"%s\",\"id\":%u,\"name\":",
		po_proto_name(r->proto), r->first, r->last, po_subject_name(r->subject), r->id);
	json_str(f, n);
	fputs(",\"service\":", f);
	json_str(f, s);
	fputc('}', f);
}
