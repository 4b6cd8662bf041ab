"""Strict conversion between JSON values and protocol dataclasses (stdlib only)."""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Literal, TypeVar, Union, cast, get_args, get_origin

from agents.errors import InvalidCommand

T = TypeVar("T")

_NONE = type(None)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, value: Any, where: str) -> Any:
    """Check ``value`` against the annotation ``tp`` and build nested dataclasses."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and _NONE in args:
            return None
        errors = []
        for arg in args:
            if arg is _NONE:
                continue
            try:
                return _convert(arg, value, where)
            except InvalidCommand as exc:
                errors.append(exc.details)
        raise InvalidCommand("; ".join(errors))
    if origin is Literal:
        if value not in get_args(tp):
            raise InvalidCommand(f"{where}: {value!r} is not one of {list(get_args(tp))}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise InvalidCommand(f"{where}: expected a list")
        (item,) = get_args(tp)
        return [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise InvalidCommand(f"{where}: expected an object")
        _, item = get_args(tp)
        return {str(k): _convert(item, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_dict(cast(type, tp), value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise InvalidCommand(f"{where}: expected a boolean")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidCommand(f"{where}: expected an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidCommand(f"{where}: expected a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise InvalidCommand(f"{where}: expected a string")
        return value
    raise InvalidCommand(f"{where}: unsupported type {tp!r}")  # pragma: no cover


def from_dict(cls: type[T], data: Any, where: str = "args") -> T:
    """Build dataclass ``cls`` from a JSON object, rejecting unknown or mistyped fields."""
    if not isinstance(data, dict):
        raise InvalidCommand(f"{where}: expected an object")
    hints = _hints(cast(type, cls))
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InvalidCommand(f"{where}: unknown field(s) {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    for name, field in fields.items():
        if name in data:
            kwargs[name] = _convert(hints[name], data[name], f"{where}.{name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise InvalidCommand(f"{where}: missing field {name}")
    try:
        return cls(**kwargs)
    except ValueError as exc:  # raised by __post_init__ validators
        raise InvalidCommand(f"{where}: {exc}") from exc


def to_dict(obj: Any) -> dict[str, Any]:
    """Turn a protocol dataclass into a JSON-ready dict."""
    return dataclasses.asdict(obj)
