#!/usr/bin/env bash
# Build the Pulumi CLI that the end-to-end tests use, or reuse the one already built,
# and print the folder that holds it (put it on PATH, or in POLICYPACK_PULUMI_CLI_DIR).
#
#   scripts/pulumi-cli.sh            -> .cache/pulumi-cli/<version>
#   export POLICYPACK_PULUMI_CLI_DIR=$(scripts/pulumi-cli.sh)
#
# The version and every dependency are pinned by scripts/pulumi-cli/go.mod and go.sum.
# The folder holds:
#   pulumi                          the CLI, built from github.com/pulumi/pulumi/pkg/v3
#   pulumi-language-python          runs scripts/pulumi-cli/pulumi_language_python.py with
#                                   this checkout's .venv: a stand-in for Pulumi's Python
#                                   language host (not served by the Go module proxy) that
#                                   only runs policy packs
#   build-info.txt                  version, build time and sizes
#
# Needs Go (the first build downloads modules through the Go module proxy and takes
# minutes; later runs reuse the binary). Exit codes: 0 ok, 3 Go is missing, 1 the
# build failed (its log is printed).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module=$root/scripts/pulumi-cli
version=$(sed -n 's|^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 \(v[^ ]*\).*|\1|p' "$module/go.mod" | head -n 1)
if [ -z "$version" ]; then
    echo "pulumi-cli: no github.com/pulumi/pulumi/pkg/v3 version in $module/go.mod" >&2
    exit 1
fi
dir=${POLICYPACK_PULUMI_CACHE:-$root/.cache/pulumi-cli}/$version
stamp=$(cat "$module/go.mod" "$module/go.sum" | sha256sum | cut -d' ' -f1)

mkdir -p "$dir"
# The language host stand-in is a script of this checkout: always rewrite its launcher.
printf '#!/bin/sh\n# Written by scripts/pulumi-cli.sh: a Python language host for policy packs only.\nexec "%s" "%s" "$@"\n' \
    "$root/.venv/bin/python" "$module/pulumi_language_python.py" >"$dir/pulumi-language-python.tmp.$$"
chmod +x "$dir/pulumi-language-python.tmp.$$"
mv -f "$dir/pulumi-language-python.tmp.$$" "$dir/pulumi-language-python"

if [ -x "$dir/pulumi" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$dir"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "pulumi-cli: 'go' is not on PATH; it is needed to build the Pulumi CLI $version" >&2
    exit 3
fi

echo "pulumi-cli: building the Pulumi CLI $version into $dir (the first build takes minutes)" >&2
log=$dir/build.log
start=$(date +%s)
if ! go build -C "$module" -mod=readonly -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$dir/pulumi.tmp.$$" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >"$log" 2>&1; then
    echo "pulumi-cli: building the Pulumi CLI $version failed:" >&2
    tail -n 40 "$log" >&2
    rm -f "$dir/pulumi.tmp.$$"
    exit 1
fi
seconds=$(($(date +%s) - start))
mv -f "$dir/pulumi.tmp.$$" "$dir/pulumi"
echo "$stamp" >"$dir/.stamp"
{
    echo "pulumi $version"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version | cut -d' ' -f3-)"
    echo "build seconds: $seconds"
    echo "size bytes: $(stat -c %s "$dir/pulumi")"
} >"$dir/build-info.txt"
echo "$dir"
