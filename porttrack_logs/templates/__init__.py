"""PortTrack's index templates: the field list (`fields()`), the template documents built from it,
`install` onto a cluster, and the offline mapping check behind `porttrack-logs check --template`."""

from ._build import NAME, PRIORITY, VERSION, component_templates, documents, export, ilm_policy, index_template, render
from ._fields import COMPONENTS, FieldSpec, fields
from ._check import DocumentResult, Finding, MappingReport, check_pipeline, sample_events
from ._install import install
from ._deadletters import DEADLETTER_NAME, deadletter_fields, deadletter_index, deadletter_template
from ._mapping import IndexState, Mappings, Problem, Verdict, load_document

__all__ = [
    "FieldSpec",
    "fields",
    "COMPONENTS",
    "NAME",
    "PRIORITY",
    "VERSION",
    "component_templates",
    "index_template",
    "ilm_policy",
    "documents",
    "render",
    "export",
    "install",
    "Mappings",
    "IndexState",
    "Problem",
    "Verdict",
    "load_document",
    "check_pipeline",
    "sample_events",
    "MappingReport",
    "Finding",
    "DocumentResult",
    "DEADLETTER_NAME",
    "deadletter_fields",
    "deadletter_index",
    "deadletter_template",
]
