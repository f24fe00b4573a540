"""Builds the optional compiled YAML reader (native/, Rust) when a Rust toolchain is
found; everything else about the package is in pyproject.toml.

Without cargo on PATH the install goes on with the pure-Python reader, which gives
the same results more slowly (see docs/performance.md). A failed Rust build does the
same (the extension is optional). POLICYPACK_NO_NATIVE=1 skips the build.
"""

import os
import shutil
import sys

from setuptools import setup

rust_extensions = []
if os.environ.get("POLICYPACK_NO_NATIVE"):
    print("policypack: POLICYPACK_NO_NATIVE is set: installing the pure-Python YAML reader only", file=sys.stderr)
elif shutil.which("cargo") is None:
    print(
        "policypack: no Rust toolchain (cargo) found: installing the pure-Python YAML reader (same results, slower)",
        file=sys.stderr,
    )
else:
    from setuptools_rust import RustExtension

    rust_extensions.append(RustExtension("policypack._native", path="native/Cargo.toml", optional=True, debug=False))

setup(rust_extensions=rust_extensions)
