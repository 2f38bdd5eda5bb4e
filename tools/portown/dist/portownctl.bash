# SPDX-License-Identifier: GPL-2.0
# bash completion for portownctl(8)

_portownctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="check load show status enforce lock explain listeners audit cmdline denials help version"
	local protos="tcp udp sctp dccp"
	local i cmd="" nops=0

	# the command: the first word that is not a global option (or its argument)
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--securityfs|--procsys) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		case $prev in
		--securityfs|--procsys)
			COMPREPLY=($(compgen -d -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-j --json -p --pretty --securityfs --procsys -V --version -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	# operands of the command so far (not options)
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-f|--config|--file|-P|--protocol|--port) ((i++)) ;;
		-*) ;;
		*) ((nops++)) ;;
		esac
	done
	case $prev in
	-f|--config|--file)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-P|--protocol)
		COMPREPLY=($(compgen -W "$protos" -- "$cur")); return ;;
	--port)
		return ;;
	esac
	local opts=""
	case $cmd in
	check) opts="--strict-warnings" ;;
	load) opts="-n --dry-run --lock --reserve-ephemeral --strict-warnings -j --json" ;;
	show) opts="-n --numeric -j --json" ;;
	status|lock|audit|cmdline) opts="-j --json" ;;
	enforce) opts="-j --json" ;;
	explain) opts="-f --config --cap --no-cap --enforcing --permissive -j --json" ;;
	listeners) opts="-H --no-header -n --numeric -P --protocol --port -j --json" ;;
	denials) opts="-f --file -j --json" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts -h --help" -- "$cur"))
		return
	fi
	case $cmd in
	check|load|audit|cmdline)
		COMPREPLY=($(compgen -f -- "$cur")) ;;
	enforce)
		((nops == 0)) && COMPREPLY=($(compgen -W "on off" -- "$cur")) ;;
	help)
		((nops == 0)) && COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	explain)
		case $nops in
		0) COMPREPLY=($(compgen -u -- "$cur")) ;;
		1) COMPREPLY=($(compgen -W "$protos mptcp smc udplite" -- "$cur")) ;;
		esac ;;
	esac
}
complete -F _portownctl portownctl
