# crm completion for fish: crm completion fish > ~/.config/fish/completions/crm.fish
# Values (names, stages, tags, filter fields ...) come from crm at each TAB.
function _crm_completion
    set -l response (env _CRM_COMPLETE=fish_complete COMP_WORDS=(commandline -cp) \
        COMP_CWORD=(commandline -t) crm 2>/dev/null)
    for item in $response
        set -l parts (string split -m 1 "," -- $item)
        switch $parts[1]
            case file
                __fish_complete_path $parts[2]
            case plain nospace
                printf '%s\n' $parts[2]
        end
    end
end

complete --no-files --command crm --arguments "(_crm_completion)"
