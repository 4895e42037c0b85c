#!/usr/bin/env python3
"""Which functions the release wasm is smaller with out of line: a measured sweep, not a guess.

For every function of the given files (default: src/core/*.rs and src/wasm/*.rs, test modules left out), it adds
`#[inline(never)]` (or takes it away where it is), builds the release wasm as the package ships it (`make wasm`),
notes the gzip change and puts the file back. With --apply it then applies the winners, best first, keeping each
only when the total still drops (their effects overlap). Each build takes 7-15 s: a whole sweep about 45 minutes.

    scripts/inline-sweep.py [--apply] [file.rs ...]

An `#[inline(never)]` in the sources is either explained where it stands or was kept by this sweep
(BENCHMARKS.md, "Size levers").
"""
import glob
import os
import re
import signal
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WASM = os.path.join(ROOT, "target", "polite_fetch_opt.wasm")
FN = re.compile(r"^(\s*)(pub(\([a-z]+\))? )?(const )?(async )?fn \w+")
MARK = "#[inline(never)]"


def gzip_size():
    """The release wasm's gzip -9 size, freshly built; None when the build fails."""
    build = subprocess.run(["make", "-s", "--no-print-directory", "wasm"], cwd=ROOT, capture_output=True, text=True)
    if build.returncode != 0:
        return None
    # Node's zlib, as scripts/size.mjs counts (Python's zlib, another version, differs by a few hundred bytes).
    count = "console.log(require('zlib').gzipSync(require('fs').readFileSync(process.argv[1]), { level: 9 }).length)"
    return int(subprocess.run(["node", "-e", count, WASM], capture_output=True, text=True, check=True).stdout)


def candidates(lines):
    """(line index, indent, already marked) of each function outside tests, extern blocks and wasm-bindgen exports."""
    end = next((i for i, l in enumerate(lines) if l.startswith("#[cfg(test)]")), len(lines))
    found, in_extern = [], False
    for i, line in enumerate(lines[:end]):
        if re.match(r'^\s*(pub(\([a-z]+\))? )?extern "C"', line):
            in_extern = True
        if in_extern:
            in_extern = not line.startswith("}")
            continue
        m = FN.match(line)
        # `const fn` is evaluated at compile time; `async fn`'s attribute reaches only its constructor.
        if not m or m.group(4) or m.group(5):
            continue
        attrs, j = [], i - 1
        while j >= 0 and lines[j].strip().startswith(("#[", "///")):
            attrs.append(lines[j].strip())
            j -= 1
        if any("wasm_bindgen" in a for a in attrs):
            continue
        found.append((i, m.group(1), MARK in attrs))
    return found


def toggled(lines, i, indent, marked):
    """`lines` with the function at `i` marked, or unmarked when it is."""
    out = list(lines)
    if marked:
        k = i - 1
        while out[k].strip() != MARK:
            k -= 1
        del out[k]
    else:
        out.insert(i, indent + MARK)
    return out


def main():
    # A stop (kill, Ctrl-C) unwinds through the `finally`s below, so no file is left with a trial's mark.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    args = [a for a in sys.argv[1:] if a != "--apply"]
    files = args or sorted(glob.glob(os.path.join(ROOT, "src/core/*.rs")) + glob.glob(os.path.join(ROOT, "src/wasm/*.rs")))
    base = gzip_size()
    if base is None:
        sys.exit("inline-sweep: the build fails before any change (make wasm)")
    print(f"base {base} B gzip", flush=True)
    wins = []
    for path in files:
        text = open(path).read()
        lines = text.split("\n")
        try:
            for i, indent, marked in candidates(lines):
                open(path, "w").write("\n".join(toggled(lines, i, indent, marked)))
                size = gzip_size()
                if size is None:
                    continue
                what = "unmark" if marked else "mark"
                print(f"{size - base:+6d}  {what:6s} {os.path.relpath(path, ROOT)}:{i + 1}  {lines[i].strip()[:80]}", flush=True)
                if size < base:
                    wins.append((size - base, path, lines[i]))
        finally:
            open(path, "w").write(text)
    if "--apply" not in sys.argv:
        return
    best = base
    for _, path, signature in sorted(wins, key=lambda w: w[0]):
        text = open(path).read()
        lines = text.split("\n")
        spot = [(i, indent, marked) for i, indent, marked in candidates(lines) if lines[i] == signature]
        if len(spot) != 1:
            continue
        kept = False
        try:
            open(path, "w").write("\n".join(toggled(lines, *spot[0])))
            size = gzip_size()
            kept = size is not None and size < best
        finally:
            if not kept:
                open(path, "w").write(text)
        if kept:
            print(f"kept {size - best:+d} -> {size}  {signature.strip()[:80]}", flush=True)
            best = size
    print(f"applied: {base} -> {best} B gzip")


if __name__ == "__main__":
    main()
