"""Worker nodes: the machines that run the pods of EKS, GKE and AKS clusters."""
