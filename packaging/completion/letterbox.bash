# bash completion for letterbox and letterbox-sendmail (letterbox(1)). Installed as
# share/bash-completion/completions/letterbox, with letterbox-sendmail a link to it, so that bash-completion's loader
# finds it under either name. It needs nothing from bash-completion itself.

_letterbox_options='-h --help --version --headless --smtp --smtps --pop3 --pop3s --imap --imaps --tls-cert --tls-key --api --api-host
    --api-auth --api-tls-cert --api-tls-key --data --store
    --hostname --max-message-size --max-messages --auth --idle-timeout --max-connections --rules --rules-seed
    --mailboxes --mailbox-per-user --relay
    --relay-tls --relay-user --relay-insecure --relay-all --relay-matching --attach --attach-user'
_letterbox_sendmail_options='--smtp -t -f -r -F -i -oi -bm -odi -oem --help --version'

# COMPREPLY from a word list, file names or directory names matching the current word.
_letterbox_words()
{
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

_letterbox_files()
{
    compopt -o filenames 2>/dev/null
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$1")
}

_letterbox_dirs()
{
    compopt -o filenames 2>/dev/null
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$1")
}

# Sendmail mode's flags; the words after them are recipients, which there is nothing to complete from.
_letterbox_sendmail_complete()
{
    local cur=$1 prev=$2
    case $prev in
    --smtp | -f | -r | -F)
        COMPREPLY=()
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        _letterbox_words "$_letterbox_sendmail_options" "$cur"
    fi
}

_letterbox()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()

    # `letterbox sendmail ...` is sendmail mode (the first argument only, as the program reads it).
    if ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[1]} == sendmail ]]; then
        _letterbox_sendmail_complete "$cur" "$prev"
        return
    fi

    case $prev in
    --relay-tls)
        _letterbox_words 'off starttls tls' "$cur"
        return
        ;;
    --auth)
        # any, off, or a file of user:password lines.
        _letterbox_words 'any off' "$cur"
        _letterbox_files "$cur"
        return
        ;;
    --api)
        _letterbox_words 'off' "$cur"
        return
        ;;
    --attach)
        # A catcher's API base URL: the two schemes it can start with.
        _letterbox_words 'http:// https://' "$cur"
        compopt -o nospace 2>/dev/null
        return
        ;;
    --rules | --mailboxes | --tls-cert | --tls-key | --api-auth | --api-tls-cert | --api-tls-key)
        _letterbox_files "$cur"
        return
        ;;
    --data)
        _letterbox_dirs "$cur"
        return
        ;;
    --smtp | --smtps | --pop3 | --pop3s | --imap | --imaps | --api-host | --store | --hostname | --max-message-size | --max-messages | --idle-timeout | \
        --max-connections | --rules-seed | --relay | --relay-user | --relay-matching | --attach-user)
        return
        ;;
    esac

    if [[ $cur == -* ]]; then
        _letterbox_words "$_letterbox_options" "$cur"
    elif ((COMP_CWORD == 1)); then
        _letterbox_words 'sendmail' "$cur"
    fi
}

_letterbox_sendmail()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    _letterbox_sendmail_complete "$cur" "$prev"
}

complete -F _letterbox letterbox
complete -F _letterbox_sendmail letterbox-sendmail
