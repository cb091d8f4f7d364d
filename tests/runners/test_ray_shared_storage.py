"""Multi-node clusters need shared storage: the check, with fabricated nodes and
mount tables (no Ray needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dotsocr.engines.cpu import CpuEngine
from dotsocr.options import ParseOptions
from dotsocr.runners.ray_runner import RayRunner, RunnerError
from dotsocr.runners.shared_storage import (
    SharedStorageError,
    check_shared_storage,
    mount_of,
    read_mounts,
)

MOUNTS = read_mounts(
    "/dev/sda1 / ext4 rw 0 0\n"
    "tmpfs /tmp tmpfs rw 0 0\n"
    "head:/export /mnt/shared nfs4 rw 0 0\n"
    "lustre@tcp:/fs /lustre lustre rw 0 0\n"
    "bucket /mnt/shared/bucket fuse.gcsfuse rw 0 0\n"
    "/dev/sdb1 /mnt/shared_local ext4 rw 0 0\n"
)


def nodes(alive: int, dead: int = 0) -> list[dict]:
    return [{"NodeID": f"n{i}", "Alive": True} for i in range(alive)] + [
        {"NodeID": f"d{i}", "Alive": False} for i in range(dead)
    ]


def test_one_node_accepts_local_paths():
    check_shared_storage(
        nodes(1, dead=3), [Path("/tmp/in.pdf"), Path("/home/u/out")], mounts=MOUNTS
    )


def test_several_nodes_refuse_local_paths_with_a_clear_message():
    with pytest.raises(SharedStorageError) as caught:
        check_shared_storage(
            nodes(3), [Path("/mnt/shared/in/a.pdf"), Path("/tmp/out")], mounts=MOUNTS
        )
    message = str(caught.value)
    assert "3 nodes" in message and "shared storage" in message
    assert "/tmp/out is on /tmp (tmpfs)" in message
    assert "/mnt/shared/in" not in message  # the shared one is not blamed
    assert "--ray-address local" in message


def test_several_nodes_accept_shared_file_systems():
    paths = [Path("/mnt/shared/in/a.pdf"), Path("/lustre/out"), Path("/mnt/shared/bucket/x")]
    check_shared_storage(nodes(2), paths, mounts=MOUNTS)


def test_mount_is_the_longest_prefix_on_a_path_boundary():
    assert mount_of(Path("/mnt/shared_local/x"), MOUNTS).fs_type == "ext4"
    assert mount_of(Path("/mnt/shared/bucket/y"), MOUNTS).fs_type == "fuse.gcsfuse"
    assert mount_of(Path("/mnt/shared"), MOUNTS).fs_type == "nfs4"
    with pytest.raises(SharedStorageError):
        check_shared_storage(nodes(2), [Path("/mnt/shared_local/in")], mounts=MOUNTS)


def test_ray_runner_refuses_the_cpu_engine(tmp_path):
    with pytest.raises(RunnerError, match="--engine dots"):
        RayRunner(CpuEngine(), ParseOptions(), output_dir=tmp_path)
