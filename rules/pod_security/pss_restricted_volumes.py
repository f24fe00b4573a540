"""Pods use only the volume types the Restricted level allows (PSS Restricted).

Fires on every entry of `spec.volumes` whose source is not one of `configMap`,
`csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`,
`projected` and `secret`: hostPath, and the in-tree network and cloud disks (nfs,
iscsi, rbd, cephfs, glusterfs, gitRepo, awsElasticBlockStore, gcePersistentDisk,
azureDisk, azureFile, cinder, fc, flexVolume, flocker, portworxVolume, quobyte,
scaleIO, storageos, vsphereVolume, photonPersistentDisk), as the
`restrictedVolumes` check of Kubernetes' Pod Security Admission does at every
version. A volume that names no source at all is an `emptyDir` (the API server
fills that in before admission), so it passes, as it does in Kubernetes; so does a
key that is no volume source (a mis-indented `claimName`: the API server drops it,
and `unknown-fields` reports it).

Why it matters:
    The allowed types are those whose storage is provisioned and governed by the
    cluster (through PersistentVolumes and CSI drivers, where an administrator
    decides what a claim may reach). The others let the pod spec itself name a
    node path, a server, a disk or a repository to mount, with the node's
    credentials and without any admission of the storage.

How to fix:
    Mount storage through a PersistentVolumeClaim (backed by a PersistentVolume
    or a StorageClass), or use an ephemeral or projected volume:

        volumes:
          - name: data
            persistentVolumeClaim:
              claimName: data

Notes:
    A storage provisioner (an image named `*provisioner*`: the NFS subdir
    provisioner) mounts the network share it carves volumes from, which no claim
    can give it; its message says where it belongs instead (Baseline allows
    network volumes), as an exemption to record.
    The Restricted level replaces the Baseline `hostPathVolumes` control by this
    one. When `pss-host-path-volumes` also reports a hostPath volume, this rule's
    finding is folded into that one (one root cause, one finding): it is listed
    under it, not on its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import repository_name
from policypack.model import IN_TREE_VOLUME_SOURCES, POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list

from . import _pss

ALLOWED_SOURCES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)


#: The volume sources Kubernetes' `restrictedVolumes` check refuses (every in-tree
#: source but the allowed ones). A key of neither list is no volume source at all (a
#: mis-indented `claimName` beside `persistentVolumeClaim:`): the API server drops it,
#: and `unknown-fields` reports it.
RESTRICTED_SOURCES = IN_TREE_VOLUME_SOURCES | {"gitRepo"}

#: What a storage provisioner is called (nfs-subdir-external-provisioner,
#: nfs-client-provisioner, cephfs-provisioner, ...).
PROVISIONER = "provisioner"


def _provisions_storage(obj: Resource) -> bool:
    """Whether a container of the pod is a storage provisioner: it mounts the share it
    carves volumes from, which no claim can give it (corpus35's and corpus37's NFS
    provisioners)."""
    for container in obj.containers():
        image = container.get("image")
        if isinstance(image, str) and PROVISIONER in repository_name(image).lower():
            return True
    return False


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    provisioner: bool | None = None  # looked at for the first volume it concerns
    for index, volume in enumerate(as_list(pod.get("volumes"))):
        if not isinstance(volume, Mapping):
            continue
        sources = sorted(key for key, value in volume.items() if key != "name" and value is not None)
        # No source at all: the API server defaults it to emptyDir. A source whose
        # settings are unknown at preview time is still that type of source.
        if any(key in ALLOWED_SOURCES for key in sources):
            continue
        sources = [key for key in sources if key in RESTRICTED_SOURCES]
        if not sources:
            continue  # no source, or only keys that are none (corpus40's mis-indented claimName)
        if provisioner is None:
            provisioner = _provisions_storage(obj)
        remedy = (
            ": a storage provisioner mounts the share it provisions from; run it in a namespace whose Pod "
            "Security level is baseline, apart from applications"
            if provisioner and sources[0] != "hostPath"
            else ""
        )
        yield Violation(
            pod.path + ("volumes", index, sources[0]),
            f"{_pss.volume_label(volume, index)} must not use the restricted volume type {sources[0]}{remedy}",
        )


RULE = Rule(
    name="pss-restricted-volumes",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    folds_into={"pss-host-path-volumes": "field", "no-container-runtime-socket": "field"},
    tags=("pss-restricted:restrictedVolumes",),
    profiles=("pss-restricted",),
)
