"""Control plane: the managed Kubernetes API server of EKS, GKE and AKS clusters."""
