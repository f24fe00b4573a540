"""The Pod Security Standards (Baseline and Restricted), one rule per control.

Each rule reimplements one check of Kubernetes' pod-security-admission
(k8s.io/pod-security-admission/policy/check_*.go), version by version; the shared
version handling and pod helpers live in `_pss.py` (not a rule: it defines no RULE).
"""
