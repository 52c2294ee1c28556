"""rtclint.record: the dataclass subset the model is built from (dataclasses itself costs a
one-file run ~40 ms). Each behaviour here is one the code relies on."""

import pickle

import pytest

from rtclint.record import FrozenInstanceError, field, fields, record, replace


@record
class Plain:
    x: int
    y: list = field(default_factory=list)
    z: str = "q"
    note: str = field(default="", repr=False, compare=False)


@record(frozen=True, order=True)
class Key:
    a: int
    b: str = "u"


@record
class WithPostInit:
    text: str
    size: int = 0

    def __post_init__(self) -> None:
        self.size = len(self.text)


def test_init_defaults_and_factories_are_fresh():
    one, two = Plain(1), Plain(2)
    one.y.append(5)
    assert (one.y, two.y, one.z) == ([5], [], "q")
    assert Plain(1, [1], "r").y == [1]
    assert Plain(x=3, z="k").z == "k"
    with pytest.raises(TypeError):
        Plain()


def test_repr_and_equality_follow_field_settings():
    assert repr(Plain(1, note="hidden")) == "Plain(x=1, y=[], z='q')"
    assert Plain(1, note="a") == Plain(1, note="b")
    assert Plain(1) != Plain(2) and Plain(1) != "Plain(1)"


def test_mutable_records_are_unhashable_frozen_ones_hash_by_value():
    with pytest.raises(TypeError):
        hash(Plain(1))
    assert hash(Key(1)) == hash(Key(1)) and len({Key(1), Key(1), Key(2)}) == 2


def test_frozen_records_refuse_assignment():
    key = Key(1)
    with pytest.raises(FrozenInstanceError):
        key.a = 2
    with pytest.raises(AttributeError):
        del key.b


def test_order_compares_fields_in_order():
    assert sorted([Key(2, "a"), Key(1, "z"), Key(1, "b")]) == [Key(1, "b"), Key(1, "z"), Key(2, "a")]


def test_replace_runs_init_and_post_init():
    assert replace(Plain(1, [2]), z="w") == Plain(1, [2], "w")
    assert replace(WithPostInit("ab"), text="abcd").size == 4
    assert [f.name for f in fields(Plain)] == ["x", "y", "z", "note"]


def test_records_pickle_for_the_parse_cache():
    for obj in (Plain(1, [2]), Key(3), WithPostInit("x")):
        assert pickle.loads(pickle.dumps(obj)) == obj


def test_misuse_is_caught_at_class_definition():
    with pytest.raises(TypeError):
        @record
        class Bad:  # noqa: F841
            a: int = 1
            b: int
    with pytest.raises(ValueError):
        @record
        class Shared:  # noqa: F841
            items: list = []


def test_a_cycle_repr_does_not_recurse_forever():
    node = Plain(1)
    node.y.append(node)
    assert repr(node) == "Plain(x=1, y=[...], z='q')"


def test_init_is_compiled_only_once_the_class_is_in_real_use():
    from rtclint import record as record_module

    @record
    class Late:
        a: int
        b: int = 2

    first = Late.__init__
    for n in range(record_module.COMPILE_AFTER):
        assert Late(n).b == 2
    assert Late.__init__ is first  # few objects: no compile
    assert Late(a=3, b=4).b == 4 and Late.__init__ is not first  # then the compiled one took its place
    with pytest.raises(TypeError):
        Late(1, 2, 3)


def test_the_generic_init_and_the_compiled_one_agree():
    """Objects are made by a generic __init__ first and by a compiled one after
    COMPILE_AFTER calls: both must bind, default and refuse alike."""
    from rtclint import record as record_module

    @record
    class Shape:
        a: int
        b: list = field(default_factory=list)
        c: str = "c"

    calls = [((1,), {}), ((1, [2]), {}), ((), {"a": 1, "c": "x"}), ((1,), {"b": [3], "c": "y"})]
    bad = [((), {}), ((1, [], "c", 4), {}), ((1,), {"a": 2}), ((1,), {"d": 1})]

    def outcomes():
        made = [Shape(*args, **kwargs) for args, kwargs in calls]
        errors = []
        for args, kwargs in bad:
            with pytest.raises(TypeError) as info:
                Shape(*args, **kwargs)
            errors.append(str(info.value).split("()", 1)[1].split(":")[0].replace("argument", "").strip())
        return made, errors

    generic = outcomes()
    for _ in range(record_module.COMPILE_AFTER):
        Shape(0)
    compiled = outcomes()
    assert Shape.__init__.__code__.co_filename.startswith("<record")
    assert generic[0] == compiled[0]
    assert [e.split()[0] for e in generic[1]] == [e.split()[0] for e in compiled[1]]


def test_replace_of_a_dataclass_is_dataclasses_replace():
    """The model's classes are dataclasses now; code still calling rtclint.record.replace
    on them gets dataclasses.replace (until this module is deleted)."""
    from rtclint.document import Span
    from rtclint.model import PathMatch

    match = PathMatch("prefix", ("/a",), Span("f", 0, 3))
    moved = replace(match, span=Span("f", 4, 2))
    assert moved == PathMatch("prefix", ("/a",), Span("f", 4, 4)) and moved is not match  # __post_init__ ran
