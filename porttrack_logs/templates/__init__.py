"""PortTrack's index templates: the field list (`fields()`), the template documents built from it,
`install` onto a cluster, and the offline mapping check behind `porttrack-logs check --template`."""

from ._build import NAME, PRIORITY, VERSION, component_templates, documents, export, ilm_policy, index_template, render
from ._fields import COMPONENTS, FieldSpec, fields
from ._install import install

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
]
