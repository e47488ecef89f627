#!/bin/bash
# seed.sh — (re)build the seed corpus of each harness, tests/fuzz/corpus/NAME,
# from the fixtures of the tree, so that every fixture (good and bad) is an
# input the fuzzers start from and `make test` replays.
#
#   topo        every YAML of tests/fixtures (bad, good, stacks/topo) and
#               topologies/; a topology naming a matrix file gets the file's
#               bytes after a NUL byte (the harness's input format)
#   stack       every stack of tests/fixtures/stacks and workloads/stacks
#   matrix      every .tsv and .csv of tests/fixtures and topologies/data
#   constraint, units, wandctl, wand_engine
#               the hand-written seeds in tests/fuzz/seeds/NAME.txt, one
#               input per line (wandctl and wand_engine: see those files)
#   sweep       every sweep of tests/fixtures/sweeps/bad, benchmarks/ and
#               tests/fuzz/seeds/sweep (whose topology paths are relative to
#               tests/fixtures/sweeps/bad, as the fixtures'), each followed
#               by a NUL byte and the topology it names, and that
#               topology's matrix file after another NUL (the harness's
#               input format)
#   jsonl, rally, ci  kept as they are (they come from their own fixtures)
#
# Fixtures over 64 KiB (the million-level nesting bombs) are left out: the
# corpus's largest input sets libFuzzer's -max_len, and tests/test_bombs.c
# runs those. Inputs the fuzzers found and that were worth keeping (minimised, new
# coverage) are copied into the corpus by hand and are not removed here:
# only the files this script makes (prefix "fx-" or "seed-") are renewed.
# Run from the top of the tree: bash tests/fuzz/seed.sh
set -eu
C=tests/fuzz/corpus
for n in topo stack matrix constraint units wandctl wand_engine sweep; do
	mkdir -p "$C/$n"
	rm -f "$C/$n"/fx-* "$C/$n"/seed-*
done

big() { [ "$(wc -c < "$1")" -gt 65536 ]; }

# The matrix file a topology names ("matrix: {file: data/x.tsv, ...}"),
# relative to the topology, or nothing.
matrix_of() {
	f=$(sed -n 's/.*matrix:.*file: *\([^,} ]*\).*/\1/p' "$1" | head -n 1)
	[ -n "$f" ] && [ -f "$(dirname "$1")/$f" ] && echo "$(dirname "$1")/$f"
	return 0
}

for y in tests/fixtures/bad/*.yaml tests/fixtures/good/*.yaml \
	 tests/fixtures/stacks/topo/*.yaml topologies/*.yaml; do
	big "$y" && continue
	out="$C/topo/fx-$(echo "$y" | tr '/' '_')"
	m=$(matrix_of "$y")
	if [ -n "$m" ]; then
		{ cat "$y"; printf '\000'; cat "$m"; } > "$out"
	else
		cp "$y" "$out"
	fi
done

for y in tests/fixtures/stacks/bad/*.yaml tests/fixtures/stacks/sys/*.yaml \
	 workloads/stacks/*.yaml; do
	big "$y" && continue
	cp "$y" "$C/stack/fx-$(echo "$y" | tr '/' '_')"
done

for m in $(find tests/fixtures topologies/data -name '*.tsv' -o -name '*.csv' | sort); do
	cp "$m" "$C/matrix/fx-$(echo "$m" | tr '/' '_')"
done

# One input per line of seeds/NAME.txt; "\n" in a line is a newline and a
# line may start with "\xHH" for a first byte (wandctl, wand_engine).
for n in constraint units wandctl wand_engine; do
	i=0
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in '#'*|'') continue ;; esac
		i=$((i + 1))
		printf '%b' "$line" > "$C/$n/seed-$(printf '%03d' "$i")"
	done < "tests/fuzz/seeds/$n.txt"
done

# The topology a sweep names ("topology: PATH"), relative to DIR.
topology_of() {
	f=$(sed -n 's/^topology: *\([^ #]*\).*/\1/p' "$1" | head -n 1)
	[ -n "$f" ] && [ -f "$2/$f" ] && echo "$2/$f"
	return 0
}

for y in tests/fixtures/sweeps/bad/*.yaml benchmarks/*.yaml \
	 tests/fuzz/seeds/sweep/*.yaml; do
	grep -q '^axes:' "$y" || [ "${y#tests/fixtures}" != "$y" ] || continue
	case "$y" in
	tests/fuzz/seeds/*) dir=tests/fixtures/sweeps/bad ;;
	*) dir=$(dirname "$y") ;;
	esac
	out="$C/sweep/fx-$(echo "$y" | tr '/' '_')"
	t=$(topology_of "$y" "$dir")
	if [ -z "$t" ]; then
		cp "$y" "$out"
		continue
	fi
	m=$(matrix_of "$t")
	{ cat "$y"; printf '\000'; cat "$t"
	  [ -n "$m" ] && { printf '\000'; cat "$m"; }; } > "$out"
done
