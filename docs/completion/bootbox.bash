# bash completion for bootbox(8)
_bootbox()
{
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config | --out) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-c | --config)
		COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur"))
		return ;;
	--out)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	esac
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "serve check leases machines status cache pki cert import --version --help" -- "$cur"))
		return
	fi
	case $cmd in
	check) COMPREPLY=($(compgen -W "-c --syntax --dump --help" -- "$cur")) ;;
	leases | status) COMPREPLY=($(compgen -W "-c --json --help" -- "$cur")) ;;
	machines)
		if [ "$prev" = reinstall ]; then
			# the inventory's names, from the config in use
			local conf=/etc/bootbox/bootbox.yaml
			for ((i = 1; i < COMP_CWORD; i++)); do
				[ "${COMP_WORDS[i]}" = -c ] && conf=${COMP_WORDS[i + 1]}
			done
			COMPREPLY=($(compgen -W "$(sed -n 's/^  - name: *\([^ #]*\).*/\1/p' "$conf" 2>/dev/null)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "reinstall -c --json --help" -- "$cur"))
		fi ;;
	cache) COMPREPLY=($(compgen -W "fetch list verify import -c --help" -- "$cur")) ;;
	import) COMPREPLY=($(compgen -W "kea kea-leases netbox -c --endpoint --token-file --site --role --ca-bundle --help" -- "$cur")) ;;
	pki) COMPREPLY=($(compgen -W "init --out --help" -- "$cur")) ;;
	cert) COMPREPLY=($(compgen -W "request renew --force -c --help" -- "$cur")) ;;
	serve) COMPREPLY=($(compgen -W "-c --help" -- "$cur")) ;;
	esac
}
complete -F _bootbox bootbox
