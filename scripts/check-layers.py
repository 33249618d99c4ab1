#!/usr/bin/env python3
"""Fails when a crate depends on a workspace crate it may not (ARCHITECTURE.md, "Code map"),
or when a lower crate pulls in a front-end framework."""
import json, subprocess, sys

ALLOWED = {
    "mrv-core": set(),
    "mrv-tlog": set(),
    "mrv-identity": set(),
    "mrv-stamp": {"mrv-tlog"},
    "mrv-store": {"mrv-core"},
    "mrv-geo": {"mrv-core"},
    "mrv-app": {"mrv-core", "mrv-store", "mrv-geo", "mrv-identity", "mrv-stamp", "mrv-tlog"},
    "mrv-cli": {"mrv-app"},
    "mrv-desk": {"mrv-app"},
    "mrv-auditlog": {"mrv-core", "mrv-tlog"},
    "mrv-registry": {"mrv-core"},
    "mrv-e2e": set(),
}
FRAMEWORKS = {"tauri", "clap", "axum", "tauri-specta", "specta"}
FRONT_ENDS = {"mrv-cli", "mrv-desk", "mrv-e2e", "mrv-auditlog", "mrv-registry"}

meta = json.loads(subprocess.check_output(["cargo", "metadata", "--no-deps", "--format-version", "1"]))
errors = []
for pkg in meta["packages"]:
    name = pkg["name"]
    if name not in ALLOWED:
        errors.append(f"{name}: not in the layering table; add it to scripts/check-layers.py and ARCHITECTURE.md")
        continue
    deps = {d["name"] for d in pkg["dependencies"] if d["kind"] is None}
    for dep in sorted(d for d in deps if d in ALLOWED):
        if dep not in ALLOWED[name]:
            errors.append(f"{name} may not depend on {dep}")
    if name not in FRONT_ENDS:
        for dep in sorted(deps & FRAMEWORKS):
            errors.append(f"{name} may not depend on the front-end framework {dep}")
if errors:
    print("layering violations:\n  " + "\n  ".join(errors))
    sys.exit(1)
print(f"layering ok ({len(meta['packages'])} crates)")
