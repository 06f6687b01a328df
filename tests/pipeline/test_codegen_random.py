"""Random pipelines over random events: the generated function and the step-by-step reference agree.

The pipelines are built from the filters that write their own code (grok, date, mutate) and from
conditions, over a small set of fields that collide on purpose: captures into fields that exist,
writes under a parent that is a string, tags that are a lone string, values still undecoded.
"""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs import Event
from porttrack_logs.codec import decode_event
from porttrack_logs.pipeline import Pipeline
from porttrack_logs.pipeline.lint import lint

FIELDS = ["message", "a", "[a][b]", "[log][level]", "[log]", "[@metadata][t]", "[x][y]"]
field = st.sampled_from(FIELDS)
word = st.sampled_from(["x", "ERROR", "info", "1", "2026-11-27T06:00:00.332Z", "27/Nov/2026:06:00:00 +0000", ""])
tag = st.sampled_from(["alert", "x", "_grokparsefailure", "alert"])


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_quote(i) for i in items) + "]"


def _some(draw, **lists: st.SearchStrategy) -> list[str]:
    """Each option given or not, at random: `name => [values drawn]`."""
    return [f"{name} => {_list(draw(values))}" for name, values in lists.items() if draw(st.booleans())]


@st.composite
def grok(draw) -> str:
    captures = draw(st.lists(field, min_size=1, max_size=3))
    pieces = [f"%{{{draw(st.sampled_from(['WORD', 'NOTSPACE', 'DATA']))}:{c}}}" for c in captures[:-1]]
    pattern = " ".join(["^", *pieces, f"%{{GREEDYDATA:{captures[-1]}}}"]).replace("^ ", "^", 1)
    options = [f"match => {{ {_quote(draw(field))} => {_quote(pattern)} }}"]
    options += _some(draw, overwrite=st.lists(field, max_size=2), add_tag=st.lists(tag, max_size=3),
                     tag_on_failure=st.lists(tag, max_size=2))
    return "grok { " + " ".join(options) + " }"


@st.composite
def date(draw) -> str:
    patterns = draw(st.lists(st.sampled_from(["ISO8601", "dd/MMM/yyyy:HH:mm:ss Z", "yyyy-MM-dd", "UNIX"]),
                             min_size=1, max_size=3))
    options = [f"match => {_list([draw(field), *patterns])}"]
    if draw(st.booleans()):
        options.append(f"target => {_quote(draw(field))}")
    options += _some(draw, add_tag=st.lists(tag, max_size=2))
    return "date { " + " ".join(options) + " }"


@st.composite
def mutate(draw) -> str:
    options = []
    for op in draw(st.lists(st.sampled_from(["uppercase", "lowercase", "capitalize", "copy"]), min_size=1, max_size=3,
                            unique=True)):
        if op == "copy":
            options.append(f"copy => {{ {_quote(draw(field))} => {_quote(draw(field))} }}")
        else:
            options.append(f"{op} => {_list(draw(st.lists(field, min_size=1, max_size=2)))}")
    options += _some(draw, add_tag=st.lists(tag, max_size=3))
    return "mutate { " + " ".join(options) + " }"


@st.composite
def condition(draw) -> str:
    left = draw(field)
    left = left if left.startswith("[") else f"[{left}]"  # conditions name fields in brackets
    shapes = [
        left, f"!{left}", f"{left} == {_quote(draw(word))}", f"{left} =~ /^E/",
        f"{left} in {_list(draw(st.lists(word, min_size=1, max_size=3)))}",
        f'{_quote(draw(tag))} in [tags]', f'{_quote(draw(tag))} not in [tags]',
    ]
    return draw(st.sampled_from(shapes))


@st.composite
def called(draw) -> str:
    """Filters and operations the generated code calls rather than writes out."""
    return draw(st.sampled_from([
        f"mutate {{ replace => {{ {_quote(draw(field))} => \"%{{a}}-%{{[log][level]}}\" }} }}",
        f"mutate {{ rename => {{ {_quote(draw(field))} => {_quote(draw(field))} }} uppercase => [\"a\"] }}",
        f"mutate {{ merge => {{ {_quote(draw(field))} => {_quote(draw(field))} }} }}",
        f"mutate {{ add_field => {{ {_quote(draw(field))} => \"%{{message}}\" }} remove_field => [\"[x][y]\"] }}",
        f"mutate {{ gsub => [{_quote(draw(field))}, \"[aeiou]\", \"_\"] split => {{ \"a\" => \" \" }} }}",
        f"mutate {{ join => {{ {_quote(draw(field))} => \",\" }} convert => {{ \"a\" => \"integer\" }} }}",
        'json { source => "message" target => "[x][y]" }',
        'json { source => "message" }',
        'kv { source => "message" target => "a" }',
        'kv { source => "message" recursive => true include_brackets => false }',
        f"dissect {{ mapping => {{ \"message\" => \"%{{a}} %{{+a}} %{{?skip}} %{{[log][level]}}\" }} }}",
        f"fingerprint {{ source => [{_quote(draw(field))}, \"a\"] concatenate_sources => true target => \"[x][y]\" }}",
        "drop { }",
        'drop { percentage => 0 }',
    ]))


@st.composite
def conditional(draw, body: st.SearchStrategy[list[str]]) -> str:
    """`if`, maybe `else if`, maybe `else`, each branch a `body` drawn anew."""
    text = f"if {draw(condition())} {{ {' '.join(draw(body))} }}"
    if draw(st.booleans()):
        text += f" else if {draw(condition())} {{ {' '.join(draw(body))} }}"
    if draw(st.booleans()):
        text += f" else {{ {' '.join(draw(body))} }}"
    return text


def statements(depth: int) -> st.SearchStrategy[list[str]]:
    plugin = st.one_of(grok(), date(), mutate(), called())
    if depth == 0:
        return st.lists(plugin, min_size=1, max_size=4)
    return st.lists(st.one_of(plugin, conditional(statements(depth - 1))), min_size=1, max_size=4)


VALUES = st.one_of(
    word,
    st.just("ERROR disk full on crane QC-7"),
    st.just("2026-11-27T06:00:00.332Z WARN gate 4"),
    st.just('{"level": "info", "y": [1, "x"]}'),
    st.just("k=v level=ERROR a=1"),
    st.sampled_from([None, 1, 1.5, True, ["x", "info"], [], {"b": "info"}, {"level": "warn"}, {"y": 2}]),
)


@st.composite
def event(draw) -> dict:
    doc = {"@timestamp": "2026-11-27T00:00:00Z"}
    for key in ("message", "a", "log", "x"):
        if draw(st.booleans()):
            doc[key] = draw(VALUES)
    if draw(st.booleans()):
        doc["tags"] = draw(st.sampled_from(["alert", "x", ["x"], ["alert", "y"], [], 5]))
    return doc


@settings(max_examples=300, deadline=None)
@given(body=statements(2), docs=st.lists(event(), min_size=1, max_size=4), lazy=st.booleans())
def test_random_pipelines_agree_with_the_reference(body, docs, lazy):
    """Whatever the mix of filters, conditions, field collisions and value types, the generated
    code leaves every event exactly as the step-by-step reference does."""
    text = "filter { " + " ".join(body) + " }"
    generated = Pipeline.from_config(text)
    reference = Pipeline.from_config(text, generate_code=False)

    def build() -> list[Event]:
        if lazy:
            return [decode_event(orjson.dumps(d)) for d in docs]
        return [Event(orjson.loads(orjson.dumps(d))) for d in docs]  # no value shared between fields

    a, b = generated.process(build()), reference.process(build())
    assert all(f.position is not None for f in lint(generated)), text  # `check` reads any of them, placing each warning
    assert [(e.to_dict(), e.metadata, e.cancelled) for e in a] == [(e.to_dict(), e.metadata, e.cancelled) for e in b], text


def unordered_statements(depth: int) -> st.SearchStrategy[list[str]]:
    """Statements with conditionals and event-making filters mixed, to check the unordered sort key."""
    plugin = st.one_of(
        mutate(), called(),
        st.sampled_from(['clone { clones => ["c1", "c2"] }', 'clone { clones => ["c3"] add_tag => ["cloned"] }',
                         'split { field => "[x][y]" }', 'split { field => "a" terminator => " " }']),
    )
    if depth == 0:
        return st.lists(plugin, min_size=1, max_size=3)

    split_by_n = st.sampled_from([  # conditions that split any batch: on the event's number, on a clone's tag
        'if [n] > 2 { mutate { add_tag => ["big"] } }', 'if [n] in [1, 3] { mutate { add_tag => ["odd"] } } else { }',
        'if [n] == 0 { } else if [n] < 3 { mutate { add_tag => ["low"] } }',
        'if "c1" in [tags] { mutate { add_tag => ["one"] } } else if "c2" in [tags] { drop { } }',
        'if "c3" in [tags] { mutate { add_field => { "seen" => "%{n}" } } }',
    ])
    return st.lists(st.one_of(plugin, conditional(unordered_statements(depth - 1)), split_by_n, split_by_n),
                    min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(body=unordered_statements(2), docs=st.lists(event(), min_size=2, max_size=6), lazy=st.booleans())
def test_unordered_batches_agree_with_the_partitioning_reference(body, docs, lazy):
    """Unordered (Logstash's batch order with several workers), the generated code's sort key gives
    exactly the order of the reference, which partitions the batch at each conditional; with
    clones and splits made inside branches, drops, and failures."""
    text = "filter { " + " ".join(body) + " }"
    docs = [dict(d, n=i) for i, d in enumerate(docs)]
    generated = Pipeline.from_config(text, ordered=False)
    reference = Pipeline.from_config(text, generate_code=False, ordered=False)

    def build() -> list[Event]:
        if lazy:
            return [decode_event(orjson.dumps(d)) for d in docs]
        return [Event(orjson.loads(orjson.dumps(d))) for d in docs]

    a, b = generated.process(build()), reference.process(build())
    assert [(e.to_dict(), e.metadata) for e in a] == [(e.to_dict(), e.metadata) for e in b], text
