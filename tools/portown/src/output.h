/* SPDX-License-Identifier: GPL-2.0 */
/* Output helpers: JSON strings, names for rules. */
#ifndef PORTOWN_OUTPUT_H
#define PORTOWN_OUTPUT_H

#include <stdio.h>
#include "policy.h"

/* a JSON string literal, or null for NULL */
void json_str(FILE *f, const char *s);
/* "user www-data" / "group devs" / "uid 1234" (no name) into buf */
const char *rule_owner_named(const struct po_rule *r, char *buf, size_t size);
/* "tcp 80 user www-data" (names where known) into buf */
const char *rule_named(const struct po_rule *r, char *buf, size_t size);
/* a rule as a JSON object */
void json_rule(FILE *f, const struct po_rule *r);

#endif
