#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Check the guidance data in catalog/controls/ and the links from catalog/checks/.

Usage: test_catalog_data.py SOURCE_DIR [--stats]

Loads every catalog/controls/*.yaml and catalog/checks/*.yaml, validates each against
schema/catalog.schema.json, then checks what a schema cannot: references between files,
unique ids, the MIC grid, and that every threat and trouble case is countered. Prints one
"FAIL <file>: <id>: <problem>" line per problem and exits 1, or prints
"ok: N controls, M checks". --stats also prints counts per framework, role and priority.
Needs python3-yaml and python3-jsonschema (run it with /usr/bin/python3).
"""
import collections
import glob
import json
import os
import sys

import jsonschema
import yaml

# The grid of the MIC SME checklist (seeds/001): level and priority from our assessment.
def grid_level(difficulty):
    return "advanced" if difficulty == "high" else "basic"


def grid_priority(importance, difficulty):
    if importance == "low" or difficulty == "high":
        return "out"
    if importance == "high" and difficulty == "low":
        return "first"
    return "next"


# Which $defs entry a file of catalog/controls/ is validated against, by name.
KINDS = {
    "categories.yaml": "categoriesFile",
    "methods.yaml": "methodsFile",
    "threats.yaml": "threatsFile",
    "csaj.yaml": "csajFile",
    "jnsa.yaml": "jnsaFile",
    "mic.yaml": "controlsFile",
    "duty.yaml": "controlsFile",
}
# Files of catalog/controls/ owned by other loaders (their own format, not controls).
FOREIGN = {"selection.yaml"}
CONTROL_FILES = {"mic.yaml": "mic", "csaj.yaml": "csaj", "jnsa.yaml": "jnsa", "duty.yaml": "duty"}


class Lint:
    def __init__(self):
        self.problems = []

    def fail(self, path, ident, msg):
        self.problems.append(f"FAIL {path}: {ident}: {msg}")


def load_yaml(lint, root, path):
    rel = os.path.relpath(path, root)
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        lint.fail(rel, "-", f"does not parse: {e}")
        return rel, None
    if not isinstance(data, dict):
        lint.fail(rel, "-", "expected a mapping at the top level")
        return rel, None
    return rel, data


def validate(lint, schema, kind, rel, data):
    sub = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"}
    validator = jsonschema.Draft202012Validator(sub)
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = list(err.absolute_path)
        ident = "-"
        # name the record by its id when the error sits inside a list of records
        if len(path) >= 2 and isinstance(path[1], int):
            try:
                ident = data[path[0]][path[1]].get("id", ident)
            except (AttributeError, IndexError, KeyError, TypeError):
                pass
        where = "/".join(str(p) for p in path) or "(top)"
        msg = err.message
        if err.validator == "not":
            msg = f"must not match {json.dumps(err.validator_value)}"
        elif len(msg) > 200:
            msg = msg[:200] + "..."
        lint.fail(rel, ident, f"schema: {where}: {msg}")


def has_both(t):
    return isinstance(t, dict) and all(isinstance(t.get(k), str) and t[k].strip() for k in ("en", "ja"))


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    stats = "--stats" in argv[1:]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = args[0]
    lint = Lint()
    with open(os.path.join(root, "schema", "catalog.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)

    files = {}
    for path in sorted(glob.glob(os.path.join(root, "catalog", "controls", "*.yaml"))):
        rel, data = load_yaml(lint, root, path)
        base = os.path.basename(path)
        if data is None or base in FOREIGN:
            continue
        kind = KINDS.get(base, "controlsFile")
        validate(lint, schema, kind, rel, data)
        files[base] = (rel, data)
    checks_files = []
    for path in sorted(glob.glob(os.path.join(root, "catalog", "checks", "*.yaml"))):
        rel, data = load_yaml(lint, root, path)
        if data is None:
            continue
        validate(lint, schema, "checksFile", rel, data)
        checks_files.append((rel, data))

    def records(base, key):
        rel, data = files.get(base, (f"catalog/controls/{base}", None))
        if data is None:
            lint.fail(rel, "-", "missing or unreadable")
            return rel, []
        v = data.get(key)
        return rel, [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []

    rel_cat, cats = records("categories.yaml", "categories")
    _, roles = records("categories.yaml", "roles")
    _, methods = records("methods.yaml", "methods")
    rel_thr, threats = records("threats.yaml", "threats")
    _, cases = records("threats.yaml", "trouble_cases")
    _, persp = records("jnsa.yaml", "perspectives")
    cat_ids = {c.get("id") for c in cats}
    role_ids = {r.get("id") for r in roles}
    method_ids = {m.get("id") for m in methods}
    threat_ids = {t.get("id") for t in threats} | {t.get("id") for t in cases}
    persp_ids = {str(p.get("id")) for p in persp}

    # ids unique within each vocabulary
    for rel, name, seq in ((rel_cat, "category", cats), (rel_cat, "role", roles),
                           ("catalog/controls/methods.yaml", "method", methods),
                           (rel_thr, "threat or trouble case", threats + cases),
                           ("catalog/controls/jnsa.yaml", "perspective", persp)):
        seen = set()
        for x in seq:
            i = str(x.get("id"))
            if i in seen:
                lint.fail(rel, i, f"duplicate {name} id")
            seen.add(i)

    # controls: every file of catalog/controls/ that has a `controls` list
    controls = {}
    where = {}
    for base, (rel, data) in sorted(files.items()):
        if "controls" not in data:
            continue
        fw_expected = CONTROL_FILES.get(base)
        for c in data["controls"] if isinstance(data["controls"], list) else []:
            if not isinstance(c, dict):
                lint.fail(rel, "-", "a control is not a mapping")
                continue
            cid = c.get("id") or "-"
            if cid in controls:
                lint.fail(rel, cid, f"duplicate control id (also in {where[cid]})")
                continue
            controls[cid] = c
            where[cid] = rel
            fw = c.get("framework")
            if fw_expected and fw != fw_expected:
                lint.fail(rel, cid, f"framework {fw!r} in {base} (expected {fw_expected})")
            if isinstance(fw, str) and not str(cid).startswith(fw + "-"):
                lint.fail(rel, cid, f"id does not start with the framework, {fw}-")
            for key in ("title", "text"):
                if not has_both(c.get(key)):
                    lint.fail(rel, cid, f"{key} needs both en and ja")
            src = c.get("source")
            if not isinstance(src, str) or not src.strip():
                lint.fail(rel, cid, "source is missing or empty")
            if c.get("category") not in cat_ids:
                lint.fail(rel, cid, f"unknown category {c.get('category')!r}")
            if c.get("role") not in role_ids:
                lint.fail(rel, cid, f"unknown role {c.get('role')!r}")
            for m in c.get("methods") or []:
                if m not in method_ids:
                    lint.fail(rel, cid, f"unknown method {m!r}")
            for t in c.get("threats") or []:
                if t not in threat_ids:
                    lint.fail(rel, cid, f"unknown threat or trouble case {t!r}")
            if "perspective" in c and str(c["perspective"]) not in persp_ids:
                lint.fail(rel, cid, f"unknown perspective {c['perspective']!r}")
            lvl = c.get("level")
            if lvl is not None and lvl != grid_level(c.get("difficulty")):
                lint.fail(rel, cid, f"level {lvl} disagrees with difficulty {c.get('difficulty')} "
                          "(basic needs low or medium, advanced needs high)")

    # checks: unique ids, each implements at least one existing control
    nchecks = 0
    check_ids = {}
    linked = collections.Counter()
    for rel, data in checks_files:
        for ch in data.get("checks") or []:
            if not isinstance(ch, dict):
                continue
            nchecks += 1
            kid = ch.get("id") or "-"
            if kid in check_ids:
                lint.fail(rel, kid, f"duplicate check id (also in {check_ids[kid]})")
            check_ids[kid] = rel
            if "refs" in ch:
                lint.fail(rel, kid, "has the old `refs` block; use `controls`")
            ctl = ch.get("controls")
            if not isinstance(ctl, list) or not ctl:
                lint.fail(rel, kid, "implements no control (`controls` missing or empty)")
                continue
            for x in ctl:
                if x not in controls:
                    lint.fail(rel, kid, f"unknown control {x!r}")
                else:
                    linked[x] += 1

    # every threat and trouble case is countered by at least one control
    countered = {t for c in controls.values() for t in (c.get("threats") or [])}
    for t in threats + cases:
        if t.get("id") not in countered:
            lint.fail(rel_thr, t.get("id"), "no control counters it (no control lists it in `threats`)")

    if stats:
        def count(key):
            return dict(sorted(collections.Counter(key(c) for c in controls.values()).items()))
        print("per framework:", count(lambda c: c.get("framework")))
        print("per role:", count(lambda c: c.get("role")))
        print("per framework and role:", count(lambda c: f"{c.get('framework')}/{c.get('role')}"))
        print("priority (first = ◎, next = ○):",
              count(lambda c: grid_priority(c.get("importance"), c.get("difficulty"))))
        print("level:", count(lambda c: grid_level(c.get("difficulty"))))
        for m in sorted(method_ids, key=lambda m: [x.get("id") for x in methods].index(m)):
            ids = [i for i, c in controls.items() if not c.get("methods") or m in c["methods"]]
            pr = collections.Counter(grid_priority(controls[i].get("importance"), controls[i].get("difficulty")) for i in ids)
            nck = sum(1 for rel, data in checks_files for ch in data.get("checks") or []
                      if any(x in ids for x in ch.get("controls") or []))
            print(f"method {m}: {len(ids)} controls ({pr['first']} ◎, {pr['next']} ○, {pr['out']} out), {nck} checks")
        print("controls linked from checks:", len(linked))

    if lint.problems:
        for p in lint.problems:
            print(p)
        print(f"{len(lint.problems)} problem(s)")
        return 1
    print(f"ok: {len(controls)} controls, {nchecks} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
