"""JSON Schemas of GeoReport v2's JSON documents, written from the specification's field tables (the same
documents open311/schema-validation describes): list responses are bare arrays, dates carry a timezone."""

from typing import Any

W3C_DATETIME_WITH_ZONE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
DATE = {"type": "string", "pattern": W3C_DATETIME_WITH_ZONE}
TEXT = {"type": ["string", "null"]}

SERVICES: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string"},
            "description": TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": TEXT,
            "group": TEXT,
        },
    },
}

SERVICE_DEFINITION: dict[str, Any] = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string", "minLength": 1},
                    "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                          "multivaluelist"]},
                    "required": {"type": "boolean"},
                    "datatype_description": TEXT,
                    "order": {"type": "integer", "minimum": 1},
                    "description": {"type": "string"},
                    "values": {"type": "array", "items": {"type": "object", "required": ["key", "name"]}},
                },
            },
        },
    },
}

REQUESTS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "status", "requested_datetime"],
        "properties": {
            "service_request_id": {"type": "string", "minLength": 1},
            "status": {"enum": ["open", "closed"]},
            "status_notes": TEXT,
            "service_name": TEXT,
            "service_code": TEXT,
            "description": TEXT,
            "agency_responsible": TEXT,
            "service_notice": TEXT,
            "requested_datetime": DATE,
            "updated_datetime": DATE,
            "expected_datetime": DATE,
            "address": TEXT,
            "address_id": TEXT,
            "zipcode": TEXT,
            "lat": {"type": ["number", "string"]},
            "long": {"type": ["number", "string"]},
            "media_url": TEXT,
        },
    },
}

POST_RESPONSE: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "oneOf": [{"required": ["token"], "not": {"required": ["service_request_id"]}},
                  {"required": ["service_request_id"], "not": {"required": ["token"]}}],
    },
}

TOKEN: dict[str, Any] = {
    "type": "array",
    "items": {"type": "object", "required": ["token"],
              "properties": {"service_request_id": TEXT, "token": {"type": "string"}}},
}

ERRORS: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": ["integer", "string"]}, "description": {"type": "string"}}},
}

DISCOVERY: dict[str, Any] = {
    "type": "object",
    "required": ["endpoints"],
    "properties": {
        "changeset": DATE,
        "endpoints": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["specification", "url", "formats"],
            "properties": {"formats": {"type": "array", "items": {"type": "string"}}}}},
    },
}
