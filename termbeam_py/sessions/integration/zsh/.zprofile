# termbeam_py shell integration for zsh: load the user's .zprofile (see .zshenv).
ZDOTDIR=$TERMBEAM_USER_ZDOTDIR
if [[ -f $ZDOTDIR/.zprofile ]]; then
    source "$ZDOTDIR/.zprofile"
fi
TERMBEAM_USER_ZDOTDIR=$ZDOTDIR
ZDOTDIR=$__termbeam_zdotdir
