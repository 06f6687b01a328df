"""The Logstash pipeline configuration language: parse to a typed tree, print it back, read values.

    parse(text, source)      -> PipelineConfig    one text
    load(path_or_paths)      -> PipelineConfig    a file, a directory, a glob or a list of them
    to_source(tree)          -> str               valid configuration text for a tree
    to_python(value_node)    -> str|int|float|list|dict
    plugin_options(plugin)   -> dict              a plugin's options, repeated ones combined
    language_traps(tree)     -> [(Position, str)] syntax Logstash accepts but that misleads
"""

from ._loader import config_files, load
from ._parser import MAX_DEPTH, parse, unescape
from ._printer import to_source
from ._traps import language_traps
from ._tree import (
    BOOL_OPS,
    COMPARE_OPS,
    MATCH_OPS,
    NOWHERE,
    SECTION_KINDS,
    Array,
    Attribute,
    Bareword,
    BoolOp,
    Branch,
    Compare,
    Expr,
    Hash,
    HashEntry,
    If,
    In,
    Match,
    Not,
    Number,
    PipelineConfig,
    Plugin,
    Regex,
    Section,
    Selector,
    Statement,
    String,
    Value,
)
from ._values import merge_hashes, plugin_options, substitute_variables, to_python

__all__ = [
    "parse",
    "load",
    "config_files",
    "to_source",
    "to_python",
    "plugin_options",
    "substitute_variables",
    "merge_hashes",
    "unescape",
    "language_traps",
    "MAX_DEPTH",
    "NOWHERE",
    "SECTION_KINDS",
    "COMPARE_OPS",
    "MATCH_OPS",
    "BOOL_OPS",
    "PipelineConfig",
    "Section",
    "Plugin",
    "Attribute",
    "String",
    "Number",
    "Bareword",
    "Array",
    "Hash",
    "HashEntry",
    "Regex",
    "Selector",
    "Compare",
    "Match",
    "In",
    "Not",
    "BoolOp",
    "Branch",
    "If",
    "Value",
    "Expr",
    "Statement",
]
