/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel I/O: securityfs and /proc/sys, with overridable roots for tests. */
#ifndef PORTOWN_KIO_H
#define PORTOWN_KIO_H

#include <stddef.h>

#define PO_DEFAULT_SECURITYFS	"/sys/kernel/security/portown"
#define PO_DEFAULT_PROCSYS	"/proc/sys"
#define PO_DEFAULT_CONFIG	"/etc/portown.conf"
#define PO_DEFAULT_CONFDIR	"/etc/portown.d"

/* set from options or the environment (PORTOWN_SECURITYFS, PORTOWN_PROCSYS) */
extern const char *po_securityfs_dir;
extern const char *po_procsys_dir;
void kio_init_paths(void);

/* 1 if the securityfs directory exists */
int kio_active(void);
/* read a securityfs file whole; 0 or -errno; *buf is NUL-terminated */
int kio_read(const char *name, char **buf, size_t *len);
/* one write(2) at offset 0; 0 or -errno */
int kio_write(const char *name, const char *buf, size_t len);
/* the same, under the /proc/sys root */
int kio_proc_read(const char *name, char **buf, size_t *len);
int kio_proc_write(const char *name, const char *buf, size_t len);
/* full path of a securityfs file, for messages (static buffer) */
const char *kio_path(const char *name);

#endif
