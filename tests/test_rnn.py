"""Unit tests of lessons.rnn: the cells against PyTorch, the models' shapes and errors, the data."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lessons import seed_everything
from lessons.rnn import (
    TAUGHT_IN,
    CharLSTM,
    SequenceRegressor,
    adding_problem,
    fit_adding,
    load_corpus,
    lstm_cell,
    rnn_cell,
)


def test_taught_in_names_lesson_9():
    assert set(TAUGHT_IN) == {
        "rnn_cell",
        "lstm_cell",
        "adding_problem",
        "fit_adding",
        "SequenceRegressor",
        "CharLSTM",
    }
    assert set(TAUGHT_IN.values()) == {"09-recurrent-networks-lstm"}


def test_rnn_cell_unrolled_equals_nn_rnn():
    torch.manual_seed(0)
    rnn = nn.RNN(3, 5, batch_first=True)
    x = torch.randn(4, 7, 3)
    h = torch.zeros(4, 5)
    states = []
    for t in range(7):
        h = rnn_cell(x[:, t], h, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)
        states.append(h)
    assert torch.allclose(torch.stack(states, dim=1), rnn(x)[0], atol=1e-6)


def test_lstm_cell_unrolled_equals_nn_lstm():
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 5, batch_first=True)
    weights = (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
    x = torch.randn(4, 7, 3)
    h, c = torch.zeros(4, 5), torch.zeros(4, 5)
    outputs = []
    for t in range(7):
        h, c = lstm_cell(x[:, t], h, c, *weights)
        outputs.append(h)
    out, (h_n, c_n) = lstm(x)
    assert torch.allclose(torch.stack(outputs, dim=1), out, atol=1e-6)
    assert torch.allclose(c, c_n[0], atol=1e-6)


def test_adding_problem_data():
    x, y = adding_problem(500, T=20, generator=torch.Generator().manual_seed(0))
    assert x.shape == (500, 20, 2) and y.shape == (500, 1) and x.dtype == torch.float32
    markers = x[:, :, 1]
    assert markers.sum(dim=1).eq(2).all()
    assert markers[:, :10].sum(dim=1).eq(1).all()  # one marker in each half
    assert torch.allclose(y[:, 0], (x[:, :, 0] * markers).sum(dim=1))
    assert 0.0 <= x[:, :, 0].min() and x[:, :, 0].max() <= 1.0
    again, _ = adding_problem(500, T=20, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, again)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0, "T": 5}, "n must be an integer ≥ 1"),
        ({"n": 2, "T": 1}, "T must be an integer ≥ 2"),
        ({"n": 2.0, "T": 5}, "n must be an integer ≥ 1"),
    ],
)
def test_adding_problem_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        adding_problem(**kwargs)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_sequence_regressor_shapes(cell):
    model = SequenceRegressor(input_size=3, hidden_size=8, output_size=2, cell=cell)
    assert model(torch.randn(5, 11, 3)).shape == (5, 2)
    assert isinstance(model.recurrent, nn.RNN if cell == "rnn" else nn.LSTM)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_size": 0, "hidden_size": 8}, "input_size must be an integer ≥ 1"),
        ({"input_size": 2, "hidden_size": True}, "hidden_size must be an integer ≥ 1"),
        ({"input_size": 2, "hidden_size": 8, "output_size": 0}, "output_size must be"),
        ({"input_size": 2, "hidden_size": 8, "cell": "gru"}, "cell must be 'rnn' or 'lstm'"),
    ],
)
def test_sequence_regressor_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SequenceRegressor(**kwargs)


@pytest.mark.parametrize("shape", [(4, 10), (4, 10, 3), (10, 2, 1, 1)])
def test_sequence_regressor_bad_input(shape):
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, 2\)"):
        SequenceRegressor(2, 8)(torch.zeros(shape))


def test_char_lstm_shapes_state_and_errors():
    model = CharLSTM(vocab_size=20, hidden_size=16, embedding_size=8)
    idx = torch.randint(0, 20, (3, 9))
    logits, (h, c) = model(idx)
    assert logits.shape == (3, 9, 20) and h.shape == c.shape == (1, 3, 16)
    # reading in two pieces, passing the state along, equals reading at once
    first, state = model(idx[:, :4])
    second, _ = model(idx[:, 4:], state)
    assert torch.allclose(torch.cat([first, second], dim=1), logits, atol=1e-6)
    with pytest.raises(ValueError, match=r"idx must be a \(B, T\) tensor of int64"):
        model(idx.float())
    with pytest.raises(ValueError, match="vocab_size must be an integer ≥ 1"):
        CharLSTM(vocab_size=0)


def test_char_lstm_overfits_one_batch():
    seed_everything(0)
    model = CharLSTM(vocab_size=10, hidden_size=32, embedding_size=8)
    idx = torch.randint(0, 10, (4, 17))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        logits, _ = model(idx[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, 10), idx[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1


def test_corpus_ships_with_the_package():
    text = load_corpus()
    assert 800_000 < len(text) < 1_000_000 and text.isascii()
    assert len(set(text)) < 128 and text.count(" ") > len(text) / 10  # English prose


def test_fit_adding_bad_arguments():
    with pytest.raises(ValueError, match="steps must be an integer ≥ 1"):
        fit_adding(SequenceRegressor(2, 4), T=10, steps=0)
    with pytest.raises(ValueError, match="eval_every must be an integer ≥ 1"):
        fit_adding(SequenceRegressor(2, 4), T=10, steps=5, eval_every=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lstm_solves_the_adding_problem_and_the_rnn_does_not(seed):
    """Lesson 9's claim on three more seeds: T = 30, 32 units, 1,000 Adam steps (lr 1e-2).

    As on the page: on a test set read once after training, the LSTM's MSE is below a hundredth of
    the baseline's (always answering 1.0: 1/6), and the plain RNN's validation MSE never goes
    below 1/24, half the 1/12 of remembering only the second number; its test MSE is more than ten
    times the LSTM's. (On another machine, seed 0's plain RNN reached 0.119, and seed 5's here
    0.072: the margin is for those.)
    """
    seed_everything(seed)
    lstm = SequenceRegressor(2, 32, cell="lstm")
    fit_adding(lstm, T=30, steps=1000, seed=seed)
    seed_everything(seed)
    rnn = SequenceRegressor(2, 32, cell="rnn")
    rnn_curve = fit_adding(rnn, T=30, steps=1000, seed=seed)
    test_gen = torch.Generator().manual_seed(seed + 2**31)  # no seed's training stream
    x_test, y_test = adding_problem(2000, T=30, generator=test_gen)
    with torch.no_grad():
        lstm_mse = nn.functional.mse_loss(lstm(x_test), y_test).item()
        rnn_mse = nn.functional.mse_loss(rnn(x_test), y_test).item()
    assert lstm_mse < (1 / 6) / 100
    assert min(rnn_curve) > 1 / 24 and rnn_mse > max(1 / 24, 10 * lstm_mse)
