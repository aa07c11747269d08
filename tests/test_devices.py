"""Every model of the command line on each accelerator this machine has (CUDA GPUs, Apple's MPS).

On a machine without one the accelerator tests have no parameters, and pytest lists them as
skipped ("got empty parameter set"): CI has no GPU. The results page's table of other machines
and devices says where they last ran.
"""

from __future__ import annotations

import math

import pytest
import torch

from lessons import pick_device
from lessons.bench import registry
from lessons.bench.cli import device_name, environment, train_once
from lessons.runtime import available_devices

ACCELERATORS = [d for d in available_devices() if d in ("cuda", "mps")]
ON_CPU_ONLY = ("ddp", "reinforce")  # their configs refuse any other device
SPECS = [spec for spec in registry.MODELS if spec.name not in ON_CPU_ONLY]


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_a_short_run_of_every_model_on_each_accelerator(spec, device):
    config = spec.config(device=device, **spec.quick)
    metrics, seconds = train_once(spec, config, progress=False)
    assert math.isfinite(metrics[spec.metric]) and seconds > 0


@pytest.mark.parametrize("device", ACCELERATORS)
def test_pick_device_prefers_an_accelerator_and_the_environment_names_it(device):
    assert pick_device().type == device
    assert pick_device(device).type == device
    env = environment(device)
    assert env["device"] == device
    if device == "cuda":
        assert env["device_name"] == torch.cuda.get_device_name(0) != ""


@pytest.mark.parametrize("name", ON_CPU_ONLY)
def test_a_cpu_only_model_refuses_any_other_device(name):
    with pytest.raises(ValueError, match='device must be "cpu"'):
        registry.find(name).config(device="cuda")


def test_a_cpu_has_no_device_name():
    assert device_name("cpu") is None
    assert environment("cpu")["device_name"] is None
