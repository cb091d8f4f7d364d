"""`dotsocr serve`'s planning on fabricated machines: no GPU, vLLM or port needed.

plan_launch is pure, so each test builds the HostFacts of the machine it is about
(support.ops.GOOD_HOST with facts replaced) and checks the command, environment,
port, sizing and messages the plan holds.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from dotsocr.ops.hardware import GpuFacts
from dotsocr.ops.machine import WeightsFacts
from dotsocr.ops.serve_plan import CPU_API_SERVER_MODULE, PlanError, ServeFlags, plan_launch
from support.ops import GOOD_HOST, flag, host_with

WEIGHTS = Path("/models/DotsOCR")


def flags(**changes: object) -> ServeFlags:
    return ServeFlags(weights=WEIGHTS, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("gpu", "utilization", "max_len", "concurrency"),
    [
        (GpuFacts("NVIDIA GeForce RTX 3060", "nvidia", 12288, (8, 6)), 0.85, 16384, 16),
        (GpuFacts("NVIDIA GeForce RTX 2060", "nvidia", 6144, (7, 5)), 0.95, 8192, 4),
        (GpuFacts("NVIDIA H100 80GB HBM3", "nvidia", 81559, (9, 0)), 0.9, 16384, 128),
    ],
)
def test_the_gpu_sizes_the_server(gpu, utilization, max_len, concurrency):
    plan = plan_launch(flags(), host_with(gpus=(gpu,)))
    assert float(flag(plan.command, "--gpu-memory-utilization")) == utilization
    assert int(flag(plan.command, "--max-model-len")) == max_len
    assert plan.concurrency == concurrency
    assert plan.notices == (
        f"gpu-memory-utilization {utilization:g}, max-model-len {max_len}: "
        f"sized for {gpu.name} ({gpu.memory_mb / 1024:.0f} GiB)",
    )
    assert plan.command[:3] == ["/opt/vllm/bin/vllm", "serve", str(WEIGHTS)]
    assert plan.env == {} and plan.environment({"PATH": "/bin"}) is None
    assert plan.missing is None and plan.warnings == ()


def test_without_a_gpu_the_guides_defaults_and_given_values_are_said():
    plan = plan_launch(flags(), host_with(gpus=()))
    assert plan.notices[-1].endswith("no GPU visible here: the guide's defaults")
    assert flag(plan.command, "--gpu-memory-utilization") == "0.9"
    given = plan_launch(flags(gpu_memory_utilization=0.7, max_model_len=9000), GOOD_HOST)
    assert given.notices == ("gpu-memory-utilization 0.7, max-model-len 9000: given",)


def test_a_busy_port_moves_the_server_and_everything_that_names_it():
    plan = plan_launch(flags(port=8000), host_with(free_port=8003))
    assert plan.notices[0] == "port 8000 is busy; using 8003 instead"
    assert plan.port == 8003 and flag(plan.command, "--port") == "8003"
    assert plan.base_url == "http://127.0.0.1:8003"
    assert plan.log_path == Path("/work/vllm-serve-8003.log")


def test_no_free_port_is_an_error():
    with pytest.raises(PlanError, match="ports 8000-8099 are all busy") as caught:
        plan_launch(flags(), host_with(free_port=None))
    assert caught.value.exit_code == 1


@pytest.mark.parametrize(
    ("host", "url", "flagged"),
    [
        (None, "http://127.0.0.1:8000", False),
        ("0.0.0.0", "http://127.0.0.1:8000", True),
        ("10.1.2.3", "http://10.1.2.3:8000", True),
    ],
)
def test_clients_reach_the_interface_it_listens_on(host, url, flagged):
    plan = plan_launch(flags(host=host), GOOD_HOST)
    assert plan.base_url == url
    assert ("--host" in plan.command) is flagged


def test_gpu_flags_are_a_usage_error_on_the_cpu():
    with pytest.raises(PlanError, match="are GPU options") as caught:
        plan_launch(flags(device="cpu", data_parallel_size=2), GOOD_HOST)
    assert caught.value.exit_code == 2


def test_broken_weights_refuse_unless_it_is_a_dry_run():
    missing = host_with(weights=WeightsFacts("/nowhere", exists=False))
    with pytest.raises(PlanError, match="weights: folder: /nowhere does not exist"):
        plan_launch(flags(), missing)
    plan = plan_launch(flags(dry_run=True), missing)
    assert len(plan.warnings) == 1 and "does not exist" in plan.warnings[0]
    assert plan.command  # the dry run still shows what it would start


def test_weights_are_checked_before_the_flags():
    """As before the split: a real start with bad weights and GPU flags on the CPU
    fails on the weights (exit 1), not on the flags."""
    missing = host_with(weights=WeightsFacts("/nowhere", exists=False), free_port=None)
    with pytest.raises(PlanError, match="does not exist") as caught:
        plan_launch(flags(device="cpu", gpu_memory_utilization=0.5), missing)
    assert caught.value.exit_code == 1


def test_a_missing_vllm_still_plans_but_says_why_it_cannot_start():
    gpu = plan_launch(flags(), host_with(vllm_executable=None))
    assert gpu.command[:2] == ["vllm", "serve"]
    assert gpu.missing is not None and "pip install 'vllm>=0.11'" in gpu.missing
    cpu = plan_launch(flags(device="cpu"), host_with(vllm_python=None))
    assert cpu.command[:4] == ["python3", "-m", CPU_API_SERVER_MODULE, "--model"]
    assert cpu.missing is not None and "--vllm-python" in cpu.missing


def test_vllm_command_wins_over_what_was_found_and_bad_quoting_is_a_usage_error():
    plan = plan_launch(flags(vllm_command="'/my vllm/bin/vllm' --flag"), GOOD_HOST)
    assert plan.command[:3] == ["/my vllm/bin/vllm", "--flag", "serve"]
    cpu = plan_launch(flags(device="cpu", vllm_command="/v/vllm"), GOOD_HOST)
    assert cpu.command[:3] == ["/v/vllm", "serve", str(WEIGHTS)]
    with pytest.raises(PlanError, match="--vllm-command") as caught:
        plan_launch(flags(vllm_command="'unclosed"), GOOD_HOST)
    assert caught.value.exit_code == 2


def test_the_cpu_plan_takes_the_cpus_dtype_threads_and_kv_cache():
    plan = plan_launch(
        flags(device="cpu", threads=3, kv_cache_gib=2, extra=("--max-num-seqs", "2")),
        host_with(cpu_bf16=True, gpus=()),
    )
    assert plan.command[:5] == [
        "/opt/vllm/bin/python", "-m", CPU_API_SERVER_MODULE, "--model", str(WEIGHTS)
    ]  # fmt: skip
    assert flag(plan.command, "--dtype") == "bfloat16" and "--enforce-eager" in plan.command
    assert plan.command[-2:] == ["--max-num-seqs", "2"]
    assert "--gpu-memory-utilization" not in plan.command
    assert plan.env == {
        "VLLM_CPU_KVCACHE_SPACE": "2",
        "OMP_NUM_THREADS": "3",
        "VLLM_CPU_OMP_THREADS_BIND": "0-2",
    }
    assert plan.environment({"PATH": "/bin"}) == {"PATH": "/bin", **plan.env}
    assert plan.notices == (
        "CPU backend: dtype bfloat16 (this CPU's best), max-model-len 16384, "
        "VLLM_CPU_KVCACHE_SPACE=2 OMP_NUM_THREADS=3 VLLM_CPU_OMP_THREADS_BIND=0-2",
    )
    assert plan.concurrency == 64  # the guide's default: there is no GPU to size for
    words = shlex.split(plan.shell_line())
    assert words[:3] == [f"{k}={v}" for k, v in plan.env.items()]
    assert words[3:] == plan.command
    given = plan_launch(flags(device="cpu", dtype="float32"), host_with(cpu_bf16=True))
    assert flag(given.command, "--dtype") == "float32"
    assert given.notices[0].startswith("CPU backend: dtype float32, ")


def test_a_log_file_given_is_used():
    plan = plan_launch(flags(log_file=Path("/var/log/v.log")), GOOD_HOST)
    assert plan.log_path == Path("/var/log/v.log")
