#!/usr/bin/env bash
# Build the Pulumi CLI and the plugins the end-to-end tests use, or reuse those already
# built, and print the folder that holds them (put it on PATH, or in
# POLICYPACK_PULUMI_CLI_DIR).
#
#   scripts/pulumi-cli.sh            -> .cache/pulumi-cli/<CLI version>
#   export POLICYPACK_PULUMI_CLI_DIR=$(scripts/pulumi-cli.sh)
#
# Every version and dependency is pinned by the go.mod and go.sum files below
# scripts/pulumi-cli/. The folder holds:
#   pulumi                       the CLI (github.com/pulumi/pulumi/pkg/v3), scripts/pulumi-cli/go.mod
#   pulumi-language-python       runs scripts/pulumi-cli/pulumi_language_python.py with this
#                                checkout's .venv: a stand-in for Pulumi's Python language host
#                                (not served by the Go module proxy) that only runs policy packs
#   pulumi-language-yaml         Pulumi's YAML language host, scripts/pulumi-cli/yaml/go.mod
#   pulumi-resource-kubernetes   the Kubernetes provider, scripts/pulumi-cli/kubernetes/go.mod
#   build-info.txt               versions, build times and sizes
#
# Needs Go; the first build downloads modules through the Go module proxy and takes
# many minutes (the Go module and build caches then make rebuilds fast). Output is
# quiet unless a build fails. Exit codes: 0 ok, 3 Go is missing, 1 a build failed
# (its log is printed).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
modules=$root/scripts/pulumi-cli
version=$(sed -n 's|^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 \(v[^ ]*\).*|\1|p' "$modules/go.mod" | head -n 1)
if [ -z "$version" ]; then
    echo "pulumi-cli: no github.com/pulumi/pulumi/pkg/v3 version in $modules/go.mod" >&2
    exit 1
fi
dir=${POLICYPACK_PULUMI_CACHE:-$root/.cache/pulumi-cli}/$version
mkdir -p "$dir"

# The language host stand-in is a script of this checkout: always rewrite its launcher.
printf '#!/bin/sh\n# Written by scripts/pulumi-cli.sh: a Python language host for policy packs only.\nexec "%s" "%s" "$@"\n' \
    "$root/.venv/bin/python" "$modules/pulumi_language_python.py" >"$dir/pulumi-language-python.tmp.$$"
chmod +x "$dir/pulumi-language-python.tmp.$$"
mv -f "$dir/pulumi-language-python.tmp.$$" "$dir/pulumi-language-python"

# build NAME MODULE_DIR PACKAGE [LDFLAGS]: build PACKAGE of the module in MODULE_DIR into
# $dir/NAME unless the binary there was built from the same module files.
build() {
    local name=$1 module=$2 package=$3 ldflags=${4:-}
    local stamp log start seconds
    stamp=$({ cat "$module/go.mod" "$module/go.sum"; cat "$module"/*.go 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)
    if [ -x "$dir/$name" ] && [ "$(cat "$dir/.stamp-$name" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    if ! command -v go >/dev/null 2>&1; then
        echo "pulumi-cli: 'go' is not on PATH; it is needed to build $name" >&2
        exit 3
    fi
    echo "pulumi-cli: building $name into $dir (a first build takes minutes)" >&2
    log=$dir/build-$name.log
    start=$(date +%s)
    if ! (cd "$module" && go build -mod=readonly -trimpath -ldflags "-s -w $ldflags" \
        -o "$dir/$name.tmp.$$" "$package") >"$log" 2>&1; then
        echo "pulumi-cli: building $name failed:" >&2
        tail -n 40 "$log" >&2
        rm -f "$dir/$name.tmp.$$"
        exit 1
    fi
    seconds=$(($(date +%s) - start))
    mv -f "$dir/$name.tmp.$$" "$dir/$name"
    echo "$stamp" >"$dir/.stamp-$name"
    echo "$name: built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version | cut -d' ' -f3) in ${seconds}s," \
        "$(stat -c %s "$dir/$name") bytes" >>"$dir/build-info.txt"
}

build pulumi "$modules" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"

build pulumi-language-yaml "$modules/yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml

# The provider's own main package embeds its schema, which its module ships only as the
# input of a `go generate` step; scripts/pulumi-cli/kubernetes/main.go serves the same
# provider, and its embedded files are made here from the module's schema.json and
# terraform-mapping.json (as that generate step does: the schema gets the version).
k8s_src=$modules/kubernetes
k8s_build=$dir/build/kubernetes
k8s_version=$(sed -n 's|^[[:space:]]*\(require \)\{0,1\}github.com/pulumi/pulumi-kubernetes/provider/v4 \(v[^ ]*\).*|\2|p' \
    "$k8s_src/go.mod" | head -n 1)
if ! [ -x "$dir/pulumi-resource-kubernetes" ] || ! cmp -s "$k8s_src/go.sum" "$k8s_build/go.sum" ||
    ! cmp -s "$k8s_src/go.mod" "$k8s_build/go.mod" || ! cmp -s "$k8s_src/main.go" "$k8s_build/main.go"; then
    if ! command -v go >/dev/null 2>&1; then
        echo "pulumi-cli: 'go' is not on PATH; it is needed to build pulumi-resource-kubernetes" >&2
        exit 3
    fi
    rm -rf "$k8s_build" && mkdir -p "$k8s_build"
    cp "$k8s_src/go.mod" "$k8s_src/go.sum" "$k8s_src/main.go" "$k8s_build/"
    provider_dir=$(cd "$k8s_build" && go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$k8s_version" |
        sed -n 's|^[[:space:]]*"Dir": "\(.*\)",$|\1|p')
    if [ -z "$k8s_version" ] || [ ! -f "$provider_dir/cmd/pulumi-resource-kubernetes/schema.json" ]; then
        echo "pulumi-cli: cannot find the Kubernetes provider module's schema (version '$k8s_version')" >&2
        exit 1
    fi
    python3 - "$provider_dir/cmd/pulumi-resource-kubernetes" "$k8s_build" "${k8s_version#v}" <<'PY'
import json, sys
source, target, version = sys.argv[1:]
schema = json.load(open(f"{source}/schema.json"))
schema["version"] = version
json.dump(schema, open(f"{target}/schema-embed.json", "w"))
json.dump(json.load(open(f"{source}/terraform-mapping.json")), open(f"{target}/terraform-mapping-embed.json", "w"))
PY
fi
build pulumi-resource-kubernetes "$k8s_build" . "-X main.version=${k8s_version#v}"

echo "$dir"
