# bash completion for leadscore(1)                 -*- shell-script -*-
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Completes subcommands, each subcommand's options and the values of options
# that take a fixed set (--format, --kind, ...); anything else completes file
# names. Subcommands and options are read from the binary's own help
# ('leadscore --help', 'leadscore CMD --help'), so completion follows the
# version installed; the help is read once per shell and binary.
#
# Installed as share/bash-completion/completions/leadscore (loaded on demand by
# bash-completion); or load it by hand:  source completion/leadscore.bash
# It needs nothing from the bash-completion package.

declare -gA _leadscore_help_cache 2>/dev/null || true

# _leadscore_load BINARY [CMD]: reads the help into the cache. Call it in the
# completion function itself, not in $(...), whose subshell would lose it.
_leadscore_load()
{
    local key="$1|${2-}"
    if [[ -z ${_leadscore_help_cache[$key]+set} ]]; then
        _leadscore_help_cache[$key]=$("$1" ${2:+"$2"} --help 2>/dev/null)
    fi
}

# _leadscore_help BINARY [CMD]: the cached help text.
_leadscore_help()
{
    printf '%s\n' "${_leadscore_help_cache["$1|${2-}"]-}"
}

# Subcommands: the indented names under "commands:".
_leadscore_commands()
{
    _leadscore_help "$1" | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'
}

# Options of a subcommand: the -x/--xxx tokens of its option lines (lines that
# start with blanks then '-').
_leadscore_options()
{
    _leadscore_help "$1" "$2" | grep -E '^ +-' | grep -oE '(^|[ ,[])--?[A-Za-z][A-Za-z0-9-]*' |
        sed 's/^[ ,[]//' | sort -u
}

# Values of long options that take one of a fixed set.
_leadscore_values()
{
    local cmd=$1 opt=$2
    case $opt in
    --format)
        case $cmd in
        inspect) echo "table csv json" ;;
        show) echo "text csv json markdown" ;;
        export) echo "sql points-csv json" ;;
        plot) echo "png svg pdf" ;;
        watch) echo "csv jsonl" ;;
        *) echo "text csv json" ;;
        esac
        ;;
    --kind) echo "importance roc calibration gains lift distribution bands psi all" ;;
    --on-error) echo "stop skip" ;;
    --on) echo "score tier all" ;;
    --select) echo "aic bic lasso none" ;;
    --direction) echo "both backward forward" ;;
    --band-trend) echo "auto ascending descending none" ;;
    --lambda) echo "min 1se" ;;
    --separator) echo ", ; | tab" ;;
    --points) echo "budget: pdo:" ;;
    *) return 1 ;;
    esac
}

# Options whose value is not a file name: complete nothing for them. (Short
# options mean different things in different commands, so only long ones.)
_leadscore_takes_word()
{
    case $1 in
    --target | --positive | --missing | --type | --top | --exclude | --weights | --pool-below | \
        --l1 | --l2 | --population-rate | --base-score | --base-odds | --round | --tolerance | \
        --max-iterations | --id | --reasons | --table | --rows | --seed | --base-rate | --holdout | \
        --folds | --time-split | --cv-folds | --alpha | --min-iv | --max-missing | --band | \
        --min-band-share | --max-bands | --capacity | --per-week | --hot-share | \
        --target-precision | --warm-share | --criterion | --size | --title | --as-of | \
        --label-date | --feature | --grid | --sweep | --leads | --half-life | --bins | --flag-at | \
        --max-auc-drop | --min-slope | --max-slope | --max-intercept | --max-criteria | \
        --points-range | --step | --cards)
        return 0
        ;;
    esac
    return 1
}

_leadscore()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local bin=${COMP_WORDS[0]} cmd="" i
    bin=${bin/#\~/$HOME}
    COMPREPLY=()
    type -P "$bin" >/dev/null 2>&1 || [[ -x $bin ]] || return 0

    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} != -* ]]; then
            cmd=${COMP_WORDS[i]}
            break
        fi
    done

    if [[ -z $cmd ]]; then
        _leadscore_load "$bin"
        mapfile -t COMPREPLY < <(compgen -W "$(_leadscore_commands "$bin") --help --version" -- "$cur")
        return 0
    fi

    local values
    if values=$(_leadscore_values "$cmd" "$prev"); then
        mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
        [[ ${COMPREPLY[0]-} == *: ]] && compopt -o nospace 2>/dev/null
        return 0
    fi
    # synth-events --leads N is a count; watch/features/decay --leads is a file.
    if [[ $prev == --leads && $cmd != synth-events ]]; then
        :
    elif _leadscore_takes_word "$prev"; then
        return 0
    fi

    if [[ $cur == -* ]]; then
        _leadscore_load "$bin" "$cmd"
        mapfile -t COMPREPLY < <(compgen -W "$(_leadscore_options "$bin" "$cmd")" -- "$cur")
        return 0
    fi
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
}

complete -F _leadscore leadscore
