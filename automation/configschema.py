"""Turn a parsed TOML table into typed, frozen config dataclasses.

Each field's annotation is its schema: unknown keys, wrong types, values outside a
``Literal`` and numbers out of range are reported, in Thai, with the full dotted key and what
is allowed. No number in schedule.toml may be negative; ports are 1..65535 and time-outs
more than 0. Relative paths resolve
against the config file's folder.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from automation.errors import ConfigError

T = TypeVar("T")
N = TypeVar("N", int, float)

_TYPE_WORDS = {str: "ข้อความ", int: "จำนวนเต็ม", float: "ตัวเลข", bool: "true หรือ false"}
_PORT = (1, 65535)


def build(cls: type[T], data: object, key: str, base: Path) -> T:
    """Build dataclass ``cls`` from ``data`` found at ``key`` in the file."""
    if not isinstance(data, dict):
        raise ConfigError(f"[{key}] ต้องเป็นตาราง (section) แต่พบ {_describe(data)}")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        allowed = ", ".join(sorted(fields))
        raise ConfigError(
            f"ไม่รู้จักคีย์ '{_join(key, unknown[0])}' ใน schedule.toml; คีย์ที่ใช้ได้ใน "
            f"[{key}]: {allowed}"
        )
    values: dict[str, Any] = {}
    for name, value in data.items():
        values[name] = _convert(hints[name], value, _join(key, name), base)
    missing = [
        n
        for n, f in fields.items()
        if n not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"ต้องมี '{_join(key, missing[0])}' ใน schedule.toml")
    return cls(**values)


def _convert(tp: Any, value: object, key: str, base: Path) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        # TOML has no null; an empty string means "not set" for optional fields.
        if value == "" and len(options) < len(get_args(tp)):
            return None
        errors: list[str] = []
        for option in options:
            try:
                return _convert(option, value, key, base)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0])
    if origin is Literal:
        allowed = get_args(tp)
        if value not in allowed:
            shown = " | ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in allowed)
            raise ConfigError(f"'{key}' = {_show(value)} ใช้ไม่ได้; ใช้ {shown}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"'{key}' ต้องเป็นรายการ เช่น [\"a\", \"b\"] แต่พบ {_describe(value)}")
        (item_tp, *_rest) = get_args(tp)
        items = [_convert(item_tp, v, f"{key}[{i}]", base) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"[{key}] ต้องเป็นตาราง แต่พบ {_describe(value)}")
        _k, v_tp = get_args(tp)
        return {k: _convert(v_tp, v, _join(key, k), base) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return build(typing.cast(type[Any], tp), value, key, base)
    if tp is Path:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"'{key}' ต้องเป็นที่อยู่ไฟล์ (ข้อความ) แต่พบ {_describe(value)}")
        path = Path(value).expanduser()
        return path if path.is_absolute() else (base / path).resolve()
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"'{key}' ต้องเป็น {_TYPE_WORDS[float]} แต่พบ {_describe(value)}")
        return _in_range(float(value), key)
    if tp in (str, int, bool):
        if type(value) is not tp:
            raise ConfigError(f"'{key}' ต้องเป็น {_TYPE_WORDS[tp]} แต่พบ {_describe(value)}")
        return _in_range(value, key) if isinstance(value, int) and tp is int else value
    raise TypeError(f"unsupported config type {tp!r} at {key}")  # a programming error


def _in_range(value: N, key: str) -> N:
    """Numbers: never negative; a port is 1..65535 and a time-out more than 0."""
    name = key.rsplit(".", 1)[-1]
    if name == "port" and not _PORT[0] <= value <= _PORT[1]:
        raise ConfigError(f"'{key}' = {value} อยู่นอกช่วง; พอร์ตต้องอยู่ระหว่าง "
                          f"{_PORT[0]} ถึง {_PORT[1]}")
    if name.endswith("timeout") and value <= 0:
        raise ConfigError(f"'{key}' = {value} ใช้ไม่ได้; เวลารอ (วินาที) ต้องมากกว่า 0")
    if value < 0:
        raise ConfigError(f"'{key}' = {value} ใช้ไม่ได้; ต้องเป็น 0 หรือมากกว่า (ห้ามติดลบ)")
    return value


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _describe(value: object) -> str:
    kind = {str: "ข้อความ", bool: "true/false", int: "ตัวเลข", float: "ตัวเลข"}.get(
        type(value), "ตาราง" if isinstance(value, dict) else "รายการ"
    )
    return f"{kind} {_show(value)}" if not isinstance(value, dict | list) else kind
