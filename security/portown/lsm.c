// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - port ownership for Linux: registration, boot parameters and
 * the takeover of the initial network namespace's
 * ip_unprivileged_port_start
 *
 * An LSM can only refuse. Since the stack's CAP_NET_BIND_SERVICE check
 * for ports below ip_unprivileged_port_start runs after the socket_bind
 * hook, portown sets that sysctl to 0 in the initial network namespace
 * and applies the reserved range itself (state.c); an owner is then let
 * through by both.
 */

#define pr_fmt(fmt) "portown: " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/lsm_hooks.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <uapi/linux/lsm.h>

#include "policy.h"
#include "setup.h"
#include "state.h"

bool portown_enabled __ro_after_init;

const struct lsm_id portown_lsmid = {
	.name = "portown",
	.id = LSM_ID_PORTOWN,
};

struct lsm_blob_sizes portown_blob_sizes __ro_after_init = {
	.lbs_sock = sizeof(struct portown_sock),
};

/* portown.enforce=0|1 and portown.policy=tcp:80:uid:33,... at boot. */
static bool portown_boot_enforce = true;
module_param_named(enforce, portown_boot_enforce, bool, 0);
MODULE_PARM_DESC(enforce, "Enforce the policy (1, default) or only log (0)");
static char *portown_boot_policy;
module_param_named(policy, portown_boot_policy, charp, 0);
MODULE_PARM_DESC(policy, "Boot policy: tcp:80:uid:33,tcp:443:gid:33,...");

/*
 * The boot policy in its command-line form, "tcp:80:uid:33,strict", is
 * the policy text with ',' for newlines and ':' for blanks. A policy with
 * an error is refused whole: the boot continues with no rules.
 */
static struct portown_policy * __init portown_parse_boot_policy(void)
{
	struct portown_parse_error perr;
	struct portown_policy *policy;
	size_t len;
	char *text;

	if (!portown_boot_policy)
		return portown_policy_parse("", 0, &init_user_ns, &perr);

	text = kstrdup(portown_boot_policy, GFP_KERNEL);
	if (!text)
		return ERR_PTR(-ENOMEM);
	len = strlen(text);
	strreplace(text, ',', '\n');
	strreplace(text, ':', ' ');
	policy = portown_policy_parse(text, len, &init_user_ns, &perr);
	kfree(text);
	if (!IS_ERR(policy)) {
		pr_info("boot policy loaded: %u rules\n", policy->nrules);
		portown_stat_inc(PORTOWN_STAT_POLICY_LOADS);
		return policy;
	}
	if (perr.line)
		pr_err("portown.policy= rejected (item %u: %s), no rules loaded\n",
		       perr.line, perr.reason);
	else
		pr_err("portown.policy= rejected (%s), no rules loaded\n",
		       perr.reason);
	portown_stat_inc(PORTOWN_STAT_POLICY_ERRORS);
	return portown_policy_parse("", 0, &init_user_ns, &perr);
}

static int __init portown_init(void)
{
	struct portown_policy *policy;

	policy = portown_parse_boot_policy();
	if (IS_ERR(policy))
		return PTR_ERR(policy);
	portown_state_init(policy, portown_boot_enforce);
	portown_add_hooks();
	portown_enabled = true;
	pr_info("initialized, %s\n",
		portown_boot_enforce ? "enforcing" : "permissive");
	return 0;
}

DEFINE_LSM(portown) = {
	.name = "portown",
	.init = portown_init,
	.blobs = &portown_blob_sizes,
};

/*
 * inet_init() (an fs_initcall, after LSM init) sets the initial network
 * namespace's ip_unprivileged_port_start to PROT_SOCK. Take the range
 * over afterwards, before user space starts. Nothing is changed when
 * portown is not enabled.
 */
static int __init portown_takeover(void)
{
	if (!portown_enabled)
		return 0;
	WRITE_ONCE(init_net.ipv4.sysctl_ip_prot_sock, 0);
	pr_info("took over ip_unprivileged_port_start of the initial network namespace\n");
	return 0;
}
late_initcall(portown_takeover);
