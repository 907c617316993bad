# The zsh completion, asked as a person asks it: an interactive zsh in a
# pseudo-terminal (zsh/zpty), a line typed, <TAB>, and what zsh shows.
# Each read waits for a marker the shell echoes, never for a time.
#   zsh -f zsh_completion_checks.zsh COMPLETION_DIR SOFTVFIO_DIR
dir=$1 bin=$2
failures=0
fail() {
  print -r -- "FAIL: $*"
  (( failures++ ))
}

zmodload zsh/zpty || { print "FAIL: no zsh/zpty"; exit 1 }
home=$(mktemp -d)
zpty -b shell "env -i HOME=$home TERM=dumb PATH=$bin:/usr/bin:/bin zsh -f -i"
# Each marker is printed as the value of an expression the shell computes
# (READY$((6*7)) prints READY42), so it never matches the echo of the line
# typed, however the terminal redraws a long line.
zpty -w shell "PS1='%% '; fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D; echo READY\$((6*7))"
zpty -r -m shell out '*READY42*'

# What zsh shows for LINE<TAB>, as text.
ask() {
  local out
  zpty -w -n shell "$1"$'\t'
  zpty -w shell $'\C-u echo DONE$((6*7))'
  zpty -r -m shell out '*DONE42*'
  print -r -- "${out//$'\r'/}"
}

# shows LINE PATTERN: what zsh shows for LINE<TAB> matches PATTERN, and no
# completion function complains. A sole candidate is typed in: zsh shows
# the rest of the word after the line.
shows() {
  local got=$(ask "$1")
  [[ $got == $~2 ]] || fail "'$1<TAB>' shows [$got], not $2"
  [[ $got != *(_arguments|_values|command not found|invalid)* ]] || fail "'$1<TAB>' complains: [$got]"
}

shows 'softvfio ru' '*softvfio run *'
shows 'softvfio run --dev' '*--dev*ice *'
shows 'softvfio run --device ' '*edu*nic*'
shows 'softvfio run --device edu@' '*edu@*5f00:00:*'
shows 'softvfio info --profile ' '*linux-6.12*series-v4*'
shows 'softvfio run --access cdev,' '*iommufd*noiommu*'
shows 'softvfio serve --st' '*--st*op *'

zpty -d shell
rm -rf $home
if (( failures )); then
  print "$failures problem(s)"
  exit 1
fi
print ok
