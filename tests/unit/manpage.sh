#!/bin/bash
# man/cowwatch.8 cannot drift from the code: every option the reader takes
# (options.c's getopt string and long options, and its --help) is
# documented in the man page's OPTIONS and nothing more; every outcome
# (uapi header), exit status (user/session.h), JSON key (user/report.c) and
# module parameter (module_param in kmod/) is named in it. The page is
# clean for groff -ww and mandoc -Tlint and renders with man -l.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
page=$SRC/man/cowwatch.8
bin=$SRC/user/cowwatch
bad=0
ok() { echo "ok: $*"; }
notok() { echo "not ok: $*"; bad=1; }

[ -x "$bin" ] || { notok "no $bin: build it first (make -C user)"; exit 1; }
for tool in groff mandoc man; do
	command -v "$tool" >/dev/null || { notok "$tool is not installed: run tests/deps.sh"; exit 1; }
done

out=$(groff -man -ww -z "$page" 2>&1)
[ -z "$out" ] && ok "groff -man -ww -z: no warnings" || { notok "groff warnings:"; echo "$out"; }
out=$(mandoc -Tlint -W warning "$page" 2>&1)
[ -z "$out" ] && ok "mandoc -Tlint: clean" || { notok "mandoc -Tlint:"; echo "$out"; }
text=$(MANWIDTH=200 man -l "$page" 2>/dev/null | col -b)
[ -n "$text" ] && ok "man -l renders it" || notok "man -l rendered nothing"

# section NAME: the rendered lines of that section
section() { awk -v s="$1" '/^[A-Z][A-Z ]*$/ { on = ($0 == s); next } on' <<<"$text"; }
man_opts=$(section OPTIONS | grep -oE '^ {7}-[^ ].*' | grep -oE -- '--?[A-Za-z][-A-Za-z]*' | sort -u)

# The options, three ways: options.c's short and long options, --help.
shorts=$(sed -n 's/.*getopt_long(argc, argv, "[+:]*\([^"]*\)".*/\1/p' "$SRC/user/options.c" | tr -d ':' | sed 's/./-& /g')
longs=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", .*/--\1/p' "$SRC/user/options.c")
code_opts=$(printf '%s\n' $shorts $longs | sort -u)
help_opts=$("$bin" --help | grep -E '^ +-' | grep -oE -- '--?[A-Za-z][-A-Za-z]*' | sort -u)
[ "$(wc -w <<<"$code_opts")" -ge 10 ] || notok "found only $(wc -w <<<"$code_opts") options in options.c"
[ "$help_opts" = "$code_opts" ] && ok "--help lists exactly options.c's options: $(echo $code_opts)" ||
	notok "--help and options.c differ: $(diff <(echo "$help_opts") <(echo "$code_opts") | grep '^[<>]' | tr '\n' ' ')"
for o in $code_opts; do
	grep -qxF -- "$o" <<<"$man_opts" || notok "option $o is not documented in the man page's OPTIONS"
done
for o in $man_opts; do
	grep -qxF -- "$o" <<<"$code_opts" || notok "the man page documents $o, which cowwatch does not take"
done
[ "$man_opts" = "$code_opts" ] && ok "man page OPTIONS = the reader's options"
[ -n "$man_opts" ] || notok "no options found in the man page's OPTIONS"

# Outcomes, from the uapi enum.
outcomes=$(sed -n 's/^[[:space:]]*COWWATCH_OUT_\([A-Z]*\),.*/\1/p' "$SRC/kmod/uapi/cowwatch.h" | tr 'A-Z' 'a-z')
[ "$(wc -w <<<"$outcomes")" = 9 ] || notok "expected 9 outcomes in the header, found: $outcomes"
miss=0
for o in $outcomes; do
	section OUTCOMES | grep -qE "^ {7}$o( |\$)" || { notok "outcome $o is not described under OUTCOMES"; miss=1; }
done
[ $miss = 1 ] || ok "outcomes described: $(echo $outcomes)"

# Exit statuses, from user/session.h.
codes=$(sed -n 's/^[[:space:]]*EXIT_[A-Z_]* = \([0-9]*\),.*/\1/p' "$SRC/user/session.h")
[ -n "$codes" ] || notok "no exit codes found in user/session.h"
miss=0
for c in 0 $codes; do
	section "EXIT STATUS" | grep -qE "^ {7}$c( |\$)" || { notok "exit status $c is not under EXIT STATUS"; miss=1; }
done
[ $miss = 1 ] || ok "exit statuses described: 0 $(echo $codes)"

# JSON keys the reader writes.
keys=$(grep -oE '\\"[a-z_]+\\":' "$SRC/user/report.c" "$SRC/user/json.c" | sed 's/.*\\"\([a-z_]*\)\\":/\1/' | sort -u)
[ "$(wc -w <<<"$keys")" -ge 20 ] || notok "found only $(wc -w <<<"$keys") JSON keys in user/report.c"
json=$(section "JSON FORMAT")
miss=0
for k in $keys; do
	grep -qE "(^|[^a-z_])$k([^a-z_]|\$)" <<<"$json" || { notok "JSON key $k is not under JSON FORMAT"; miss=1; }
done
[ $miss = 1 ] || ok "JSON keys described: $(echo $keys)"

# Module parameters.
params=$(sed -n 's/^module_param(\([a-z_]*\),.*/\1/p' "$SRC"/kmod/*.c | sort)
[ -n "$params" ] || notok "no module_param in kmod/"
miss=0
for p in $params; do
	section "MODULE PARAMETERS" | grep -qE "^ {7}$p=" || { notok "module parameter $p is not under MODULE PARAMETERS"; miss=1; }
done
[ $miss = 1 ] || ok "module parameters described: $(echo $params)"

for s in NAME SYNOPSIS DESCRIPTION OPTIONS OUTCOMES "JSON FORMAT" "EXIT STATUS" PERMISSIONS LIMITATIONS EXAMPLES; do
	grep -qx "$s" <<<"$text" || notok "no section $s"
done
section LIMITATIONS | grep -q do_cow_fault || notok "LIMITATIONS does not name do_cow_fault()"
exit $bad
