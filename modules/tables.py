"""One DynamoDB table per @table type: on-demand, point-in-time recovery, encrypted with KMS
(the AWS managed key or the settings' own), TTL where items expire (@predict's table)."""

from __future__ import annotations

from constructs import Construct

from .aws import DynamodbTable, DynamodbTableAttribute, DynamodbTableGlobalSecondaryIndex
from .codegen.ir import Entity, Membership, Schema
from .codegen.ml import TTL_ATTRIBUTE, expiring
from .inputs import Inputs
from .naming import named


def table_name(inputs: Inputs, entity: Entity | Membership) -> str:
    return f"{inputs.name_prefix}-{entity.table}"


class Tables(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, schema: Schema) -> None:
        super().__init__(scope, id_)
        # One per entity and one per @membership list, keyed by data source name.
        self.by_type: dict[str, DynamodbTable] = {}
        self.expiring = expiring(schema)
        for table in schema.tables:
            self.by_type[table.ident] = self._table(inputs, table)

    def _table(self, inputs: Inputs, e: Entity | Membership) -> DynamodbTable:
        keys = list(e.key.names)
        for index in e.indexes:
            keys += [k for k in index.key.names if k not in keys]
        optional = {}
        if inputs.deletion_protection is not None:
            optional["deletion_protection_enabled"] = inputs.deletion_protection
        if getattr(e, "type_name", None) in self.expiring:
            # Stored predictions expire (prediction_ttl_days): the resolvers write the attribute.
            optional["ttl"] = {"attribute_name": TTL_ATTRIBUTE, "enabled": True}
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
            # enabled = true selects the AWS managed KMS key (aws/dynamodb), not DynamoDB's
            # default AWS owned key, unless the settings name a customer managed one.
            server_side_encryption={"enabled": True, **(
                {"kms_key_arn": inputs.kms_key_arn} if inputs.kms_key_arn else {})},
            tags=inputs.tags,
            **optional,
        ), f"table_{e.table}")
