# termbeam_py shell integration for zsh: load the user's .zlogin (see .zshenv), then give
# ZDOTDIR back to the user.
ZDOTDIR=$TERMBEAM_USER_ZDOTDIR
if [[ -f $ZDOTDIR/.zlogin ]]; then
    source "$ZDOTDIR/.zlogin"
fi
__termbeam_restore_zdotdir
