#!/usr/bin/env python3
"""What issue 19's features (revalidate, dedupe, paginate) add to the download: builds the package twice in a
scratch copy of the tree (never this one), as it is and with the three left out, and prints `make size`'s total row
for each. Leaving out means: the engine's calls into them stubbed, their options not read, js/copies.js emptied and
`paginate` not defined. Each stub asserts the code it replaces, so a change that moves that code fails here loudly
instead of measuring something else. Run after `make pkg` (it uses the same nightly, flags and node_modules):

    python3 bench/v2_bytes.py
"""
import os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (file, code as it is, code without the three)
STUBS = [
    ("src/wasm/revalidate.rs", "    let memory = inner.remembered.as_ref()?;", "    if true { return None; }\n    let memory = inner.remembered.as_ref()?;"),
    ("src/wasm/revalidate.rs", "    let Some(memory) = &inner.remembered else { return };", "    if true { return; }\n    let Some(memory) = &inner.remembered else { return };"),
    ("src/wasm/revalidate.rs", '    ["if-none-match", "if-modified-since"].into_iter().any(', '    if true { return false; }\n    ["if-none-match", "if-modified-since"].into_iter().any('),
    ("src/wasm/dedupe.rs", "    req.dedupe && dedupe", "    false && req.dedupe && dedupe"),
    ("src/wasm/paginate.rs", "    if !req.page {", "    if true || !req.page {"),
    ("src/wasm/client.rs", "            remembered: o.revalidate.map(|max| RefCell::new(Memory::new(max))),", "            remembered: None,"),
    ("src/wasm/client.rs", "            flights: Object::new().into(),", "            flights: JsValue::UNDEFINED,"),
    ("src/wasm/client.rs", "    if poll.is_none() && dedupe::applies(&req) {", "    if false {"),
    ("src/wasm/client.rs", "    revalidate::after_call(&inner, &req);", ""),
    ("src/wasm/read_options.rs", '    let revalidate = member(o, "revalidate");\n    if present(&revalidate) {', "    let revalidate = JsValue::UNDEFINED;\n    if false && present(&revalidate) {"),
    ("src/wasm/read_options.rs", '    if let Some(dedupe) = read_bool(o, "dedupe")? {\n        c.dedupe', '    if false { let _ = read_bool(o, "dedupe"); } else if let Some(dedupe) = None {\n        c.dedupe'),
    ("src/wasm/read_options.rs", '    if let Some(dedupe) = read_bool(options, "dedupe")? {', "    if let Some(dedupe) = None {"),
    ("src/wasm/read_options.rs", "url::resolve_in(&inner.options.base, &path, req.page)", "url::resolve_in(&inner.options.base, &path, false)"),
    ("src/wasm/attempt.rs", '    if status == 304 && req.method == "GET" {', '    if false && status == 304 && req.method == "GET" {'),
    ("src/wasm/attempt.rs", "        if let Some((key, _)) = conditional {", "        if let Some((key, _)) = conditional.filter(|_| false) {"),
    ("src/wasm/attempt.rs", "    let conditional = revalidate::lookup(inner, req, &mut headers);", "    let conditional: Option<(crate::core::remember::Key, Option<JsValue>)> = None;"),
    ("src/js/client.js", "proto.paginate = async function* (path, options) {", "if (0) proto.paginate = async function* (path, options) {"),
]


def run(args, cwd, env=None):
    return subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def build(tree, nightly, flags):
    env = dict(os.environ, RUSTFLAGS=flags)
    run(["cargo", f"+{nightly}", "build", "-q", "--release", "--target", "wasm32-unknown-unknown", "--lib",
         "-Zbuild-std=std,panic_abort", "--target-dir", os.path.join(tree, "target")], tree, env)
    run(["wasm-bindgen", "--target", "web", "--no-typescript", "--out-dir", "target/bindgen", "--out-name", "polite_fetch",
         "target/wasm32-unknown-unknown/release/polite_fetch.wasm"], tree)
    opt_flags = re.search(r"^WASM_OPT_FLAGS := (.*)$", open(os.path.join(ROOT, "Makefile")).read(), re.M).group(1).split()
    names = run(["node_modules/.bin/wasm-opt", *opt_flags, "--minify-imports-and-exports-and-modules", "--strip-debug",
                 "--strip-producers", "target/bindgen/polite_fetch_bg.wasm", "-o", "target/opt.wasm"], tree)
    open(os.path.join(tree, "target/names.json"), "w").write(names)
    run(["node", "scripts/build-pkg.mjs", "target/opt.wasm", "target/names.json"], tree)
    return [l for l in run(["node", "scripts/size.mjs"], tree).splitlines() if l.startswith("total (wasm + minified js)")][0]


def main():
    make = open(os.path.join(ROOT, "Makefile")).read()
    nightly = re.search(r"^export NIGHTLY := (\S+)", make, re.M).group(1)
    flags = re.search(r"^WASM_RUSTFLAGS := ((?:.*\\\n)*.*)$", make, re.M).group(1).replace("\\\n", " ")
    tree = tempfile.mkdtemp(prefix="polite-v2-bytes-")
    try:
        shutil.copytree(ROOT, tree, dirs_exist_ok=True, ignore=shutil.ignore_patterns("target", "node_modules", "pkg", ".git"))
        os.symlink(os.path.join(ROOT, "node_modules"), os.path.join(tree, "node_modules"))
        with_v2 = build(tree, nightly, " ".join(flags.split()))
        for path, before, after in STUBS:
            file = os.path.join(tree, path)
            text = open(file).read()
            if before not in text:
                sys.exit(f"v2_bytes: {path} no longer holds {before!r}: update the stub")
            open(file, "w").write(text.replace(before, after, 1))
        open(os.path.join(tree, "src/js/copies.js"), "w").write("export const copy = 0, follow = 0, flightFor = 0, launch = 0;\n")
        without = build(tree, nightly, " ".join(flags.split()))
        gz = lambda row: int(row.split()[-2])
        print(f"with v2:    {with_v2}\nwithout v2: {without}\nissue 19's three add {gz(with_v2) - gz(without)} B gzip")
    finally:
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    main()
