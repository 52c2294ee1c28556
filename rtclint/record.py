"""Record classes: the part of `dataclasses` rtclint uses, without its start-up cost.

`@record` works like `@dataclass` for what rtclint needs — fields from the class's
annotations, defaults, `field(default_factory=…, repr=…, compare=…)`, `frozen=True`,
`order=True`, `__post_init__`, and `replace()` — and nothing more (no inheritance of
fields, no InitVar, no keyword-only fields, no slots).

Why not `dataclasses`: importing it imports `inspect` (and with it ast, dis, tokenize), and
it builds `__init__`, `__repr__`, `__eq__` (and `__hash__`, the order methods, the frozen
setters) of every class from generated source at every start. For rtclint's ~80 classes
that was about 40 ms of a one-file run, a fifth of the whole. Here only `__init__` is
generated (it runs for every parsed token, so it must be plain attribute stores), and only
when the class is first instantiated; the other methods are shared functions driven by
the class's field names.
"""

from __future__ import annotations

from operator import attrgetter

__all__ = ["FrozenInstanceError", "field", "fields", "record", "replace"]

_MISSING = object()
_FACTORY = object()  # the __init__ default of a field built by its default_factory


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record."""


class Field:
    """One field's settings, as `dataclasses.Field` (only what rtclint uses)."""

    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default=_MISSING, default_factory=_MISSING, repr=True, compare=True):
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(*, default=_MISSING, default_factory=_MISSING, repr: bool = True, compare: bool = True) -> Field:
    """A field with a default factory or other settings, like `dataclasses.field`."""
    return Field(default, default_factory, repr, compare)


def record(cls=None, /, *, frozen: bool = False, order: bool = False):
    """Make `cls` a record class; use as `@record` or `@record(frozen=True, order=True)`."""

    def wrap(klass):
        return _build(klass, frozen, order)

    return wrap if cls is None else wrap(cls)


def fields(obj_or_cls) -> tuple[Field, ...]:
    """The record's fields, in order."""
    return obj_or_cls.__record_fields__


def replace(obj, /, **changes):
    """A copy of `obj` with some fields changed (runs `__init__` and `__post_init__`).

    The model's classes are dataclasses now: for those this is `dataclasses.replace`, so
    code not yet moved off this module keeps working until it is deleted."""
    if not hasattr(obj, "__record_fields__"):
        import dataclasses

        return dataclasses.replace(obj, **changes)
    for f in obj.__record_fields__:
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def _build(cls, frozen: bool, order: bool):
    own = cls.__dict__
    found = [_field_of(cls, name, note) for name, note in own.get("__annotations__", {}).items()
             if not _is_classvar(note)]
    _check_order(found)
    cls.__record_fields__ = tuple(found)
    cls.__match_args__ = tuple(f.name for f in found)
    _set(cls, "__init__", _first_init(cls, found, frozen))
    cls.__record_repr__ = tuple(f.name for f in found if f.repr)
    _set(cls, "__repr__", _repr)
    compared = [f.name for f in found if f.compare]
    cls.__record_key__ = staticmethod(_key_getter(compared))
    explicit_hash = own.get("__hash__", _MISSING) is not _MISSING and not (
        own["__hash__"] is None and "__eq__" in own)  # a body __eq__ alone sets __hash__ = None
    _set(cls, "__eq__", _eq)
    if not explicit_hash:  # dataclass rules: frozen records hash by value, others not at all
        cls.__hash__ = _hash if frozen else None
    if order:
        for name, method in _ORDER.items():
            _set(cls, name, method)
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
    return cls


def _check_order(found: list[Field]) -> None:
    seen_default = False
    for f in found:
        has_default = f.default is not _MISSING or f.default_factory is not _MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument '{f.name}' follows default argument")
        seen_default = seen_default or has_default


def _is_classvar(note) -> bool:
    text = note if isinstance(note, str) else getattr(note, "__name__", "") or repr(note)
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _field_of(cls, name: str, note) -> Field:
    """The field `name`, taking its default from the class body (and tidying the body as
    dataclasses does: a `field()` object is replaced by its default or removed)."""
    value = cls.__dict__.get(name, _MISSING)
    spec = value if isinstance(value, Field) else Field(default=value)
    spec.name = name
    if isinstance(value, Field):
        if spec.default is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, spec.default)
    if isinstance(spec.default, (list, dict, set)):
        raise ValueError(f"mutable default {type(spec.default).__name__} for field {name} is not allowed: "
                         "use default_factory")
    return spec


COMPILE_AFTER = 100  # objects made with the generic __init__ before a class gets a compiled one


def _first_init(cls, found: list[Field], frozen: bool):
    """A generic `__init__` that hands over to a compiled one once the class is in real use.

    Compiling costs ~0.1 ms a class (a process's first compile ~2.5 ms), and a one-file run
    makes few objects of most classes. The generic one binds arguments by hand, ~5 µs an
    object slower, so a class gets compiled once more than COMPILE_AFTER objects are made:
    at most ~0.5 ms of generic binding per class, and a one-file run compiles nothing."""
    made = 0
    post_init = "__post_init__" in cls.__dict__
    store = object.__setattr__ if frozen else setattr

    def __init__(self, *args, **kwargs):
        nonlocal made
        made += 1
        if made > COMPILE_AFTER:
            cls.__init__ = _make_init(cls, found, frozen)
            cls.__init__(self, *args, **kwargs)
            return
        for name, value in _bind(cls, found, args, kwargs):
            store(self, name, value)
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _bind(cls, found: list[Field], args: tuple, kwargs: dict):
    """(field, value) pairs for a call, with the TypeErrors a real __init__ raises."""
    where = f"{cls.__qualname__}.__init__()"
    if len(args) > len(found):
        raise TypeError(f"{where} takes {len(found) + 1} positional arguments but {len(args) + 1} were given")
    given = dict(zip((f.name for f in found), args))
    for name, value in kwargs.items():
        if name in given:
            raise TypeError(f"{where} got multiple values for argument '{name}'")
        given[name] = value
    if kwargs:
        unknown = [name for name in kwargs if name not in cls.__match_args__]
        if unknown:
            raise TypeError(f"{where} got an unexpected keyword argument '{unknown[0]}'")
    pairs = []
    for f in found:
        if f.name in given:
            pairs.append((f.name, given[f.name]))
        elif f.default is not _MISSING:
            pairs.append((f.name, f.default))
        elif f.default_factory is not _MISSING:
            pairs.append((f.name, f.default_factory()))
        else:
            raise TypeError(f"{where} missing required argument: '{f.name}'")
    return pairs


def _make_init(cls, found: list[Field], frozen: bool):
    """`__init__` from source: plain stores, the only per-object cost."""
    names: dict = {"_FACTORY": _FACTORY, "_setattr": object.__setattr__}
    params, body = [], []
    for f in found:
        if f.default is not _MISSING:
            names[f"_dflt_{f.name}"] = f.default
            params.append(f"{f.name}=_dflt_{f.name}")
            value = f.name
        elif f.default_factory is not _MISSING:
            names[f"_fact_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            value = f"_fact_{f.name}() if {f.name} is _FACTORY else {f.name}"
        else:
            params.append(f.name)
            value = f.name
        body.append(f"_setattr(self, '{f.name}', {value})" if frozen else f"self.{f.name} = {value}")
    if "__post_init__" in cls.__dict__:
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _key_getter(names: list[str]):
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _set(cls, name: str, value) -> None:
    """Add a method unless the class body defines its own (as dataclasses does)."""
    if name not in cls.__dict__:
        setattr(cls, name, value)


_REPRING: set[int] = set()  # guards against cycles, like reprlib.recursive_repr


def _repr(self) -> str:
    if id(self) in _REPRING:
        return "..."
    _REPRING.add(id(self))
    try:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    finally:
        _REPRING.discard(id(self))
    return f"{self.__class__.__qualname__}({inner})"


def _eq(self, other):
    if other.__class__ is self.__class__:
        return self.__record_key__(self) == other.__record_key__(other)
    return NotImplemented


def _hash(self) -> int:
    return hash(self.__record_key__(self))


def _comparison(op):
    def compare(self, other):
        if other.__class__ is self.__class__:
            return op(self.__record_key__(self), other.__record_key__(other))
        return NotImplemented
    return compare


def _orders():
    import operator

    return {f"__{name}__": _comparison(getattr(operator, name)) for name in ("lt", "le", "gt", "ge")}


_ORDER = _orders()


def _frozen_setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field '{name}'")


def _frozen_delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field '{name}'")
