#!/usr/bin/env python3
"""Turns one Stryker run into docs/mutation/<group>.md: the score of each mutated file, then every mutant that lived.

Usage: mutation-summary.py REPORT_JSON[,REPORT_JSON...] GROUP COMMAND MINUTES > docs/mutation/GROUP.md

Several reports (the parts of one group, run with `eng/mutation.sh --lines=A-B` side by side) are merged: the mutants
of a file are the union of the parts' mutants.

Stryker's own markdown report lists every file of the project, mutated or not; this keeps the files the run mutated
and adds what its table leaves out: where each surviving or uncovered mutant is and what it changed. Equivalent
mutants are named in docs/mutation/equivalent.md, which a reader checks the survivors against.
"""
import json
import sys

DETECTED = ("Killed", "Timeout")
UNDETECTED = ("Survived", "NoCoverage")


def clip(text: str, width: int = 110) -> str:
    """One line of code, short enough for a list item."""
    return text if len(text) <= width else text[: width - 1] + "…"


def file_name(path: str) -> str:
    """A mutated file as the reports name it: within Mailbox.Core, or from its project's folder for another project.

    Stryker writes absolute paths, which differ between worktrees (the parts of a group) and would leak the machine's
    folders into docs/."""
    if "Mailbox.Core/" in path:
        return path.split("Mailbox.Core/", 1)[1]
    start = path.rfind("/Mailbox.")
    return path[start + 1:] if start >= 0 else path


def main() -> None:
    report_paths, group, command, minutes = sys.argv[1:5]
    report = {"files": {}}
    for report_path in report_paths.split(","):
        with open(report_path, encoding="utf-8") as f:
            part = json.load(f)
        for path, data in part["files"].items():
            merged = report["files"].setdefault(file_name(path), {"source": data["source"], "mutants": {}})
            for mutant in data["mutants"]:
                start = mutant["location"]["start"]
                key = (start["line"], start["column"], mutant["mutatorName"], mutant.get("replacement"))
                # A part reports the mutants outside its lines as ignored: the part that ran one has its status.
                if key not in merged["mutants"] or mutant["status"] != "Ignored":
                    merged["mutants"][key] = mutant
    for data in report["files"].values():
        data["mutants"] = list(data["mutants"].values())

    rows, lived = [], []
    for name, data in sorted(report["files"].items()):
        count = {}
        for mutant in data["mutants"]:
            count[mutant["status"]] = count.get(mutant["status"], 0) + 1
        detected = sum(count.get(s, 0) for s in DETECTED)
        undetected = sum(count.get(s, 0) for s in UNDETECTED)
        if detected + undetected == 0:
            continue  # not mutated by this run (or nothing testable in it)
        score = 100.0 * detected / (detected + undetected)
        rows.append((name, score, count))
        source = data["source"].split("\n")
        for mutant in data["mutants"]:
            if mutant["status"] in UNDETECTED:
                line = mutant["location"]["start"]["line"]
                code = source[line - 1].strip() if line <= len(source) else ""
                replacement = " ".join(mutant.get("replacement", "").split())
                lived.append((name, line, mutant["status"], mutant["mutatorName"], clip(replacement), clip(code)))

    print(f"# Mutation score: {group}\n")
    print(f"Produced by `eng/mutation.sh {group}` in about {minutes} minutes on the 2-core machine; it ran:\n\n```\n{command}\n```\n")
    print("| file | score | killed | timeout | survived | no coverage | compile error |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, score, count in rows:
        print(f"| {name} | {score:.1f} % | {count.get('Killed', 0)} | {count.get('Timeout', 0)} | "
              f"{count.get('Survived', 0)} | {count.get('NoCoverage', 0)} | {count.get('CompileError', 0)} |")

    print("\n## Mutants that lived\n")
    if not lived:
        print("None.")
    for name, line, status, mutator, replacement, code in lived:
        print(f"- `{name}:{line}` {status}, {mutator}: `{code}` → `{replacement}`")


if __name__ == "__main__":
    main()
