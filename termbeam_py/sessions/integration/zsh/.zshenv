# termbeam_py shell integration for zsh: ZDOTDIR points at this directory, so zsh reads
# these files; each one loads the user's own file from their real ZDOTDIR (or HOME) first.
# Nothing is written to the user's files.
__termbeam_zdotdir=$ZDOTDIR
ZDOTDIR=${TERMBEAM_USER_ZDOTDIR:-$HOME}
if [[ -f $ZDOTDIR/.zshenv ]]; then
    source "$ZDOTDIR/.zshenv"
fi
# The user's .zshenv may have moved ZDOTDIR: the other files follow it.
TERMBEAM_USER_ZDOTDIR=$ZDOTDIR
ZDOTDIR=$__termbeam_zdotdir
