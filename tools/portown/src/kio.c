// SPDX-License-Identifier: GPL-2.0
/* Kernel I/O for portownctl. */
#include "kio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define SECURITYFS_MAGIC	0x73636673
#define PROC_SUPER_MAGIC	0x9fa0

const char *po_securityfs_dir;
const char *po_procsys_dir;

void kio_init_paths(void)
{
	const char *e;

	if (!po_securityfs_dir)
		po_securityfs_dir = (e = getenv("PORTOWN_SECURITYFS")) && *e ? e : PO_DEFAULT_SECURITYFS;
	if (!po_procsys_dir)
		po_procsys_dir = (e = getenv("PORTOWN_PROCSYS")) && *e ? e : PO_DEFAULT_PROCSYS;
}

const char *kio_path(const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", po_securityfs_dir, name);
	return buf;
}

int kio_active(void)
{
	struct stat st;

	return stat(po_securityfs_dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static int read_path(const char *path, char **bufp, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 8192, len = 0;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *n = cap > (64u << 20) ? NULL : realloc(buf, cap * 2);

			if (!n) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = n;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);

		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	if (lenp)
		*lenp = len;
	return 0;
}

static int write_path(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	struct statfs sfs;
	ssize_t w;

	if (fd < 0)
		return -errno;
	/*
	 * A fake directory for tests holds regular files: truncate them so
	 * they read back like the kernel file.  Never truncate the real
	 * securityfs or procfs files.
	 */
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type != SECURITYFS_MAGIC &&
	    sfs.f_type != PROC_SUPER_MAGIC && ftruncate(fd, 0) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	/* exactly one write: the kernel refuses a second one at offset != 0 */
	do {
		w = write(fd, buf, len);
	} while (w < 0 && errno == EINTR);
	if (w < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (close(fd) < 0)
		return -errno;
	if ((size_t)w != len)
		return -EIO;
	return 0;
}

int kio_read(const char *name, char **buf, size_t *len)
{
	return read_path(kio_path(name), buf, len);
}

int kio_write(const char *name, const char *buf, size_t len)
{
	return write_path(kio_path(name), buf, len);
}

int kio_proc_read(const char *name, char **buf, size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", po_procsys_dir, name);
	return read_path(path, buf, len);
}

int kio_proc_write(const char *name, const char *buf, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", po_procsys_dir, name);
	return write_path(path, buf, len);
}
