/* SPDX-License-Identifier: MIT */
/*
 * The bash completion. It needs nothing from the bash-completion package:
 * it reads the line itself (COMP_LINE up to COMP_POINT, split at blanks),
 * because bash splits words at ':', '=' and '@' too, which every BDF and
 * "--opt=value" contains; and it trims its replies to the part of the word
 * bash will replace.
 */
#include "cli/docgen/completion.h"

namespace softvfio::cli::docgen {

namespace {

/* The static part: helpers that do not depend on the tree. */
constexpr const char *kHelpers = R"BASH(
# COMPREPLY: the candidates that start with $1. Bash replaces only the part
# of the word after its last COMP_WORDBREAKS character (':', '=', '@'), so
# each reply drops what comes before.
_softvfio_reply() {
    local cur=$1 keep= c i
    shift
    for ((i = ${#cur} - 1; i >= 0; i--)); do
        if [[ ${COMP_WORDBREAKS-$' \t\n"'"'"'@><=;|&(:'} == *"${cur:i:1}"* ]]; then
            keep=${cur:0:i+1}
            break
        fi
    done
    COMPREPLY=()
    for c in "$@"; do
        [[ $c == "$cur"* ]] && COMPREPLY+=("${c#"$keep"}")
    done
    return 0
}

# Values of kind $1 for the word $2; $3 is the softvfio the user typed.
_softvfio_values() {
    local kind=$1 cur=$2 cmd=$3 c=() v
    case $kind in
    device | preset)
        if [[ $kind == device && $cur == *@* ]]; then
            for v in $("$cmd" complete bdfs 2>/dev/null); do
                c+=("${cur%@*}@$v")
            done
            _softvfio_reply "$cur" "${c[@]}"
        else
            compopt -o filenames 2>/dev/null
            _softvfio_reply "$cur" $_softvfio_presets $(compgen -f -X '!*.toml' -- "$cur") $(compgen -d -- "$cur")
        fi
        ;;
    profile) _softvfio_reply "$cur" $_softvfio_profiles ;;
    access)
        # A comma-separated list: the names not given yet after what is.
        local given=${cur%"${cur##*,}"}
        for v in $_softvfio_access; do
            [[ ,$given == *",$v,"* ]] || c+=("$given$v")
        done
        _softvfio_reply "$cur" "${c[@]}"
        ;;
    file)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    dir)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur"))
        ;;
    pid) _softvfio_reply "$cur" $("$cmd" complete pids 2>/dev/null) ;;
    esac
    return 0
}

# The program of run and trace, or its arguments ($1: words of it before
# the current one).
_softvfio_program() {
    if (($1 == 0)) && [[ $2 != */* ]]; then
        COMPREPLY=($(compgen -c -- "$2"))
    else
        compopt -o default 2>/dev/null
        COMPREPLY=()
    fi
    return 0
}

_softvfio() {
    local line=${COMP_LINE:0:COMP_POINT} cur= sub= expect= kind w i
    local -a words
    read -ra words <<<"$line"
    if [[ $line != *[[:blank:]] && ${#words[@]} -gt 1 ]]; then
        cur=${words[-1]}
        unset 'words[-1]'
    fi
    local cmd=${words[0]}
    COMPREPLY=()
    # The subcommand: the first word that is not an option (the command's
    # own options take no value).
    for ((i = 1; i < ${#words[@]}; i++)); do
        if [[ ${words[i]} != -* ]]; then
            sub=${words[i]}
            break
        fi
    done
    if [[ -z $sub ]]; then
        if [[ $cur == -* ]]; then
            _softvfio_reply "$cur" $(_softvfio_options '')
        else
            _softvfio_reply "$cur" $_softvfio_subcommands
        fi
        return 0
    fi
    # Past the subcommand: options, their values, and for run and trace
    # the program, where the options end.
    for ((i++; i < ${#words[@]}; i++)); do
        w=${words[i]}
        if [[ -n $expect ]]; then
            expect=
        elif _softvfio_runs_program "$sub" && [[ $w == -- ]]; then
            _softvfio_program $((${#words[@]} - i - 1)) "$cur"
            return 0
        elif [[ $w == -* ]]; then
            [[ $w == *=* ]] || expect=$(_softvfio_value_kind "$sub" "$w")
        elif _softvfio_runs_program "$sub"; then
            _softvfio_program $((${#words[@]} - i)) "$cur"
            return 0
        fi
    done
    if [[ -n $expect ]]; then
        _softvfio_values "$expect" "$cur" "$cmd"
    elif [[ $cur == --*=* ]]; then
        kind=$(_softvfio_value_kind "$sub" "${cur%%=*}")
        [[ -n $kind ]] && _softvfio_values "$kind" "${cur#*=}" "$cmd"
    elif [[ $cur == -* ]]; then
        _softvfio_reply "$cur" $(_softvfio_options "$sub")
    elif _softvfio_runs_program "$sub"; then
        _softvfio_program 0 "$cur"
    else
        kind=$(_softvfio_positional_kind "$sub")
        [[ -n $kind ]] && _softvfio_values "$kind" "$cur" "$cmd"
    fi
    return 0
}

complete -F _softvfio softvfio
)BASH";

std::string single_quoted(const std::string &s) { return "'" + s + "'"; }

std::string options_function(const CommandDoc &top)
{
	std::string out = "# The options of the command ('') and of each subcommand.\n_softvfio_options() {\n"
			  "    case $1 in\n";
	auto names = [](const CommandDoc &cmd) {
		std::vector<std::string> all;
		for (const auto &o : cmd.options)
			for (const auto &n : o.names())
				all.push_back(n);
		return space_joined(all);
	};
	out += "    '') echo " + single_quoted(names(top)) + " ;;\n";
	for (const auto &sub : top.subcommands)
		out += "    " + sub.name + ") echo " + single_quoted(names(sub)) + " ;;\n";
	return out + "    esac\n}\n";
}

std::string value_kind_function(const CommandDoc &top)
{
	std::string out = "# The kind of value option $2 of subcommand $1 takes; nothing for a flag.\n"
			  "_softvfio_value_kind() {\n    case \"$1 $2\" in\n";
	for (const auto &sub : top.subcommands)
		for (const auto &o : sub.options) {
			if (o.kind == ValueKind::None)
				continue;
			std::string patterns;
			for (const auto &n : o.names())
				patterns += (patterns.empty() ? "" : "|") + single_quoted(sub.name + " " + n);
			/* Free text: a value is still expected, with nothing to offer. */
			std::string kind = kind_name(o.kind);
			out += "    " + patterns + ") echo " + (kind.empty() ? "text" : kind) + " ;;\n";
		}
	return out + "    esac\n}\n";
}

std::string positional_function(const CommandDoc &top)
{
	std::string out = "# The kind of a subcommand's positional argument.\n_softvfio_positional_kind() {\n"
			  "    case $1 in\n";
	for (const auto &sub : top.subcommands)
		if (!sub.positionals.empty() && !kind_name(sub.positionals.front().kind).empty())
			out += "    " + sub.name + ") echo " + kind_name(sub.positionals.front().kind) + " ;;\n";
	return out + "    esac\n}\n";
}

std::string runs_program_function(const CommandDoc &top)
{
	std::vector<std::string> names;
	for (const auto &sub : top.subcommands)
		if (sub.runs_program)
			names.push_back(sub.name);
	std::string pattern;
	for (const auto &n : names)
		pattern += (pattern.empty() ? "" : "|") + n;
	return "# The subcommands that run a program given after their options.\n_softvfio_runs_program() {\n"
	       "    case $1 in " +
	       (pattern.empty() ? std::string("__none__") : pattern) + ") return 0 ;; esac\n    return 1\n}\n";
}

} /* namespace */

std::string bash_completion(const CommandDoc &top, const CompletionLists &lists)
{
	std::vector<std::string> subs;
	for (const auto &sub : top.subcommands)
		subs.push_back(sub.name);
	std::string out = "# bash completion for softvfio                             -*- shell-script -*-\n"
			  "# Generated by softvfio-docgen from the softvfio command's definition: do not edit.\n\n";
	out += "_softvfio_subcommands=" + single_quoted(space_joined(subs)) + "\n";
	out += "_softvfio_presets=" + single_quoted(space_joined(lists.presets)) + "\n";
	out += "_softvfio_profiles=" + single_quoted(space_joined(lists.profiles)) + "\n";
	out += "_softvfio_access=" + single_quoted(space_joined(lists.access)) + "\n\n";
	out += options_function(top) + "\n" + value_kind_function(top) + "\n" + positional_function(top) + "\n" +
	       runs_program_function(top);
	return out + kHelpers;
}

} /* namespace softvfio::cli::docgen */
