"""Codegen: parse the annotated schema -> intermediate model -> rendered VTL (files last)."""

from .parse import SchemaError, load

__all__ = ["SchemaError", "load"]
