#!/usr/bin/env bash
# The project's test command (`deno task test`): set up, check formatting, lint and types, run the
# whole test suite, and close with one line `N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
check() { # name, command...
  local name=$1
  shift
  if "$@" >/tmp/score-check.log 2>&1; then
    passed=$((passed + 1))
    echo "check $name ... ok"
  else
    failed=$((failed + 1))
    echo "check $name ... FAILED"
    tail -n 40 /tmp/score-check.log
  fi
}
check fmt deno fmt --check
check lint deno lint
check types deno check --frozen .

log=$(mktemp)
NO_COLOR=1 deno test -A --frozen "$@" tests/ 2>&1 | tee "$log"
summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
if [ -z "$summary" ]; then
  echo "test runner printed no summary"
  failed=$((failed + 1))
else
  p=$(echo "$summary" | sed -E 's/.*\| ([0-9]+) passed.*/\1/')
  f=$(echo "$summary" | sed -E 's/.*\| ([0-9]+) failed.*/\1/')
  passed=$((passed + p))
  failed=$((failed + f))
fi
rm -f "$log"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
