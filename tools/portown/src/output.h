/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One output layer for text and JSON, after iproute2's json_print.c: a
 * command prints each value once, with a JSON key and a text format, and the
 * mode decides which one appears.  OUT_TEXT values appear only in text mode,
 * OUT_JSON values only in JSON, OUT_ANY in both.  In text mode a NULL format
 * prints nothing.
 */
#ifndef PORTOWN_OUTPUT_H
#define PORTOWN_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "policy.h"

/* the schema version of every JSON document ("version") */
#define PO_JSON_VERSION	1

enum out_type { OUT_TEXT = 1, OUT_JSON = 2, OUT_ANY = 3 };

/* where and how to print (default: stdout, text) */
void out_init(FILE *f, bool json);
bool out_is_json(void);
/* JSON on several lines, indented by two spaces (kept across out_init) */
void out_set_pretty(bool pretty);

/*
 * A whole JSON document: '{' with "version" and "portownctl_version" first;
 * out_doc_end() closes it with a newline.  Nothing in text mode.
 */
void out_doc_begin(void);
void out_doc_end(void);
/* objects and arrays (JSON only); key NULL inside an array */
void out_obj_open(const char *key);
void out_obj_close(void);
void out_arr_open(const char *key);
void out_arr_close(void);

/* a string; NULL is null in JSON and the text "-" */
void out_str(enum out_type t, const char *key, const char *fmt, const char *v);
void out_uint(enum out_type t, const char *key, const char *fmt, unsigned long long v);
void out_int(enum out_type t, const char *key, const char *fmt, long long v);
/* text: fmt gets "yes" or "no" */
void out_bool(enum out_type t, const char *key, const char *fmt, bool v);
/* null in JSON; text: fmt gets text */
void out_null(enum out_type t, const char *key, const char *fmt, const char *text);
/* text mode only, like printf */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* a JSON string literal, or null for NULL, always valid JSON */
void json_str(FILE *f, const char *s);
/*
 * s made safe for a terminal, into buf (cut to fit): control characters,
 * DEL, C1 controls (U+0080-U+009F) and bytes that are not UTF-8 become
 * \n, \t, \r or \xHH; the rest, well-formed UTF-8 included, is kept.
 */
const char *text_safe(const char *s, char *buf, size_t size);
/* "user www-data" / "group devs" / "uid 1234" (no name) into buf */
const char *rule_owner_named(const struct po_rule *r, char *buf, size_t size);
/* "tcp 80 user www-data" (names where known) into buf */
const char *rule_named(const struct po_rule *r, char *buf, size_t size);
/* a rule as a JSON object (JSON only), or null for NULL */
void out_rule(const char *key, const struct po_rule *r);

#endif
