#compdef crm
# crm completion for zsh: eval "$(crm completion zsh)" in ~/.zshrc (after compinit), or
# save this file as _crm in a folder of your $fpath. Values (names, stages, tags, filter
# fields ...) come from crm at each TAB.

_crm_completion() {
    local -a response described plain nospace
    local type key descr
    (( ! $+commands[crm] )) && return 1
    response=("${(@f)$(env COMP_WORDS="${words[*]}" COMP_CWORD=$((CURRENT-1)) \
        _CRM_COMPLETE=zsh_complete crm 2>/dev/null)}")
    for type key descr in ${response}; do
        case $type in
            plain)
                if [[ $descr == _ ]]; then plain+=("$key"); else described+=("$key:$descr"); fi ;;
            nospace) nospace+=("$key") ;;
            file) _path_files -f ;;
        esac
    done
    (( $#described )) && _describe -V unsorted described -U
    (( $#plain )) && compadd -U -V unsorted -a plain
    (( $#nospace )) && compadd -U -V unsorted -S '' -a nospace
    return 0
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _crm_completion "$@"
else
    compdef _crm_completion crm
fi
