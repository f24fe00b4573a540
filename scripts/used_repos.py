"""Print every repository an earlier review corpus used (docs/reviews/corpus*/SOURCES-*.md),
with the shared corpus's five: the exclusion list for a new corpus's builders
(docs/reviews/BUILDING.md). Tables are written with or without a leading `|`."""

from __future__ import annotations

import re
from pathlib import Path

SHARED = (
    "kubernetes/examples",
    "argoproj/argo-cd",
    "kubernetes/ingress-nginx",
    "prometheus-operator/kube-prometheus",
    "GoogleCloudPlatform/microservices-demo",
)
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def used_repositories(reviews: Path) -> list[str]:
    found = set(SHARED)
    for sources in sorted(reviews.glob("corpus*/SOURCES-*.md")):
        for line in sources.read_text(encoding="utf-8").splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) >= 3 and _REPOSITORY.fullmatch(cells[0]):
                found.add(cells[0])
    return sorted(found, key=str.lower)


if __name__ == "__main__":
    print("\n".join(used_repositories(Path(__file__).resolve().parent.parent / "docs" / "reviews")))
