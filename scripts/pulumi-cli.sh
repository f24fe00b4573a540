#!/usr/bin/env bash
# Build the Pulumi CLI and the plugins the end-to-end tests use, or reuse those already
# built, and print the folder that holds them (put it on PATH, or in
# POLICYPACK_PULUMI_CLI_DIR).
#
#   scripts/pulumi-cli.sh            -> .cache/pulumi-cli/<CLI version>
#   export POLICYPACK_PULUMI_CLI_DIR=$(scripts/pulumi-cli.sh)
#
# Every version and dependency is pinned by the go.mod and go.sum files below
# scripts/pulumi-cli/ and ../shared/vendor/pulumi-language-python/. The folder holds:
#   pulumi                       the CLI (github.com/pulumi/pulumi/pkg/v3), scripts/pulumi-cli/go.mod
#   pulumi-language-python       Pulumi's Python language host, built from its source in
#   pulumi-language-python-exec  ../shared/vendor/pulumi-language-python (third-party, Apache-2.0,
#                                see its NOTICE.md; not served by the Go module proxy, and never
#                                copied into this project); the -exec script sits beside it
#   pulumi-language-yaml         Pulumi's YAML language host, scripts/pulumi-cli/yaml/go.mod
#   pulumi-resource-kubernetes   the Kubernetes provider, scripts/pulumi-cli/kubernetes/go.mod
#   build-info.txt               versions, build times and sizes
# Nothing in it depends on the checkout that built it, so checkouts share one cache
# (.ci/run points POLICYPACK_PULUMI_CACHE at ~/.cache/policypack/pulumi-cli).
#
# A `pulumi` already on PATH (Pulumi's own release, with its language hosts beside it)
# is preferred: the folder is then <cache>/path-<its version>, with links to that CLI and
# its Python and YAML hosts, and only what it lacks (the Kubernetes provider, which a
# release downloads as a plugin) is built. POLICYPACK_PULUMI_FROM_PATH=0 always builds.
#
# Needs Go to build; the first build downloads modules through the Go module proxy and takes
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
cache=${POLICYPACK_PULUMI_CACHE:-$root/.cache/pulumi-cli}
python_host_src=${POLICYPACK_PYTHON_HOST_SRC:-$root/../shared/vendor/pulumi-language-python}

# Pulumi's own release on PATH: use it (a folder built by this script is not a release).
installed=
if [ "${POLICYPACK_PULUMI_FROM_PATH:-1}" != 0 ] && installed=$(command -v pulumi 2>/dev/null) &&
    [ "$(cd "$(dirname "$installed")" && pwd -P)" != "$(cd "$cache" 2>/dev/null && pwd -P)/$version" ]; then
    installed_dir=$(dirname "$(readlink -f "$installed")")
    installed_version=$("$installed" version 2>/dev/null | head -n 1)
    dir=$cache/path-${installed_version:-unknown}
    mkdir -p "$dir"
    ln -sfn "$(readlink -f "$installed")" "$dir/pulumi"
    for plugin in pulumi-language-python pulumi-language-python-exec pulumi-language-yaml; do
        if [ -x "$installed_dir/$plugin" ]; then
            ln -sfn "$installed_dir/$plugin" "$dir/$plugin"
        fi
    done
else
    installed=
    dir=$cache/$version
    mkdir -p "$dir"
fi

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

if [ -z "$installed" ]; then
    build pulumi "$modules" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
fi

# Pulumi's Python language host: the release's when it has one, else built from source.
if [ -z "$installed" ] || ! [ -L "$dir/pulumi-language-python" ]; then
    if ! [ -f "$python_host_src/main.go" ] || ! [ -f "$python_host_src/pulumi-language-python-exec" ]; then
        echo "pulumi-cli: no Python language host source (main.go, pulumi-language-python-exec) in" \
            "$python_host_src; set POLICYPACK_PYTHON_HOST_SRC to Pulumi's sdk/python/cmd/pulumi-language-python" >&2
        exit 1
    fi
    # The source folder is read-only in CI: the build writes only into $dir and Go's caches.
    build pulumi-language-python "$python_host_src" .
    if ! cmp -s "$python_host_src/pulumi-language-python-exec" "$dir/pulumi-language-python-exec"; then
        rm -f "$dir/pulumi-language-python-exec"
        install -m 0755 "$python_host_src/pulumi-language-python-exec" "$dir/pulumi-language-python-exec"
    fi
fi

if [ -z "$installed" ] || ! [ -L "$dir/pulumi-language-yaml" ]; then
    build pulumi-language-yaml "$modules/yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
fi

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
