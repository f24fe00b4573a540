"""Which strings the pack reads as unrendered templates (policypack.values.is_template_text):
those are decided at deploy time and not judged as written."""

import pytest

from policypack.values import is_template_text


@pytest.mark.parametrize(
    "text",
    [
        "${PORT:-9002}",
        "$(TAG)",
        "{{ .Values.image }}",
        "ghcr.io/ietf-tools/datatracker:$APP_IMAGE_TAG",
        "@docker.image@",
        # Python's str.format blanks a deploy script fills (corpus36's GPSDD).
        "apihighways/{name}",
        "http://{name}.default.svc.cluster.local:3100",
        "{name}-staging",
    ],
)
def test_templates(text: str) -> None:
    assert is_template_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "nginx:1.27",
        '{"port": 8080}',
        "{a,b}",
        "{name}",  # nothing beside it: a word in braces, not a blank in a value
        "price {amount} due",
        "pa$sword",
        "user@example.com",
        "{Name}",  # format blanks are lower case
    ],
)
def test_not_templates(text: str) -> None:
    assert not is_template_text(text)
