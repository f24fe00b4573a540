// The Kubernetes resource provider (pulumi-resource-kubernetes) for the end-to-end
// preview test. The provider module's own main package embeds files that only its
// `go generate` step makes, so it cannot be built from the module cache as it is;
// scripts/pulumi-cli.sh copies this folder to .cache/, makes those files there from
// the module's schema.json and terraform-mapping.json, and builds this main, which
// serves the same provider with them.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
)

// version is set by scripts/pulumi-cli.sh (-X main.version=...).
var version = "0.0.0"

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version, schema, terraformMapping)
}
