# crm completion for bash 4.4+: eval "$(crm completion bash)" in ~/.bashrc, or save
# this file as ~/.local/share/bash-completion/completions/crm. Values (names, stages,
# tags, filter fields ...) come from crm at each TAB.
_crm_completion() {
    local IFS=$'\n'
    local response item type value
    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" \
        COMP_LINE="$COMP_LINE" COMP_POINT="$COMP_POINT" COMP_WORDBREAKS="$COMP_WORDBREAKS" \
        _CRM_COMPLETE=bash_complete "$1" 2>/dev/null)
    COMPREPLY=()
    for item in $response; do
        type=${item%%,*}
        value=${item#*,}
        case $type in
            file) COMPREPLY=(); compopt -o default; return 0 ;;
            nospace) compopt -o nospace; COMPREPLY+=("$value") ;;
            plain) compopt -o filenames; COMPREPLY+=("$value") ;;
        esac
    done
    return 0
}

complete -o nosort -F _crm_completion crm
