"""Every model the command line can train at its full budget, with what it is judged on.

One ``ModelSpec`` per model: its name on the command line, the lesson that teaches it, the data, the
headline metric and the goal it must reach, the seeds the benchmark averages over, and the config
class and run function that train it. Adding a model is adding one entry to ``MODELS``; a capsule
network, for instance, would be::

    ModelSpec(
        name="capsnet",
        lesson="13-capsule-networks",
        title=Text("Capsule network", "胶囊网络"),
        data=DIGITS,
        metric="test_accuracy",
        metric_label=ACCURACY,
        goal=Goal(">=", 0.995, seconds=30),
        seeds=(0, 1, 2),
        config=CapsNetConfig,
        run=run_capsnet,
        reference=Text("Sabour et al. (2017): 0.25 % test error on MNIST …", "……"),
    )

>>> [spec.name for spec in MODELS][:3]
['softmax', 'mlp', 'cnn']
>>> spec = find("cnn")
>>> spec.goal.met([0.994, 0.996]), spec.format(0.99444)
(True, '99.44 %')
>>> try:
...     find("resnet")
... except KeyError as error:
...     print(str(error)[:60])
"unknown model 'resnet'; accepted: softmax, mlp, cnn, autoen
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lessons.bench.attention import (
    CharGPTConfig,
    TransformerConfig,
    run_char_gpt,
    run_transformer,
)
from lessons.bench.autoencoder import AutoencoderConfig, run_autoencoder
from lessons.bench.capsules import CapsNetConfig, run_capsnet
from lessons.bench.classifiers import (
    CNNConfig,
    MLPConfig,
    SoftmaxConfig,
    run_cnn,
    run_mlp,
    run_softmax,
)
from lessons.bench.diffusion import DiffusionConfig, run_diffusion
from lessons.bench.distributed import DDPConfig, run_ddp
from lessons.bench.gan import DCGANConfig, GANConfig, run_dcgan, run_gan
from lessons.bench.overlap import OverlapConfig, run_overlap
from lessons.bench.rl import ReinforceConfig, run_dqn, run_reinforce
from lessons.bench.rnn import AddingConfig, CharConfig, run_adding, run_char
from lessons.bench.vae import VAEConfig, run_vae
from lessons.rl import DQNConfig

_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@dataclass(frozen=True)
class Text:
    """A short text in both of the site's languages."""

    en: str
    """English."""
    zh: str
    """Chinese."""

    def __call__(self, language: str) -> str:
        """The text in ``language``: ``"en"`` or ``"zh"``."""
        return self.zh if language == "zh" else self.en


@dataclass(frozen=True)
class Goal:
    """What a model must reach at its full budget: ``metric op value``.

    By default the mean over the bench seeds must meet it; with ``every_seed`` each seed must.
    ``seconds``, if given, bounds the wall time of one run (checked by the benchmark, not by tests:
    timings on shared machines are noisy).
    """

    op: str
    """The comparison: ">=", "<=", ">" or "<"."""
    value: float
    """The threshold, in the metric's own unit (a fraction for accuracies)."""
    every_seed: bool = False
    """Whether every seed must meet it (else the mean over seeds must)."""
    seconds: float | None = None
    """The most seconds one run may take on two CPU cores, or None for no bound."""

    def __post_init__(self) -> None:
        if self.op not in _COMPARE:
            raise ValueError(f"op must be one of {', '.join(_COMPARE)}, got {self.op!r}")

    def met(self, values: Sequence[float]) -> bool:
        """Whether the per-seed ``values`` meet the goal (on their mean or on each, as set)."""
        if not values:
            return False
        compare = _COMPARE[self.op]
        if self.every_seed:
            return all(compare(v, self.value) for v in values)
        return compare(sum(values) / len(values), self.value)

    def fast_enough(self, seconds: Sequence[float]) -> bool | None:
        """Whether every run took at most ``self.seconds`` (None where there is no bound)."""
        if self.seconds is None:
            return None
        return max(seconds) <= self.seconds


@dataclass(frozen=True)
class Metric:
    """How a headline metric is named and printed."""

    label: Text
    """Its name, e.g. "test accuracy"."""
    percent: bool = False
    """Print the value as a percentage (for fractions such as accuracy)."""
    digits: int = 4
    """Digits after the decimal point (after scaling to percent)."""

    def format(self, value: float) -> str:
        """The value as the results page shows it."""
        if self.percent:
            return f"{100 * value:.{self.digits}f} %"
        return f"{value:.{self.digits}f}"


@dataclass(frozen=True)
class ModelSpec:
    """One model the command line trains at its full budget, and what it is judged on."""

    name: str
    """Its name on the command line: ``python -m lessons run NAME``."""
    lesson: str
    """The slug of the lesson that teaches it, e.g. "08-convolutional-networks"."""
    title: Text
    """What it is, for people: "Convolutional network"."""
    data: Text
    """The data it trains and is tested on."""
    metric: str
    """The key of the headline metric in the dict the run function returns."""
    metric_label: Metric
    """How that metric is named and printed."""
    goal: Goal
    """The full-budget target."""
    seeds: tuple[int, ...]
    """The seeds the benchmark runs and averages over."""
    config: type
    """The config dataclass; its defaults are the full budget."""
    run: Callable[..., dict[str, float]]
    """``run(config, progress=False) -> dict`` trains and returns the metrics."""
    quick: dict[str, Any]
    """Config overrides for a seconds-long smoke run (tests, ``bench --quick``)."""
    reference: Text | None = None
    """A published result on other data that helps the reader place ours, with its source."""
    also: tuple[tuple[str, Text, Goal], ...] = ()
    """Further goals on other returned metrics, as (key, label, goal); all must be met too."""

    def format(self, value: float) -> str:
        """The headline value as the results page shows it."""
        return self.metric_label.format(value)


DIGITS = Text(
    "scikit-learn digits (8×8), 1,437 train / 360 test",
    "scikit-learn 手写数字（8×8），训练 1,437 张、测试 360 张",
)
JUDGE = Text("judge confidence (1,000 samples)", "裁判的平均置信度（1,000 个样本）")
ENTROPY = Text("class entropy", "类别熵")
CARTPOLE = Text(
    "gymnasium CartPole-v1; solved = 100 greedy episodes average ≥ 475 (Gym's standard)",
    "gymnasium 的 CartPole-v1；100 个贪心回合平均回报 ≥ 475 即算解决（Gym 的标准）",
)
GREEDY_MEAN = Metric(
    Text("mean return, 100 fresh greedy episodes", "100 个新贪心回合的平均回报"), digits=1
)
ACCURACY = Metric(Text("test accuracy", "测试准确率"), percent=True, digits=2)


def run_data_parallel(config: DDPConfig, *, progress: bool = False) -> dict[str, float]:
    """``run_ddp`` plus ``accuracy_gap``: how far 2 processes end from 1."""
    metrics = run_ddp(config, progress=progress)
    gap = abs(metrics["test_accuracy_2proc"] - metrics["test_accuracy_1proc"])
    return {**metrics, "accuracy_gap": gap}


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="softmax",
        lesson="05-logistic-softmax-regression",
        title=Text("Softmax regression", "softmax 回归"),
        data=DIGITS,
        metric="test_accuracy",
        metric_label=ACCURACY,
        goal=Goal(">=", 0.972),
        seeds=(0, 1, 2),
        config=SoftmaxConfig,
        run=run_softmax,
        quick={"epochs": 2},
    ),
    ModelSpec(
        name="mlp",
        lesson="07-fully-connected-networks",
        title=Text("Fully connected network (MLP 512-512)", "全连接网络（MLP 512-512）"),
        data=DIGITS,
        metric="test_accuracy",
        metric_label=ACCURACY,
        goal=Goal(">=", 0.985),
        seeds=(0, 1, 2),
        config=MLPConfig,
        run=run_mlp,
        quick={"epochs": 1, "hidden": (32,)},
    ),
    ModelSpec(
        name="cnn",
        lesson="08-convolutional-networks",
        title=Text("Convolutional network", "卷积网络"),
        data=DIGITS,
        metric="test_accuracy",
        metric_label=ACCURACY,
        goal=Goal(">=", 0.993, seconds=10),
        seeds=(0, 1, 2, 3, 4),
        config=CNNConfig,
        run=run_cnn,
        quick={"epochs": 1, "channels": (4, 8), "hidden": 16},
        reference=Text(
            "LeCun et al. (1998), LeNet-5 on MNIST (28×28, 60,000 training digits): 0.95 % test "
            "error, 0.8 % with distortions. Not the same data: MNIST is larger and sharper.",
            "LeCun 等（1998），LeNet-5 在 MNIST（28×28，6 万张训练图）上：测试错误率 0.95 %，"
            "加形变增强后 0.8 %。数据不同：MNIST 更大，分辨率更高。",
        ),
    ),
    ModelSpec(
        name="autoencoder",
        lesson="10-autoencoders",
        title=Text("Autoencoder, 2-number code", "自编码器（2 维潜在编码）"),
        data=DIGITS,
        metric="test_mse",
        metric_label=Metric(Text("test MSE per pixel", "测试集逐像素 MSE")),
        goal=Goal("<=", 0.028),
        seeds=(0, 1, 2),
        config=AutoencoderConfig,
        run=run_autoencoder,
        quick={"epochs": 1, "hidden": (16,)},
    ),
    ModelSpec(
        name="vae",
        lesson="10-autoencoders",
        title=Text("Variational autoencoder, 2-number code", "变分自编码器（2 维潜在编码）"),
        data=DIGITS,
        metric="class_entropy",
        metric_label=Metric(ENTROPY, digits=3),
        goal=Goal(">=", 2.25),
        also=(("confidence", JUDGE, Goal(">=", 0.96)),),
        seeds=(0, 1, 2),
        config=VAEConfig,
        run=run_vae,
        quick={"epochs": 1, "judge_epochs": 1, "n_samples": 50, "hidden": (16,)},
    ),
    ModelSpec(
        name="lstm-adding",
        lesson="09-recurrent-networks-lstm",
        title=Text("LSTM, adding problem (T = 100)", "LSTM，加法问题（T = 100）"),
        data=Text(
            "adding problem, T = 100, fresh random sequences; 1,000 held out",
            "加法问题，T = 100，每步新生成随机序列；留出 1,000 条",
        ),
        metric="test_mse",
        metric_label=Metric(Text("held-out MSE", "留出集 MSE")),
        goal=Goal("<", 0.01, every_seed=True),
        seeds=(0, 1, 2),
        config=AddingConfig,
        run=run_adding,
        quick={"steps": 5, "eval_every": 5, "T": 10, "hidden_size": 8},
        reference=Text(
            "Hochreiter & Schmidhuber (1997), experiment 4: LSTM solved the adding problem at "
            "T = 100, where earlier recurrent networks failed. Not the same data: their variant "
            "draws values from [−1, 1] and counts a sequence right within an error of 0.04.",
            "Hochreiter 与 Schmidhuber（1997）实验 4：LSTM 解出了 T = 100 的加法问题，而此前的循环"
            "网络做不到。数据不同：他们的版本从 [−1, 1] 取值，误差在 0.04 以内算答对。",
        ),
    ),
    ModelSpec(
        name="char-lstm",
        lesson="09-recurrent-networks-lstm",
        title=Text("Character-level LSTM", "字符级 LSTM"),
        data=Text(
            "830 KB of Python's docstrings shipped with the package; every 10th block held out",
            "随包附带的 830 KB Python 文档字符串；每 10 个文本块留出 1 块",
        ),
        metric="test_bits_per_char",
        metric_label=Metric(Text("held-out bits per character", "留出文本每字符比特数"), digits=3),
        goal=Goal("<=", 2.0, seconds=60),
        seeds=(0, 1, 2),
        config=CharConfig,
        run=run_char,
        quick={"steps": 3, "hidden_size": 16, "length": 16, "batch_size": 4},
    ),
    ModelSpec(
        name="gan",
        lesson="11-generative-adversarial-networks",
        title=Text("GAN, fully connected", "生成对抗网络（全连接）"),
        data=DIGITS,
        metric="confidence",
        metric_label=Metric(JUDGE, digits=3),
        goal=Goal(">=", 0.95),
        also=(("class_entropy", ENTROPY, Goal(">=", 2.15)),),
        seeds=(0, 1, 2),
        config=GANConfig,
        run=run_gan,
        quick={"epochs": 1, "judge_epochs": 1, "n_samples": 50, "hidden": 16},
    ),
    ModelSpec(
        name="dcgan",
        lesson="11-generative-adversarial-networks",
        title=Text("GAN, convolutional, with minibatch std", "卷积生成对抗网络（小批量标准差）"),
        data=DIGITS,
        metric="class_entropy",
        metric_label=Metric(ENTROPY, digits=3),
        goal=Goal(">=", 2.0),
        seeds=(0, 1, 2),
        config=DCGANConfig,
        run=run_dcgan,
        quick={"epochs": 1, "judge_epochs": 1, "n_samples": 50, "width": 8},
    ),
    ModelSpec(
        name="dqn",
        lesson="12-deep-reinforcement-learning",
        title=Text("Double DQN on CartPole-v1", "Double DQN 玩 CartPole-v1"),
        data=CARTPOLE,
        metric="greedy_mean",
        metric_label=GREEDY_MEAN,
        goal=Goal(">=", 475, every_seed=True, seconds=60),
        seeds=(0, 1, 2, 3, 4),
        config=DQNConfig,
        run=run_dqn,
        quick={"steps": 300, "learning_starts": 100, "buffer_size": 1000, "hidden": 16},
    ),
    ModelSpec(
        name="reinforce",
        lesson="12-deep-reinforcement-learning",
        title=Text("REINFORCE with a baseline on CartPole-v1", "带基线的 REINFORCE 玩 CartPole-v1"),
        data=CARTPOLE,
        metric="greedy_mean",
        metric_label=GREEDY_MEAN,
        goal=Goal(">=", 475, every_seed=True, seconds=30),
        seeds=(0, 1, 2, 3, 4),
        config=ReinforceConfig,
        run=run_reinforce,
        quick={"steps": 300, "hidden": 8},
    ),
    ModelSpec(
        name="capsnet",
        lesson="13-capsule-networks",
        title=Text("Capsule network (3 routing iterations)", "胶囊网络（3 轮路由）"),
        data=DIGITS,
        metric="test_accuracy",
        metric_label=ACCURACY,
        goal=Goal(">=", 0.995, seconds=30),
        seeds=(0, 1, 2),
        config=CapsNetConfig,
        run=run_capsnet,
        quick={"epochs": 1, "conv_channels": 8, "primary_types": 2},
        reference=Text(
            "Sabour, Frosst & Hinton (2017), CapsNet with 3 routing iterations and the "
            "reconstruction loss on MNIST (28×28, 60,000 training digits, shifted by up to 2 "
            "pixels): 0.25 % test error. Not the same data: MNIST is larger and sharper.",
            "Sabour、Frosst 与 Hinton（2017），3 轮路由、带重建损失的胶囊网络在 MNIST（28×28，"
            "6 万张训练图，最多平移 2 像素）上：测试错误率 0.25 %。"
            "数据不同：MNIST 更大，分辨率更高。",
        ),
    ),
    ModelSpec(
        name="overlap",
        lesson="13-capsule-networks",
        title=Text(
            "Capsule network against CNN, two overlapping digits",
            "胶囊网络对卷积网络：两个重叠的数字",
        ),
        data=Text(
            "pairs of 8×8 digits of two classes, each moved up to 1 pixel, overlaid; training "
            "pairs from training digits, test pairs from test digits",
            "两个不同类别的 8×8 数字各移动至多 1 像素后叠加；"
            "训练对取自训练集数字，测试对取自测试集数字",
        ),
        metric="capsnet_both",
        metric_label=Metric(
            Text(
                "test pairs with both digits named, CapsNet",
                "测试对中两个数字都认对的比例（胶囊网络）",
            ),
            percent=True,
            digits=1,
        ),
        goal=Goal(">=", 0.65, seconds=120),
        also=(
            (
                "cnn_both",
                Text("CNN, share of test pairs with both named", "卷积网络两个数字都认对的比例"),
                Goal(">=", 0.65),
            ),
        ),
        seeds=(0, 1, 2),
        config=OverlapConfig,
        run=run_overlap,
        quick={"epochs": 1, "pair_epochs": 1, "n_pairs": 64, "test_pairs": 64},
        reference=Text(
            "Sabour, Frosst & Hinton (2017), MultiMNIST (two overlaid MNIST digits of different "
            "classes on a 36×36 canvas): their abstract reports the capsule network "
            "considerably better than a convolutional net at recognizing highly overlapping "
            "digits. Not the same data: far larger images, pairs and networks.",
            "Sabour、Frosst 与 Hinton（2017），MultiMNIST（两个不同类别的 MNIST 数字叠在 36×36 画布"
            "上）：其摘要称，识别高度重叠的数字时，胶囊网络明显优于卷积网络。"
            "数据不同：图像、数据对与网络都大得多。",
        ),
    ),
    ModelSpec(
        name="transformer",
        lesson="14-attention-transformers",
        title=Text("Transformer, written dates to ISO dates", "Transformer：文字日期译成 ISO 日期"),
        data=Text(
            "dates written in words, generated by lessons.translation; held-out examples",
            "由 lessons.translation 生成的文字日期；在留出样本上评估",
        ),
        metric="exact_match",
        metric_label=Metric(
            Text("held-out exact match", "留出集完全匹配率"), percent=True, digits=2
        ),
        goal=Goal(">=", 0.99, seconds=60),
        seeds=(0, 1, 2),
        config=TransformerConfig,
        run=run_transformer,
        quick={"steps": 3, "n_embd": 16, "n_head": 2, "n_train": 256, "batch_size": 16},
    ),
    ModelSpec(
        name="char-gpt",
        lesson="14-attention-transformers",
        title=Text("Character-level GPT", "字符级 GPT"),
        data=Text(
            "lesson 9's text: 830 KB of Python's docstrings; every 10th block held out",
            "第 9 课的文本：830 KB 的 Python 文档字符串；每 10 个文本块留出 1 块",
        ),
        metric="bits_per_char",
        metric_label=Metric(Text("held-out bits per character", "留出文本每字符比特数"), digits=3),
        goal=Goal("<=", 1.88, seconds=120),
        seeds=(0, 1, 2),
        config=CharGPTConfig,
        run=run_char_gpt,
        quick={"steps": 3, "n_embd": 16, "n_head": 2, "n_layer": 1, "context": 16, "batch_size": 4},
    ),
    ModelSpec(
        name="ddp",
        lesson="15-data-parallel-training",
        title=Text("Data parallel MLP, 2 processes (gloo)", "数据并行 MLP，2 个进程（gloo）"),
        data=DIGITS,
        metric="accuracy_gap",
        metric_label=Metric(
            Text("|accuracy, 2 processes − 1 process|", "|2 个进程与 1 个进程的准确率之差|"),
            percent=True,
            digits=2,
        ),
        goal=Goal("<=", 0.005),
        seeds=(0,),
        config=DDPConfig,
        run=run_data_parallel,
        quick={"epochs": 1, "hidden": (16,)},
    ),
    ModelSpec(
        name="diffusion",
        lesson="16-diffusion-models",
        title=Text(
            "Diffusion model (noise-predicting MLP; ancestral sampling, DDIM)",
            "扩散模型（预测噪声的 MLP；祖先采样与 DDIM）",
        ),
        data=DIGITS,
        metric="confidence",
        metric_label=Metric(JUDGE, digits=3),
        goal=Goal(">=", 0.96, seconds=90),
        also=(("class_entropy", ENTROPY, Goal(">=", 2.25)),),
        seeds=(0, 1, 2),
        config=DiffusionConfig,
        run=run_diffusion,
        quick={
            "steps": 30,
            "width": 16,
            "depth": 1,
            "T": 20,
            "fast_steps": 5,
            "judge_epochs": 1,
            "n_samples": 50,
        },
    ),
)


def names() -> list[str]:
    """The names ``run`` accepts, in the order of the lessons."""
    return [spec.name for spec in MODELS]


def find(name: str) -> ModelSpec:
    """The spec called ``name``; ``KeyError`` naming the accepted names if there is none."""
    for spec in MODELS:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown model {name!r}; accepted: {', '.join(names())}")
