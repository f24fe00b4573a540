"""Rules of the workload-hardening area."""
