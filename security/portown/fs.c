// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - the securityfs interface, /sys/kernel/security/portown/
 *
 *   policy  0600  read: the policy in canonical form; write: a new policy
 *   enforce 0644  "1" enforcing, "0" permissive
 *   lock    0644  "1" freezes policy, enforce and lock until reboot
 *   stats   0444  counters, one "name value" a line
 */

#define pr_fmt(fmt) "portown: " fmt

#include <linux/capability.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "audit.h"
#include "policy.h"
#include "setup.h"
#include "state.h"

static const char *const portown_stat_names[PORTOWN_STAT_NR] = {
	[PORTOWN_STAT_ALLOWED_OWNER] = "allowed_owner",
	[PORTOWN_STAT_ALLOWED_CAPABILITY] = "allowed_capability",
	[PORTOWN_STAT_DENIED] = "denied",
	[PORTOWN_STAT_LOGGED] = "logged",
	[PORTOWN_STAT_POLICY_LOADS] = "policy_loads",
	[PORTOWN_STAT_POLICY_ERRORS] = "policy_errors",
};

/*
 * Changing portown needs CAP_MAC_ADMIN in the initial user namespace, both
 * for whoever opened the file and for whoever writes to it, so that a
 * privileged file descriptor handed to an unprivileged task is useless.
 */
static int portown_may_write(struct file *file)
{
	if (!file_ns_capable(file, &init_user_ns, CAP_MAC_ADMIN) ||
	    !ns_capable(&init_user_ns, CAP_MAC_ADMIN))
		return -EPERM;
	return 0;
}

static int portown_policy_show_file(struct seq_file *m, void *v)
{
	portown_state_show(m);
	return 0;
}

static int portown_policy_open(struct inode *inode, struct file *file)
{
	int err;

	/*
	 * A reader gets a buffer for the whole text, which seq_read() would
	 * otherwise find by making the text again in buffers twice as big.
	 */
	if (file->f_mode & FMODE_READ)
		err = single_open_size(file, portown_policy_show_file, NULL,
				       portown_state_text_size());
	else
		err = single_open(file, portown_policy_show_file, NULL);
	if (err)
		return err;
	/*
	 * seq_open() forbids pwrite(), but writes never touch the seq_file:
	 * a pwrite() at offset 0 is a whole policy like a write(), and one at
	 * another offset gets the same -EINVAL.
	 */
	file->f_mode |= FMODE_PWRITE;
	return 0;
}

/*
 * A policy is one write() of the whole text at offset 0. A text that comes
 * in pieces (a second write, or a write at another offset) is refused
 * instead of replacing the policy with its last piece.
 */
static ssize_t portown_policy_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *ppos)
{
	struct portown_parse_error perr = {};
	struct portown_policy *policy;
	char *text;
	int err;

	err = portown_may_write(file);
	if (err)
		return err;
	if (portown_locked()) {
		err = -EPERM;
		perr.reason = "policy is locked";
		goto fail;
	}
	if (*ppos != 0) {
		err = -EINVAL;
		perr.reason = "a policy must be written whole, in one write at offset 0";
		goto fail;
	}
	if (count > PORTOWN_MAX_TEXT) {
		err = -E2BIG;
		perr.reason = "policy larger than 2 MiB";
		goto fail;
	}
	if (!count)
		return 0;

	/* The parser wants a NUL byte after the text (see parse.c). */
	text = kvmalloc(count + 1, GFP_KERNEL | __GFP_NOWARN);
	if (!text) {
		err = -ENOMEM;
		perr.reason = "out of memory";
		goto fail;
	}
	if (copy_from_user(text, buf, count)) {
		kvfree(text);
		err = -EFAULT;
		perr.reason = "cannot read the policy from the writer";
		goto fail;
	}
	text[count] = '\0';
	policy = portown_policy_parse(text, count, file->f_cred->user_ns,
				      &perr);
	kvfree(text);
	if (IS_ERR(policy)) {
		err = PTR_ERR(policy);
		goto fail;
	}

	err = portown_state_replace(policy);
	if (err) {
		perr.reason = "policy is locked";
		goto fail;
	}
	*ppos += count;
	return count;

fail:
	portown_stat_inc(PORTOWN_STAT_POLICY_ERRORS);
	if (perr.line)
		pr_warn_ratelimited("policy rejected, line %u: %s\n",
				    perr.line, perr.reason);
	else
		pr_warn_ratelimited("policy rejected: %s\n", perr.reason);
	portown_audit_load(NULL, &perr, err);
	return err;
}

static const struct file_operations portown_policy_fops = {
	.open = portown_policy_open,
	.read = seq_read,
	.write = portown_policy_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* Parse "0" or "1", with an optional trailing newline. */
static int portown_read_bool(const char __user *buf, size_t count, bool *val)
{
	char kbuf[2];

	if (count < 1 || count > sizeof(kbuf))
		return -EINVAL;
	if (copy_from_user(kbuf, buf, count))
		return -EFAULT;
	if (count == 2 && kbuf[1] != '\n')
		return -EINVAL;
	if (kbuf[0] != '0' && kbuf[0] != '1')
		return -EINVAL;
	*val = kbuf[0] == '1';
	return 0;
}

/* "enforce" and "lock": a value shown as 0 or 1, set through one helper. */
struct portown_switch {
	bool (*get)(void);
	int (*set)(bool value);
};

static int portown_set_lock(bool lock)
{
	return lock ? portown_lock() : 0;	/* "0" while unlocked: no-op */
}

static const struct portown_switch portown_enforce_switch = {
	.get = portown_enforcing,
	.set = portown_set_enforcing,
};

static const struct portown_switch portown_lock_switch = {
	.get = portown_locked,
	.set = portown_set_lock,
};

static int portown_switch_show(struct seq_file *m, void *v)
{
	const struct portown_switch *sw = m->private;

	seq_printf(m, "%d\n", sw->get());
	return 0;
}

static int portown_switch_open(struct inode *inode, struct file *file)
{
	return single_open(file, portown_switch_show, inode->i_private);
}

static ssize_t portown_switch_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *ppos)
{
	const struct portown_switch *sw = file_inode(file)->i_private;
	bool val;
	int err;

	err = portown_may_write(file);
	if (err)
		return err;
	if (portown_locked())
		return -EPERM;
	err = portown_read_bool(buf, count, &val);
	if (err)
		return err;
	err = sw->set(val);
	return err ?: count;
}

static const struct file_operations portown_switch_fops = {
	.open = portown_switch_open,
	.read = seq_read,
	.write = portown_switch_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int portown_stats_show(struct seq_file *m, void *v)
{
	u64 count[PORTOWN_STAT_NR], checked;
	int i;

	/*
	 * Every bind portown decides ends in exactly one outcome, so
	 * "checked" and "allowed" are derived, sparing the bind path two
	 * counters.
	 */
	for (i = 0; i < PORTOWN_STAT_NR; i++)
		count[i] = portown_stat_read(i);
	checked = count[PORTOWN_STAT_ALLOWED_OWNER] +
		  count[PORTOWN_STAT_ALLOWED_CAPABILITY] +
		  count[PORTOWN_STAT_DENIED] + count[PORTOWN_STAT_LOGGED];
	seq_printf(m, "checked %llu\nallowed %llu\n", checked,
		   checked - count[PORTOWN_STAT_DENIED]);
	for (i = 0; i < PORTOWN_STAT_NR; i++)
		seq_printf(m, "%s %llu\n", portown_stat_names[i], count[i]);
	seq_printf(m, "rules %u\n", portown_state_nrules());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(portown_stats);

/*
 * Create /sys/kernel/security/portown/ when portown is enabled. securityfs
 * is ready from core_initcall; portown's LSM init ran long before.
 */
static int __init portown_fs_init(void)
{
	static const struct {
		const char *name;
		umode_t mode;
		const struct file_operations *fops;
		const struct portown_switch *data;
	} files[] = {
		{ "policy", 0600, &portown_policy_fops },
		{ "enforce", 0644, &portown_switch_fops, &portown_enforce_switch },
		{ "lock", 0644, &portown_switch_fops, &portown_lock_switch },
		{ "stats", 0444, &portown_stats_fops },
	};
	struct dentry *dir, *dentry;
	int i;

	if (!portown_enabled)
		return 0;
	dir = securityfs_create_dir("portown", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		dentry = securityfs_create_file(files[i].name, files[i].mode,
						dir, (void *)files[i].data,
						files[i].fops);
		if (IS_ERR(dentry)) {
			pr_err("cannot create securityfs file %s\n",
			       files[i].name);
			securityfs_recursive_remove(dir);
			return PTR_ERR(dentry);
		}
	}
	return 0;
}

fs_initcall(portown_fs_init);
