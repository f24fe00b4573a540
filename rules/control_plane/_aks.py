"""Type tokens of AKS resources (not a rule: no RULE here). Versioned tokens such as
`azure-native:containerservice/v20240801:ManagedCluster` reach rules through
`policypack.model.canonical_type`."""

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
