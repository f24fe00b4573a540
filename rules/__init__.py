"""The rules, one module each, grouped by playbook area. See policypack.rule."""
