"""One DynamoDB table per @table type: on-demand, point-in-time recovery, encrypted."""

from __future__ import annotations

from constructs import Construct

from .aws import DynamodbTable, DynamodbTableAttribute, DynamodbTableGlobalSecondaryIndex
from .codegen.ir import Entity, Membership, Schema
from .inputs import Inputs
from .naming import named


def table_name(inputs: Inputs, entity: Entity | Membership) -> str:
    return f"{inputs.name_prefix}-{entity.table}"


class Tables(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, schema: Schema) -> None:
        super().__init__(scope, id_)
        # One per entity and one per @membership list, keyed by data source name.
        self.by_type: dict[str, DynamodbTable] = {}
        for table in schema.tables:
            self.by_type[table.ident] = self._table(inputs, table)

    def _table(self, inputs: Inputs, e: Entity | Membership) -> DynamodbTable:
        keys = list(e.key.names)
        for index in e.indexes:
            keys += [k for k in index.key.names if k not in keys]
        optional = {}
        if inputs.deletion_protection is not None:
            optional["deletion_protection_enabled"] = inputs.deletion_protection
        return named(DynamodbTable(
            self, e.table,
            name=table_name(inputs, e),
            billing_mode="PAY_PER_REQUEST",
            hash_key=e.key.hash,
            range_key=e.key.range,
            # Lists of structs need the struct classes (jsii converts only single dicts).
            attribute=[DynamodbTableAttribute(name=k, type=e.attribute_type(k)) for k in keys],
            global_secondary_index=[DynamodbTableGlobalSecondaryIndex(
                name=i.name, hash_key=i.key.hash, range_key=i.key.range, projection_type="ALL",
            ) for i in e.indexes] or None,
            point_in_time_recovery={"enabled": True},
            # AWS-managed key unless the settings name a customer managed one.
            server_side_encryption={"enabled": True, **(
                {"kms_key_arn": inputs.kms_key_arn} if inputs.kms_key_arn else {})},
            tags=inputs.tags,
            **optional,
        ), f"table_{e.table}")
