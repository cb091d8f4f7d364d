"""On a cluster of several nodes every worker opens inputs and writes outputs
itself, so both must be on storage all nodes see. A local-only path would make
workers on other nodes fail every page (or write where nobody looks): refuse it
before the run starts, with a message that says what to do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotsocr.errors import DotsOCRError

#: File systems that several machines can mount (network, cluster and bucket FUSE).
SHARED_FS_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "lustre",
        "gpfs",
        "beegfs",
        "ceph",
        "cephfs",
        "glusterfs",
        "fuse.glusterfs",
        "fuse.cephfs",
        "fuse.gcsfuse",
        "fuse.s3fs",
        "fuse.mountpoint-s3",
        "fuse.juicefs",
        "fuse.sshfs",
        "fuse.blobfuse",
        "fuse.blobfuse2",
        "fuse.goofys",
        "fuse.weka",
        "wekafs",
        "afs",
        "9p",
        "virtiofs",
    }
)


class SharedStorageError(DotsOCRError):
    """Inputs or outputs are on storage only this machine sees."""


@dataclass(frozen=True)
class Mount:
    point: str
    fs_type: str


def read_mounts(text: str | None = None) -> list[Mount]:
    """Mount points from /proc/mounts (or the given text of it)."""
    if text is None:
        try:
            text = Path("/proc/mounts").read_text(encoding="utf-8")
        except OSError:
            return []
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            point = fields[1].replace("\\040", " ")
            mounts.append(Mount(point, fields[2]))
    return mounts


def mount_of(path: Path, mounts: Sequence[Mount]) -> Mount | None:
    """The mount holding ``path``: the longest mount point that is a prefix of it."""
    text = str(path)
    best: Mount | None = None
    for mount in mounts:
        point = mount.point.rstrip("/") or "/"
        inside = text == point or text.startswith(point + "/") or point == "/"
        if inside and (best is None or len(point) > len(best.point.rstrip("/") or "/")):
            best = mount
    return best


def alive_nodes(nodes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nodes of ``ray.nodes()`` that are alive."""
    return [n for n in nodes if n.get("Alive", n.get("alive", False))]


def check_shared_storage(
    nodes: Iterable[dict[str, Any]],
    paths: Iterable[Path],
    *,
    mounts: Sequence[Mount] | None = None,
) -> None:
    """Raise SharedStorageError when the cluster has more than one live node and a
    path is not on a shared file system. One node: anything goes."""
    count = len(alive_nodes(nodes))
    if count <= 1:
        return
    mounts = read_mounts() if mounts is None else mounts
    local = []
    for path in paths:
        resolved = Path(path).resolve()
        mount = mount_of(resolved, mounts)
        fs_type = mount.fs_type if mount is not None else "unknown"
        if fs_type not in SHARED_FS_TYPES:
            where = f"{mount.point} ({fs_type})" if mount is not None else "an unknown file system"
            local.append(f"{resolved} is on {where}")
    if local:
        raise SharedStorageError(
            f"the Ray cluster has {count} nodes, and every node's workers open the inputs "
            "and write the outputs themselves, so both must be on shared storage (NFS, "
            "Lustre, CephFS, a FUSE-mounted bucket, ...) mounted at the same path on every "
            "node; local to this machine: "
            + "; ".join(local)
            + ". Move them to shared storage, or run on one node (--ray-address local)."
        )
