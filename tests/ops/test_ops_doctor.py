"""The doctor's verdicts over fabricated machines: every tier, every unsupported GPU
family, and each missing piece of the stack."""

from __future__ import annotations

import dataclasses

import pytest

from dotsocr.ops.doctor import Check, diagnose, server_checks, weights_checks
from dotsocr.ops.hardware import (
    GpuFacts,
    classify,
    parse_version,
    recommend,
    reference_row,
)
from dotsocr.ops.machine import parse_nvidia_smi, probe_weights
from dotsocr.ops.server_probe import ServerFacts
from support.ops import GOOD_MACHINE, NO_GPU_MACHINE, machine_with, make_weights


def by_name(checks: list[Check], name: str) -> Check:
    found = [c for c in checks if c.name == name]
    assert found, f"no check named {name!r} in {[c.name for c in checks]}"
    return found[0]


RTX_3060 = GpuFacts("NVIDIA GeForce RTX 3060", "nvidia", 12288, (8, 6))
RTX_3050 = GpuFacts("NVIDIA GeForce RTX 3050", "nvidia", 8192, (8, 6))
RTX_4090 = GpuFacts("NVIDIA GeForce RTX 4090", "nvidia", 24564, (8, 9))
A100_40 = GpuFacts("NVIDIA A100-PCIE-40GB", "nvidia", 40960, (8, 0))
H100 = GpuFacts("NVIDIA H100 80GB HBM3", "nvidia", 81559, (9, 0))
T4 = GpuFacts("Tesla T4", "nvidia", 15360, (7, 5))
V100 = GpuFacts("Tesla V100-SXM2-16GB", "nvidia", 16384, (7, 0))
RTX_4070_TI = GpuFacts("NVIDIA GeForce RTX 4070 Ti", "nvidia", 12282, (8, 9))
GTX_1080 = GpuFacts("NVIDIA GeForce GTX 1080", "nvidia", 8192, (6, 1))
AMD = GpuFacts("AMD Radeon RX 7900 XTX", "amd", 24576)
ARC = GpuFacts("Intel Arc A770", "intel", 16384)


# -- tiers and sizing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("gpu", "gpu_list", "status", "utilization", "concurrency", "row", "pps"),
    [
        (RTX_3060, "limited", "warn", 0.85, 16, "RTX 3060", (0.5, 1.0)),
        (RTX_3050, "limited", "warn", 0.85, 8, "RTX 3060", (0.25, 0.5)),
        (RTX_4070_TI, "good", "ok", 0.85, 16, "RTX 4070 Ti", (2.0, 3.0)),
        (RTX_4090, "good", "ok", 0.9, 64, "RTX 4090", (4.0, 5.0)),
        (A100_40, "good", "ok", 0.9, 128, "A100 40GB", (6.0, 8.0)),
        (H100, "good", "ok", 0.9, 128, "A100 40GB", (6.0, 8.0)),
        (T4, "good", "ok", 0.9, 32, "RTX 4070 Ti", (2.0, 3.0)),
        (V100, "good", "ok", 0.9, 32, "RTX 4090", (4.0, 5.0)),
    ],
)
def test_each_tier_gets_its_list_and_sizing(
    gpu, gpu_list, status, utilization, concurrency, row, pps
):
    report = diagnose(machine_with(gpu))
    assert classify(gpu).gpu_list == gpu_list
    assert by_name(report.checks, "GPU").status == status
    assert report.path == "gpu" and report.ready, report.verdict
    assert gpu.name in report.verdict and "dotsocr serve" in report.verdict
    rec = report.recommendation
    assert rec.gpu_memory_utilization == utilization
    assert rec.max_model_len == 16384
    assert rec.concurrency == concurrency
    assert rec.reference == row and rec.pages_per_second == pps
    assert by_name(report.checks, "compute capability").status == "ok"


def test_exact_reference_rows_are_told_apart_from_nearest_ones():
    assert reference_row(RTX_4090) == (reference_row(RTX_4090)[0], True)
    assert reference_row(A100_40)[1] is True
    assert reference_row(T4)[1] is False and reference_row(H100)[1] is False


def test_a_t4_reporting_15_gib_counts_as_16_gb():
    report = diagnose(machine_with(T4))
    assert "comfortable" in by_name(report.checks, "VRAM").detail


@pytest.mark.parametrize(
    ("gpu", "words"),
    [
        (GTX_1080, "compute capability 6.1"),
        (AMD, "AMD"),
        (ARC, "Intel"),
    ],
)
def test_unsupported_gpus_leave_the_cpu_engine(gpu, words):
    report = diagnose(machine_with(gpu))
    assert report.path == "cpu"
    assert report.ready  # the CPU engine is the chosen path and it works
    assert report.verdict.startswith("CPU engine only")
    failing = [c for c in report.checks if c.status == "fail" and c.section == "gpu"]
    assert failing and words in failing[0].detail
    assert failing[0].advice and "CPU engine" in failing[0].advice


def test_gtx_10xx_is_unsupported_by_name_even_without_compute_capability():
    verdict = classify(GpuFacts("NVIDIA GeForce GTX 1070", "nvidia", 8192, None))
    assert verdict.gpu_list == "unsupported" and not verdict.usable


def test_less_than_6_gb_of_vram_is_not_usable():
    small = GpuFacts("NVIDIA GeForce GTX 1650", "nvidia", 4096, (7, 5))
    report = diagnose(machine_with(small))
    assert report.path == "cpu"
    assert "below the 6 GB minimum" in by_name(report.checks, "GPU").detail


def test_6_gb_is_the_minimum_and_gets_small_settings():
    gpu = GpuFacts("NVIDIA GeForce RTX 2060", "nvidia", 6144, (7, 5))
    report = diagnose(machine_with(gpu))
    assert report.ready and report.path == "gpu"
    assert by_name(report.checks, "VRAM").status == "warn"
    assert by_name(report.checks, "GPU").status == "warn"  # unlisted
    rec = report.recommendation
    assert (rec.gpu_memory_utilization, rec.max_model_len, rec.concurrency) == (0.95, 8192, 4)


def test_several_gpus_suggest_data_parallel():
    rec = recommend([RTX_4090, RTX_4090])
    assert rec.gpus == 2 and any("--data-parallel-size 2" in n for n in rec.notes)


# -- the software stack -------------------------------------------------------------


def test_missing_flash_attention_fails_the_gpu_path():
    report = diagnose(machine_with(flash_attn_version=None))
    check = by_name(report.checks, "FlashAttention 2")
    assert check.status == "fail" and "74 GiB" in check.detail
    assert check.advice == "pip install flash-attn --no-build-isolation"
    assert not report.ready and "FlashAttention" in report.verdict
    assert "--engine cpu" in report.verdict


def test_old_vllm_is_a_warning_with_the_upgrade():
    report = diagnose(machine_with(vllm_version="0.9.1"))
    check = by_name(report.checks, "vLLM")
    assert check.status == "warn" and "older than 0.11" in check.detail
    assert "vllm>=0.11" in (check.advice or "")
    assert report.ready


def test_missing_vllm_fails_the_gpu_path():
    report = diagnose(machine_with(vllm_version=None))
    assert by_name(report.checks, "vLLM").status == "fail" and not report.ready


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"torch_version": None, "torch_cuda": None}, "not installed"),
        ({"torch_version": "2.8.0", "torch_cuda": None}, "CPU-only build"),
        ({"torch_cuda_available": False}, "cannot use the GPU"),
    ],
)
def test_pytorch_without_cuda_fails(changes, words):
    report = diagnose(machine_with(**changes))
    check = by_name(report.checks, "PyTorch")
    assert check.status == "fail" and words in check.detail and not report.ready


def test_old_driver_fails():
    report = diagnose(machine_with(cuda_version="11.4", driver_version="470.82"))
    check = by_name(report.checks, "driver / CUDA")
    assert check.status == "fail" and "11.4" in check.detail and "update" in (check.advice or "")
    assert not report.ready


def test_nvidia_card_without_a_driver_is_cpu_only():
    facts = dataclasses.replace(NO_GPU_MACHINE, nvidia_device_without_driver=True)
    report = diagnose(facts)
    check = by_name(report.checks, "NVIDIA GPU")
    assert check.status == "fail" and "no driver" in check.detail
    assert report.path == "cpu" and "no working driver" in report.verdict


def test_no_gpu_machine_gets_a_cpu_engine_only_verdict_and_guide_defaults():
    report = diagnose(NO_GPU_MACHINE)
    assert report.path == "cpu" and report.ready
    assert report.verdict.startswith("CPU engine only: no NVIDIA GPU")
    software = [c for c in report.checks if c.section == "software"]
    assert software and all(c.status == "info" for c in software)
    rec = report.recommendation
    assert (rec.gpu_memory_utilization, rec.max_model_len, rec.pages_per_second) == (
        0.9,
        16384,
        None,
    )


def test_cpu_engine_that_cannot_load_is_not_ready():
    facts = dataclasses.replace(NO_GPU_MACHINE, cpu_engine_error="OSError: model missing")
    report = diagnose(facts)
    assert not report.ready and "not usable" in report.verdict


@pytest.mark.parametrize(("ram_gb", "status"), [(8, "fail"), (16, "warn"), (64, "ok")])
def test_ram_thresholds(ram_gb, status):
    report = diagnose(machine_with(ram_mb=int(ram_gb * 1024 * 0.97)))
    assert by_name(report.checks, "RAM").status == status
    assert report.ready is (status != "fail")


def test_low_ram_does_not_block_the_cpu_engine():
    report = diagnose(dataclasses.replace(NO_GPU_MACHINE, ram_mb=8 * 1024))
    assert by_name(report.checks, "RAM").status == "fail" and report.ready


def test_spinning_disk_and_little_space_are_warnings():
    report = diagnose(machine_with(storage="hdd", disk_free_mb=3 * 1024))
    assert by_name(report.checks, "storage").status == "warn"
    assert by_name(report.checks, "disk").status == "warn"
    assert report.ready


# -- weights folder -----------------------------------------------------------------


def test_a_complete_weights_folder_passes(tmp_path):
    checks = weights_checks(probe_weights(make_weights(tmp_path, shards=2)), "0.11.0")
    assert all(c.status == "ok" for c in checks), checks
    assert "2 shard(s)" in by_name(checks, "safetensors").detail


@pytest.mark.parametrize(
    ("kwargs", "name", "words"),
    [
        ({"config": False}, "config.json", "missing"),
        ({"shards": 0}, "safetensors", "no *.safetensors"),
        ({"tokenizer": False}, "tokenizer", "no tokenizer files"),
    ],
)
def test_weights_folder_problems(tmp_path, kwargs, name, words):
    folder = make_weights(tmp_path, **kwargs)
    report = diagnose(machine_with(weights=probe_weights(folder)))
    check = by_name(report.checks, name)
    assert check.status == "fail" and words in check.detail
    assert "huggingface-cli download" in (check.advice or "")
    assert not report.ready


def test_a_folder_name_with_dots_fails_for_old_loaders_and_warns_for_new(tmp_path):
    facts = probe_weights(make_weights(tmp_path, "dots.ocr"))
    old = by_name(weights_checks(facts, "0.9.1"), "folder name")
    new = by_name(weights_checks(facts, "0.11.0"), "folder name")
    assert old.status == "fail" and "DotsOCR" in (old.advice or "")
    assert new.status == "warn" and not new.gates


def test_missing_shards_from_the_index_and_a_missing_folder(tmp_path):
    folder = make_weights(tmp_path, shards=1)
    (folder / "model.safetensors.index.json").write_text(
        '{"weight_map": {"a": "model-00001-of-00001.safetensors", "b": "model-2.safetensors"}}'
    )
    check = by_name(weights_checks(probe_weights(folder), "0.11.0"), "safetensors")
    assert check.status == "fail" and "model-2.safetensors" in check.detail
    gone = weights_checks(probe_weights(tmp_path / "absent"), None)
    assert len(gone) == 1 and gone[0].status == "fail" and "does not exist" in gone[0].detail


# -- server -------------------------------------------------------------------------


def test_server_path_depends_only_on_the_server():
    down = ServerFacts("127.0.0.1:9", False, error="127.0.0.1:9 could not be reached")
    report = diagnose(dataclasses.replace(NO_GPU_MACHINE, server=down))
    assert report.path == "server" and not report.ready
    assert "could not be reached" in report.verdict
    assert "dotsocr serve" in (by_name(report.checks, "reachable").advice or "")
    up = ServerFacts("gpu1:8000", True, ("dotsocr",), "dotsocr", True, 0.2)
    report = diagnose(dataclasses.replace(NO_GPU_MACHINE, server=up))
    assert report.ready and "model dotsocr" in report.verdict
    assert [c.status for c in server_checks(up)] == ["ok", "ok", "ok"]


def test_a_failed_smoke_request_fails_the_server_path():
    facts = ServerFacts("gpu1:8000", True, ("dotsocr",), "dotsocr", False, error="HTTP 500")
    checks = server_checks(facts)
    assert by_name(checks, "smoke request").status == "fail"


# -- probe parsing ------------------------------------------------------------------


def test_nvidia_smi_output_is_parsed():
    csv_text = "NVIDIA GeForce RTX 3060, 12288, 535.104.05, 8.6\nTesla T4, 15360, 535.104.05, 7.5\n"
    header = "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |"
    gpus, driver, cuda = parse_nvidia_smi(csv_text, header)
    assert [g.name for g in gpus] == ["NVIDIA GeForce RTX 3060", "Tesla T4"]
    assert gpus[0].memory_mb == 12288 and gpus[1].compute_capability == (7, 5)
    assert (driver, cuda) == ("535.104.05", "12.2")


def test_versions_are_compared_numerically():
    assert parse_version("0.11.0rc1") == (0, 11, 0)
    assert parse_version("0.9.1") < (0, 11)
    assert parse_version("2.8.0+cu128") == (2, 8, 0)
    assert parse_version(None) is None


def test_good_machine_is_ready_and_as_dict_is_json_ready():
    import json

    report = diagnose(GOOD_MACHINE)
    data = json.loads(json.dumps(report.as_dict()))
    assert data["ready"] is True and data["path"] == "gpu"
    assert data["recommendation"]["concurrency"] == 64
    assert {c["status"] for c in data["checks"]} <= {"ok", "info"}
