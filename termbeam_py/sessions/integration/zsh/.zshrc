# termbeam_py shell integration for zsh: load the user's .zshrc (see .zshenv), then mark
# prompts and commands with OSC 133 (A, B, C, D;<exit status>) and OSC 633 E (the command
# line), so the server knows which command finished, how, and after how long.
ZDOTDIR=$TERMBEAM_USER_ZDOTDIR
if [[ -f $ZDOTDIR/.zshrc ]]; then
    source "$ZDOTDIR/.zshrc"
fi
TERMBEAM_USER_ZDOTDIR=$ZDOTDIR
ZDOTDIR=$__termbeam_zdotdir

__termbeam_restore_zdotdir() {
    # Shells the user starts from here must read their own files, not ours.
    if [[ $TERMBEAM_USER_ZDOTDIR == "$HOME" && -z ${TERMBEAM_ZDOTDIR_WAS_SET-} ]]; then
        unset ZDOTDIR
    else
        export ZDOTDIR=$TERMBEAM_USER_ZDOTDIR
    fi
    unset TERMBEAM_USER_ZDOTDIR TERMBEAM_ZDOTDIR_WAS_SET __termbeam_zdotdir
}

__termbeam_precmd() {
    local exit_status=$?
    if (( ${__termbeam_running:-0} )); then
        builtin printf '\e]133;D;%s\a' "$exit_status"
        __termbeam_running=0
    fi
    builtin printf '\e]133;A\a'
    if [[ $PS1 != *'133;B'* ]]; then
        PS1=$PS1$'%{\e]133;B\a%}'
    fi
    return $exit_status
}

__termbeam_preexec() {
    local command=$1
    command=${command//\\/\\\\}
    command=${command//;/\\x3b}
    command=${command//$'\n'/\\x0a}
    command=${command//$'\r'/\\x0d}
    command=${command//$'\e'/\\x1b}
    command=${command//$'\a'/\\x07}
    builtin printf '\e]633;E;%s;%s\a\e]133;C\a' "$command" "$__termbeam_nonce"
    __termbeam_running=1
}

if [[ -o interactive && ${TERMBEAM_SHELL_INTEGRATION-1} != 0 ]]; then
    __termbeam_nonce=${TERMBEAM_SHELL_NONCE-}
    unset TERMBEAM_SHELL_NONCE
    autoload -Uz add-zsh-hook
    # First in line, so $? is still the command's status.
    precmd_functions=(__termbeam_precmd $precmd_functions)
    add-zsh-hook preexec __termbeam_preexec
fi
if [[ ! -o login ]]; then
    __termbeam_restore_zdotdir
fi
