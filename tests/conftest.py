"""Shared pieces of the unit tests."""

import pytest
import torch
import torch.nn.functional as F


@pytest.fixture
def fit_one_batch():
    """Train ``model`` with Adam on one batch of logits targets; return the final loss."""

    def fit(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> float:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(steps):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return loss.item()

    return fit
