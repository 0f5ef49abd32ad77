# termbeam_py shell integration for bash, loaded with `bash --rcfile <this file>`.
#
# It first loads ~/.bashrc, as bash would have without --rcfile (bash still reads its system
# rc file itself), then marks prompts and commands with OSC 133 (A prompt, B prompt end,
# C command start, D;<exit status> command end) and OSC 633 E (the command line), so the
# server can tell which command finished, how, and after how long. Nothing is written to
# the user's files. Set TERMBEAM_SHELL_INTEGRATION=0 in ~/.bashrc to opt out for a shell.

# bash cannot report a DEBUG trap to a command substitution (subshells do not inherit it),
# so `$(trap -p DEBUG)` is always empty: watch the rc file set one instead. A trap set with
# `builtin trap` or by the system rc file goes unseen, and ours replaces it.
__termbeam_foreign_debug=0
__termbeam_note_trap() {
    [[ ${1-} == -- ]] && shift
    [[ ${1-} == -?* ]] && return 0  # -p, -l: listing only
    (( $# >= 2 )) || return 0
    local action=$1 sig
    shift
    for sig in "$@"; do
        if [[ $sig == [Dd][Ee][Bb][Uu][Gg] ]]; then
            if [[ -n $action && $action != - ]]; then
                __termbeam_foreign_debug=1
            else
                __termbeam_foreign_debug=0
            fi
        fi
    done
}
trap() {
    __termbeam_note_trap "$@"
    builtin trap "$@"
}

if [[ -f ~/.bashrc ]]; then
    . ~/.bashrc
fi
unset -f trap __termbeam_note_trap

__termbeam_install() {
    [[ $- == *i* ]] || return 0
    [[ ${TERMBEAM_SHELL_INTEGRATION-1} != 0 ]] || return 0
    [[ -z ${__termbeam_installed-} ]] || return 0
    __termbeam_installed=1
    __termbeam_nonce=${TERMBEAM_SHELL_NONCE-}
    unset TERMBEAM_SHELL_NONCE
    __termbeam_at_prompt=0
    __termbeam_running=0
    __termbeam_last_hist=
    if [[ -n ${bash_preexec_imported-} ]]; then
        # bash-preexec owns the DEBUG trap and PROMPT_COMMAND: join its hook lists.
        precmd_functions=(__termbeam_precmd "${precmd_functions[@]}" __termbeam_prompt_end)
        preexec_functions+=(__termbeam_preexec)
        return 0
    fi
    if (( __termbeam_foreign_debug )); then
        return 0  # someone else's DEBUG trap: leave it alone (the server falls back)
    fi
    if __termbeam_prompt_command_is_array; then
        PROMPT_COMMAND=(__termbeam_precmd "${PROMPT_COMMAND[@]}" __termbeam_prompt_end)
    else
        PROMPT_COMMAND=$'__termbeam_precmd\n'"${PROMPT_COMMAND-}"$'\n__termbeam_prompt_end'
    fi
    trap '__termbeam_debug' DEBUG
}

# Start-up avoids command substitutions: each forks the shell, and the first prompt waits.
__termbeam_prompt_command_is_array() {
    # Arrays are bash 5.1+; older bash must never parse ${var@a}, hence the eval.
    (( BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501 )) || return 1
    eval '[[ ${PROMPT_COMMAND@a} == *a* ]]'
}

# Runs first in PROMPT_COMMAND: reports how the last command ended, keeps $? for the rest.
__termbeam_precmd() {
    local status=$?
    if [[ $__termbeam_running == 1 ]]; then
        builtin printf '\e]133;D;%s\a' "$status"
        __termbeam_running=0
    fi
    builtin printf '\e]133;A\a'
    return "$status"
}

# Runs last in PROMPT_COMMAND: from here on, the next DEBUG trap is a typed command.
__termbeam_prompt_end() {
    local status=$?
    if [[ $PS1 != *'133;B'* ]]; then
        PS1=$PS1'\[\e]133;B\a\]'
    fi
    # The newest history entry's number, read after the user's own PROMPT_COMMAND (which may
    # load or append history): the next command line was saved only if it gets a new one.
    if [[ -n ${HISTCMD-} ]]; then
        __termbeam_last_hist=$((HISTCMD - 1))
    fi
    __termbeam_at_prompt=1
    return "$status"
}

__termbeam_debug() {
    [[ $__termbeam_at_prompt == 1 ]] || return 0
    [[ $BASH_COMMAND != __termbeam_* ]] || return 0
    __termbeam_preexec
}

__termbeam_preexec() {
    __termbeam_at_prompt=0
    __termbeam_running=1
    local line number command=$BASH_COMMAND
    line=$(HISTTIMEFORMAT='' builtin history 1)
    if [[ $line =~ ^[[:space:]]*([0-9]+)[*]?[[:space:]]+(.*)$ ]]; then
        number=${BASH_REMATCH[1]}
        # An unchanged number: this line was not saved (HISTCONTROL, history off).
        if [[ $number != "$__termbeam_last_hist" ]]; then
            command=${BASH_REMATCH[2]}
            __termbeam_last_hist=$number
        fi
    fi
    command=${command//\\/\\\\}
    command=${command//;/\\x3b}
    command=${command//$'\n'/\\x0a}
    command=${command//$'\r'/\\x0d}
    command=${command//$'\e'/\\x1b}
    command=${command//$'\a'/\\x07}
    builtin printf '\e]633;E;%s;%s\a\e]133;C\a' "$command" "$__termbeam_nonce"
}

__termbeam_install
