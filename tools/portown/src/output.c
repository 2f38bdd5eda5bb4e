// SPDX-License-Identifier: GPL-2.0
/* The output layer of portownctl: text and JSON from one set of calls. */
#include "output.h"
#include "resolve.h"

#include <stdarg.h>
#include <string.h>

#ifndef PORTOWN_VERSION
#define PORTOWN_VERSION "0.1"
#endif

#define MAX_DEPTH	16

static FILE *out_f;
static bool out_json, out_pretty;
static unsigned depth;
static bool first[MAX_DEPTH];	/* no member printed yet at this level */

static FILE *of(void)
{
	return out_f ? out_f : stdout;
}

void out_init(FILE *f, bool json)
{
	out_f = f;
	out_json = json;
	depth = 0;
}

bool out_is_json(void)
{
	return out_json;
}

void out_set_pretty(bool pretty)
{
	out_pretty = pretty;
}

/* pretty JSON: a new line indented to the current depth */
static void newline(void)
{
	if (!out_pretty)
		return;
	fputc('\n', of());
	for (unsigned i = 0; i < depth; i++)
		fputs("  ", of());
}

/* the separator and "key": of the next member */
static void member(const char *key)
{
	if (depth && depth <= MAX_DEPTH && !first[depth - 1])
		fputc(',', of());
	if (depth && depth <= MAX_DEPTH)
		first[depth - 1] = false;
	if (depth)
		newline();
	if (key) {
		json_str(of(), key);
		fputs(out_pretty ? ": " : ":", of());
	}
}

static void open_level(const char *key, char c)
{
	if (!out_json)
		return;
	member(key);
	fputc(c, of());
	if (depth < MAX_DEPTH)
		first[depth] = true;
	depth++;
}

static void close_level(char c)
{
	if (!out_json)
		return;
	if (depth)
		depth--;
	if (depth < MAX_DEPTH && !first[depth])	/* not empty */
		newline();
	fputc(c, of());
}

void out_obj_open(const char *key) { open_level(key, '{'); }
void out_obj_close(void) { close_level('}'); }
void out_arr_open(const char *key) { open_level(key, '['); }
void out_arr_close(void) { close_level(']'); }

void out_doc_begin(void)
{
	if (!out_json)
		return;
	depth = 0;
	out_obj_open(NULL);
	out_uint(OUT_JSON, "version", NULL, PO_JSON_VERSION);
	out_str(OUT_JSON, "portownctl_version", NULL, PORTOWN_VERSION);
}

void out_doc_end(void)
{
	if (!out_json)
		return;
	while (depth)
		out_obj_close();
	fputc('\n', of());
}

/* the text half of a value: 1 when it is to be printed */
static bool text_wanted(enum out_type t, const char *fmt)
{
	return !out_json && (t & OUT_TEXT) && fmt;
}

static bool json_wanted(enum out_type t)
{
	return out_json && (t & OUT_JSON);
}

void out_str(enum out_type t, const char *key, const char *fmt, const char *v)
{
	if (json_wanted(t)) {
		member(key);
		json_str(of(), v);
	} else if (text_wanted(t, fmt)) {
		fprintf(of(), fmt, v ? v : "-");
	}
}

void out_uint(enum out_type t, const char *key, const char *fmt, unsigned long long v)
{
	if (json_wanted(t)) {
		member(key);
		fprintf(of(), "%llu", v);
	} else if (text_wanted(t, fmt)) {
		fprintf(of(), fmt, v);
	}
}

void out_int(enum out_type t, const char *key, const char *fmt, long long v)
{
	if (json_wanted(t)) {
		member(key);
		fprintf(of(), "%lld", v);
	} else if (text_wanted(t, fmt)) {
		fprintf(of(), fmt, v);
	}
}

void out_bool(enum out_type t, const char *key, const char *fmt, bool v)
{
	if (json_wanted(t)) {
		member(key);
		fputs(v ? "true" : "false", of());
	} else if (text_wanted(t, fmt)) {
		fprintf(of(), fmt, v ? "yes" : "no");
	}
}

void out_null(enum out_type t, const char *key, const char *fmt, const char *text)
{
	if (json_wanted(t)) {
		member(key);
		fputs("null", of());
	} else if (text_wanted(t, fmt)) {
		fprintf(of(), fmt, text);
	}
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (out_json)
		return;
	va_start(ap, fmt);
	vfprintf(of(), fmt, ap);
	va_end(ap);
}

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

const char *text_safe(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	if (!size)
		return buf;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		size_t n = *p >= 0x80 ? utf8_len(p) : 0;

		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			n = 0;	/* a C1 control */
		if (n) {
			if (o + n >= size)
				break;
			memcpy(buf + o, p, n);
			o += n;
			p += n - 1;
		} else if (*p < 0x20 || *p >= 0x7f) {
			char e[8];

			if (*p == '\n')
				snprintf(e, sizeof(e), "\\n");
			else if (*p == '\t')
				snprintf(e, sizeof(e), "\\t");
			else if (*p == '\r')
				snprintf(e, sizeof(e), "\\r");
			else
				snprintf(e, sizeof(e), "\\x%02x", *p);
			if (o + strlen(e) >= size)
				break;
			memcpy(buf + o, e, strlen(e));
			o += strlen(e);
		} else {
			if (o + 1 >= size)
				break;
			buf[o++] = (char)*p;
		}
	}
	buf[o] = '\0';
	return buf;
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

void out_rule(const char *key, const struct po_rule *r)
{
	char name[256], svc[64];

	if (!out_json)
		return;
	if (!r) {
		out_null(OUT_JSON, key, NULL, NULL);
		return;
	}
	const char *n = r->subject == PO_UID ? po_user_name(r->id, name, sizeof(name))
					     : po_group_name(r->id, name, sizeof(name));
	const char *s = r->first == r->last ? po_service_name(r->first, r->proto, svc, sizeof(svc)) : NULL;

	out_obj_open(key);
	out_str(OUT_JSON, "protocol", NULL, po_proto_name(r->proto));
	out_uint(OUT_JSON, "first", NULL, r->first);
	out_uint(OUT_JSON, "last", NULL, r->last);
	out_str(OUT_JSON, "subject", NULL, po_subject_name(r->subject));
	out_uint(OUT_JSON, "id", NULL, r->id);
	out_str(OUT_JSON, "name", NULL, n);
	out_str(OUT_JSON, "service", NULL, s);
	out_obj_close();
}
