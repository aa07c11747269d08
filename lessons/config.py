"""Typed, documented hyper-parameter configs, and the command-line options made from them.

A full-budget run is configured by a frozen dataclass with a docstring under every field (the
convention of PEP 257's "attribute docstrings"). Python keeps no such docstrings at run time,
so ``field_docs`` reads them from the source with ``ast``; ``add_config_options`` turns every field
into an ``argparse`` option typed from its annotation, with that docstring as its help.

>>> import argparse
>>> from lessons.bench.classifiers import CNNConfig
>>> field_docs(CNNConfig)["epochs"]
'Passes over the 1,437 training digits.'
>>> parser = argparse.ArgumentParser()
>>> add_config_options(parser, CNNConfig)
>>> args = parser.parse_args(["--epochs", "5", "--channels", "16", "32"])
>>> config = config_from_options(CNNConfig, args)  # options left out keep their defaults
>>> config.epochs, config.channels, config.lr
(5, (16, 32), 0.003)
>>> CNNConfig(epochs=0)  # configs check themselves with check_budget
Traceback (most recent call last):
...
ValueError: epochs must be an integer ≥ 1, got 0
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import textwrap
import typing
from dataclasses import dataclass
from typing import Any

from lessons.runtime import check_device_name, check_seed


@dataclass(frozen=True)
class RunConfig:
    """What every full-budget config has, declared once: the run's seed and its device.

    A config subclasses it (``class CNNConfig(RunConfig)``) and calls ``check_budget`` from its
    ``__post_init__``, which checks these two fields with the rest.
    """

    seed: int = 0
    """Seed for every random number generator the run uses."""
    device: str = "cpu"
    """Where to train: "cpu", "cuda", "cuda:1" or "mps"."""


def field_docs(cls: type) -> dict[str, str]:
    """Map each documented field of the dataclass ``cls`` to the docstring written under it.

    Base classes are read too (a subclass's docstring wins). A field with no docstring is absent.
    """
    if not dataclasses.is_dataclass(cls):
        raise ValueError(f"cls must be a dataclass, got {cls!r}")
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__[:-1]):  # base classes first, object left out
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):  # defined where no source is kept (a REPL, a C extension)
            continue
        node = ast.parse(source).body[0]
        if not isinstance(node, ast.ClassDef):
            continue
        body = node.body
        for stmt, after in zip(body, body[1:], strict=False):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs


def option_name(field: str) -> str:
    """The command-line option for a config field: ``batch_size`` -> ``--batch-size``."""
    return "--" + field.replace("_", "-")


def _parser_for(annotation: Any) -> dict[str, Any]:
    """argparse keywords that parse one value of ``annotation`` (int, float, str, bool, tuples)."""
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return {"action": argparse.BooleanOptionalAction}
    if annotation in (int, float, str):
        return {"type": annotation, "metavar": annotation.__name__.upper()}
    if origin is tuple:
        args = typing.get_args(annotation)
        item = args[0] if args else str
        if item not in (int, float, str):
            raise TypeError(f"cannot make an option for tuple items of type {item!r}")
        count = "+" if len(args) == 2 and args[1] is Ellipsis else len(args)
        return {"type": item, "nargs": count, "metavar": item.__name__.upper()}
    if origin is typing.Literal:
        choices = typing.get_args(annotation)
        return {"type": type(choices[0]), "choices": choices}
    raise TypeError(f"cannot make an option for a field of type {annotation!r}")


def add_config_options(parser: argparse.ArgumentParser, cls: type) -> None:
    """Add one ``--field-name`` option per field of the dataclass ``cls`` to ``parser``.

    Each option is typed from the field's annotation (``bool`` fields get ``--flag`` and
    ``--no-flag``; ``tuple[int, ...]`` takes one or more numbers) and its help is the field's
    docstring and default. An option left out parses to ``None``: the config's default applies.
    """
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    group = parser.add_argument_group(
        f"{cls.__name__} (defaults are the full budget)", inspect.getdoc(cls)
    )
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        default = field.default
        shown = " ".join(map(str, default)) if isinstance(default, tuple) else default
        help_text = docs.get(field.name, "").replace("%", "%%")
        group.add_argument(
            option_name(field.name),
            dest=field.name,
            default=None,
            help=f"{help_text} (default: {shown})",
            **_parser_for(hints[field.name]),
        )


def config_from_options(cls: type, namespace: argparse.Namespace) -> Any:
    """Build a ``cls`` from parsed options; fields whose option was left out keep their default.

    The config's own checks (its ``__post_init__``) run here, before any training starts.
    """
    given = {}
    for field in dataclasses.fields(cls):
        value = getattr(namespace, field.name, None)
        if value is not None:
            given[field.name] = tuple(value) if isinstance(value, list) else value
    return cls(**given)


def budget_of(config: Any) -> dict[str, int]:
    """The budget fields a config has: ``{"epochs": 30}`` or ``{"steps": 2000}``."""
    return {name: getattr(config, name) for name in ("epochs", "steps") if hasattr(config, name)}


def _fail(name: str, accepted: str, value: Any) -> None:
    raise ValueError(f"{name} must be {accepted}, got {value!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# One wording per rule. Each helper checks one named value (an argument, or a config's field) and
# raises ValueError("<name> must be <what it accepts>, got <value>"); configs call the field
# versions further down, which use these.


def check_int_argument(name: str, value: Any, least: int = 1) -> None:
    """Check that ``value`` is an integer ≥ ``least`` (``True`` and ``2.0`` are refused).

    >>> check_int_argument("n_classes", 1, least=2)
    Traceback (most recent call last):
    ...
    ValueError: n_classes must be an integer ≥ 2, got 1
    """
    if not _is_int(value) or value < least:
        _fail(name, f"an integer ≥ {least}", value)


def check_positive_argument(name: str, value: Any) -> None:
    """Check that ``value`` is a number > 0, int or float (a learning rate, a variance).

    >>> check_positive_argument("lr", 0.0)
    Traceback (most recent call last):
    ...
    ValueError: lr must be a number > 0, got 0.0
    """
    if not _is_number(value) or not value > 0:
        _fail(name, "a number > 0", value)


def check_nonnegative_argument(name: str, value: Any) -> None:
    """Check that ``value`` is a number ≥ 0, int or float (a weight decay, a loss weight)."""
    if not _is_number(value) or not value >= 0:
        _fail(name, "a number ≥ 0", value)


def check_fraction_argument(name: str, value: Any, *, closed: bool = False) -> None:
    """Check that ``value`` is a number in [0, 1), or in [0, 1] if ``closed``.

    >>> check_fraction_argument("dropout", 1.0)
    Traceback (most recent call last):
    ...
    ValueError: dropout must be a number in [0, 1), got 1.0
    """
    if not _is_number(value) or not (0 <= value <= 1 if closed else 0 <= value < 1):
        _fail(name, "a number in [0, 1]" if closed else "a number in [0, 1)", value)


def check_layer_widths(name: str, value: Any, *, nonempty: bool = False) -> None:
    """Check that ``value`` is a sequence of integers ≥ 1 (a model's layer widths).

    An empty sequence is allowed (no hidden layer) unless ``nonempty``.

    >>> check_layer_widths("hidden", (256, 0))
    Traceback (most recent call last):
    ...
    ValueError: hidden must be a sequence of integers ≥ 1, got (256, 0)
    """
    if (
        isinstance(value, str | bytes)
        or not isinstance(value, typing.Sequence)
        or not all(_is_int(h) and h >= 1 for h in value)
        or (nonempty and not value)
    ):
        accepted = "a non-empty sequence" if nonempty else "a sequence"
        _fail(name, f"{accepted} of integers ≥ 1", value)


def check_budget(config: Any) -> None:
    """Check the fields every config has: the budget (``epochs`` or ``steps``), seed and device.

    Raises ``ValueError`` naming the field and what it accepts. Configs call it from their
    ``__post_init__``, so an invalid config cannot be built.
    """
    for name, value in budget_of(config).items():
        check_int_argument(name, value)
    check_seed(getattr(config, "seed", 0))
    check_device_name(getattr(config, "device", "cpu"))


def check_cpu_only(config: Any, reason: str) -> None:
    """Check that ``config`` trains on the CPU: for models that gain nothing from an accelerator or
    cannot use one; ``reason`` says which, in a few words.

    >>> from types import SimpleNamespace
    >>> check_cpu_only(SimpleNamespace(device="cuda"), "the workers use gloo")
    Traceback (most recent call last):
    ...
    ValueError: device must be "cpu" (the workers use gloo), got 'cuda'
    """
    if config.device != "cpu":
        raise ValueError(f'device must be "cpu" ({reason}), got {config.device!r}')


def _wants_int(config: Any, name: str) -> bool:
    """True if the dataclass field ``name`` of ``config`` is annotated ``int``."""
    kinds = {f.name: f.type for f in dataclasses.fields(config)}
    return kinds.get(name) in (int, "int")


def check_positive(config: Any, *names: str) -> None:
    """Check that each named field of ``config`` is a number > 0 (an ``int`` field: an int ≥ 1)."""
    for name in names:
        value = getattr(config, name)
        if _wants_int(config, name):
            check_int_argument(name, value)
        else:
            check_positive_argument(name, value)


def check_at_least_zero(config: Any, *names: str) -> None:
    """Check that each named field of ``config`` is a number ≥ 0 (an ``int`` field: an int)."""
    for name in names:
        value = getattr(config, name)
        if _wants_int(config, name):
            check_int_argument(name, value, least=0)
        else:
            check_nonnegative_argument(name, value)


def check_fraction(config: Any, *names: str, closed: bool = False) -> None:
    """Check that each named field of ``config`` is a number in [0, 1) (in [0, 1] if ``closed``)."""
    for name in names:
        check_fraction_argument(name, getattr(config, name), closed=closed)


def check_widths(config: Any, *names: str) -> None:
    """Check that each named field of ``config`` is a sequence of integers ≥ 1 (layer widths)."""
    for name in names:
        check_layer_widths(name, getattr(config, name))
