#!/usr/bin/env bash
# Mutation testing of Mailbox.Core (and of Mailbox.TestKit, group `testkit`) with Stryker.NET, one file group at a time, on the fast tests.
#
#   eng/mutation.sh GROUP...          run each group, write docs/mutation/GROUP.md
#   eng/mutation.sh --since[=REF] GROUP...   only the mutants in files changed since REF (default main)
#   eng/mutation.sh --lines=A-B GROUP   only the mutants within lines A..B of the group's files (a part of a long
#                                     group, to run beside another part in a second worktree; prints, writes nothing;
#                                     mutation-summary.py merges the parts' reports into the group's)
#   eng/mutation.sh --list            the groups and the files each mutates
#
# Why per group: Stryker compiles every mutant of the project into one assembly, and then runs, for each mutant, the
# tests that cover it — a test-host start plus those tests, 4 to 17 s a run on the 2-core machine. A whole-core run
# (about 1,600 testable mutants) is hours; one group is minutes to an hour (docs/mutation/README.md has the times).
# Out of CI for that reason: run it by hand after changing a group, and commit the report it writes.
#
# `timers` and `store` split Timers/ between them (the store alone is about 460 mutants, over an hour), so no file is in two
# groups.
#
# LoopThread.cs is a group of its own: every test runs on it, so each of its mutants runs the whole fast suite, and the
# many that hang a loop cost the suite's time-out (2 x the suite + 3 s) each; the first scheduling run had done a third
# of Scheduling/ after 30 minutes, most of the rest being LoopThread's Run, RunTurn and Idle. Run `thread` alone.
#
# Settings common to every group are in eng/stryker-config.json: the fast tests only (no Akka cluster tests, no
# [Trait("Category", "Stress")]), per-test coverage (each mutant runs only the tests that reach it), a short
# additional timeout (a mutant that hangs a loop is a detected mutant; waiting the tests' full patience for it was the
# biggest cost), concurrency 1 (two cores, shared).
set -euo pipefail
set -f # the groups are Stryker globs, not the shell's
cd "$(dirname "$0")/.."

declare -A groups=(
  [lanes]="Lanes/*.cs"
  [stop]="LoopActor.Stop.cs"
  [reader]="LoopActor.Reader.cs"
  [actor]="LoopActor.cs LoopActor.Faults.cs"
  [scheduling]="Scheduling/LoopClock.cs Scheduling/ClockEntry.cs Scheduling/LoopSynchronizationContext.cs Scheduling/LoopTaskScheduler.cs"
  [thread]="Scheduling/LoopThread.cs"
  [groups]="Groups/*.cs"
  [timers]="Timers/CachePrefetch.cs Timers/DelayTimer.cs Timers/LoopDelayAwaitable.cs Timers/TimerCell.cs Timers/TimerEntry.cs Timers/TimerHandle.cs Timers/TimerKey.cs Timers/TimerToken.cs LoopActor.Timers.cs"
  [store]="Timers/TimerWheel.cs Timers/TimerRun.cs Timers/TimerQueue.cs"
  [coroutines]="Coroutines/*.cs"
  [diagnostics]="Diagnostics/**/*.cs Errors/*.cs Options/*.cs Reporting/*.cs"
  [testkit]="*.cs"
)

# The project each group mutates: Mailbox.Core unless named here (the test kit is code users' tests run on, held to
# the same bar; its own tests are Mailbox.Tests/TestKit/, and every loop test uses it).
declare -A projects=(
  [testkit]="Mailbox.TestKit.csproj"
)

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

since=""
lines=""
selected=()
for arg in "$@"; do
  case "$arg" in
    --list)
      for g in $(printf '%s\n' "${!groups[@]}" | sort); do printf '%-12s %-24s %s\n' "$g" "${projects[$g]:-Mailbox.Core.csproj}" "${groups[$g]}"; done
      exit 0 ;;
    --since) since="--since:main" ;;
    --since=*) since="--since:${arg#--since=}" ;;
    --lines=*) lines="${arg#--lines=}"
      [[ "$lines" =~ ^[0-9]+-[0-9]+$ ]] || { echo "--lines wants A-B (line numbers)" >&2; exit 2; } ;;
    -h|--help) usage ;;
    -*) echo "unknown option $arg" >&2; usage 2 ;;
    *)
      [ -n "${groups[$arg]:-}" ] || { echo "unknown group $arg (see --list)" >&2; exit 2; }
      selected+=("$arg") ;;
  esac
done
[ ${#selected[@]} -gt 0 ] || usage 2

command -v dotnet-stryker >/dev/null || export PATH="$PATH:$HOME/.dotnet/tools"
if ! dotnet tool list -g | grep -Eq '^dotnet-stryker +5\.1\.0 '; then
  echo "== installing Stryker.NET 5.1.0 (global tool)"
  dotnet tool update -g dotnet-stryker --version 5.1.0
fi

mkdir -p docs/mutation
for group in "${selected[@]}"; do
  out="artifacts/mutation/$group${lines:+-$lines}" # under the git-ignored artifacts/, relative to the root
  rm -rf "$out"
  args=(stryker -f ../eng/stryker-config.json --skip-version-check -O "../$out")
  [ -z "${projects[$group]:-}" ] || args+=(--project "${projects[$group]}")
  root="Mailbox.Core"; [ -z "${projects[$group]:-}" ] || root="${projects[$group]%.csproj}"
  for file in ${groups[$group]}; do
    if [ -z "$lines" ]; then args+=(--mutate "**/$file"); continue; fi
    # Stryker takes a part of a file as character offsets ({start..end}, a mutant is kept when the span holds it
    # whole): turn the lines into those, so that a part boundary between two methods loses no mutant.
    for path in $(set +f; ls $root/$file); do
      span=$(python3 -c 'import sys
text = open(sys.argv[1], encoding="utf-8-sig").read().split("\n")
a, b = (int(x) for x in sys.argv[2].split("-"))
start = sum(len(l) + 1 for l in text[: a - 1])
end = start + sum(len(l) + 1 for l in text[a - 1 : b])
print(f"{{{start}..{end}}}")' "$path" "$lines")
      args+=(--mutate "**/${path#$root/}$span")
    done
  done
  [ -z "$since" ] || args+=("$since")
  shown="cd Mailbox.Tests && dotnet ${args[*]}"
  echo "== $group: $shown"
  started=$(date +%s)
  (cd Mailbox.Tests && dotnet "${args[@]}")
  minutes=$(( ($(date +%s) - started + 59) / 60 ))
  report="$out/reports/mutation-report.json"
  [ -f "$report" ] || { echo "no report for $group (nothing to mutate?)"; continue; }
  if [ -n "$since" ] || [ -n "$lines" ]; then
    # A --since run covers only the changed files, a --lines run a part: its report is not the group's record.
    python3 eng/mutation-summary.py "$report" "$group" "$shown" "$minutes"
  else
    python3 eng/mutation-summary.py "$report" "$group" "$shown" "$minutes" > "docs/mutation/$group.md"
    echo "== $group: docs/mutation/$group.md"
    sed -n '/^| file/,/^$/p' "docs/mutation/$group.md"
  fi
done
