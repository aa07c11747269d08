"""The one judge every generator of digits is measured by (lessons.judge)."""

import math

import pytest
import torch

from lessons.data import load_digits_split
from lessons.judge import judge_generator, nearest_distance, train_judge


@pytest.fixture(scope="module")
def split():
    return load_digits_split()


@pytest.fixture(scope="module")
def judge(split):
    return train_judge(split, epochs=2, seed=0)


def test_real_digits_pass_and_noise_fails(judge, split):
    real = judge_generator(judge, split.X_test, split)
    noise = judge_generator(
        judge, torch.rand(360, 64, generator=torch.Generator().manual_seed(0)), split
    )
    assert real["confidence"] == real["real_confidence"] > 0.8
    assert real["class_entropy"] > 0.95 * math.log(10)
    assert noise["nearest_distance"] > 2 * real["real_nearest_distance"]


def test_copies_of_training_digits_sit_at_distance_zero(judge, split):
    copies = judge_generator(judge, split.X_train[:100], split)
    assert copies["nearest_distance"] == 0.0 < copies["real_nearest_distance"]


def test_nearest_distance_is_the_mean_of_each_images_closest_match():
    reference = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    images = torch.tensor([[0.0, 1.0], [3.0, 4.0], [6.0, 8.0]])
    assert nearest_distance(images, reference) == pytest.approx((1 + 0 + 5) / 3)


def test_train_judge_refuses_zero_epochs(split):
    with pytest.raises(ValueError, match="epochs must be"):
        train_judge(split, epochs=0)


def test_the_judge_depends_on_its_seed_alone_and_leaves_the_callers_random_numbers(split):
    torch.manual_seed(123)
    first = train_judge(split, epochs=1, seed=0)
    after_first = torch.rand(1)
    torch.manual_seed(456)
    second = train_judge(split, epochs=1, seed=0)
    torch.manual_seed(123)
    assert torch.equal(torch.rand(1), after_first), "the caller's generator was not touched"
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)
