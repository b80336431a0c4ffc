"""Stable, readable Terraform addresses."""

from typing import TypeVar

from cdktf import TerraformResource

R = TypeVar("R", bound=TerraformResource)


def named(resource: R, logical_id: str) -> R:
    """Give a resource a fixed address (aws_x.<logical_id>) instead of a path hash.

    Must run before anything references the resource: cdktf fixes the id at first reference.
    """
    resource.override_logical_id(logical_id)
    return resource
