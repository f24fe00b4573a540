"""The data unknown-fields reads (rules/application_delivery/kubernetes_fields.json)
and the kinds its module declares without reading it."""

from policypack.rules.application_delivery import unknown_fields


def test_declared_kinds_are_the_data_kinds() -> None:
    kinds = {kind for by_kind in unknown_fields._data()["kinds"].values() for kind in by_kind}
    assert kinds == unknown_fields.KINDS


def test_the_data_says_where_it_comes_from() -> None:
    source = unknown_fields.source()
    assert source["package"].startswith("kubernetes")
    assert source["kubernetes"].startswith("1.")


def test_every_walked_type_is_defined() -> None:
    types = unknown_fields._data()["types"]
    for roots in unknown_fields._data()["kinds"].values():
        assert all(root in types for root in roots.values())
    for fields in types.values():
        for walked in fields.values():
            assert not walked or walked.lstrip("[]{}") in types
