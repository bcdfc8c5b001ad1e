"""The API's OpenAPI 3.1 document, written out rather than generated: it is the contract
customers' systems are built against, and a test checks that it and the routes agree."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*statuses: int) -> dict[str, Any]:
    said = {
        400: "bad request (no file, an empty file, no usable name)",
        401: "no valid token (missing, wrong, revoked)",
        403: "the token lacks the scope",
        404: "not this customer's, or no such thing",
        410: "expired: removed after the retention period",
        413: "larger than the upload limit; nothing was kept",
        415: "not a CRM export (.csv, .tsv, .txt, .xlsx)",
        429: "too many failed tokens from this address; wait the Retry-After seconds",
    }
    return {
        str(status): {
            "description": said[status],
            "content": {"application/json": {"schema": _ERROR}},
        }
        for status in statuses
    }


def _delivery_id() -> dict[str, Any]:
    return {
        "name": "delivery_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"},
    }


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "tietohuolto customer API",
        "version": "1",
        "description": "Hand CRM files over for refreshing and take the deliveries back. "
        "Every token belongs to one customer and sees only that customer's files. Tokens "
        "are issued by the operator (`tietohuolto users token add`), shown once, and can be "
        "revoked. Scopes: `files:upload`, `deliveries:read`. A delivery's status is one of "
        "waiting, running, delivered, refused (with the reason), failed, expired.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/files": {
            "post": {
                "summary": "Upload a CRM file",
                "description": "The body is the file itself (`?name=export.csv`, any "
                "content type) or a multipart/form-data form with one file part. It is "
                "streamed into the customer's inbox and refreshed when complete. Needs "
                "`files:upload`.",
                "parameters": [
                    {
                        "name": "name",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "the file's name (for a raw body)",
                    },
                    {
                        "name": "X-File-Name",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "the file's name instead of `?name=`: UTF-8, or "
                        "RFC 5987's `UTF-8''` followed by the percent-encoded name",
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/octet-stream": {
                            "schema": {"type": "string", "format": "binary"}
                        },
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        },
                    },
                },
                "responses": {
                    "201": {
                        "description": "taken; it waits for its refresh",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}
                        },
                    },
                    **_errors(400, 401, 403, 413, 415, 429),
                },
            }
        },
        "/api/v1/deliveries": {
            "get": {
                "summary": "List the customer's deliveries and files on their way",
                "description": "Newest first. Needs `deliveries:read`.",
                "responses": {
                    "200": {
                        "description": "the list",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "customer": {"type": "string"},
                                        "deliveries": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Delivery"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **_errors(401, 403, 429),
                },
            }
        },
        "/api/v1/deliveries/{delivery_id}": {
            "get": {
                "summary": "One delivery",
                "parameters": [_delivery_id()],
                "responses": {
                    "200": {
                        "description": "the delivery (status delivered or expired)",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Delivery"}
                            }
                        },
                    },
                    **_errors(401, 403, 404, 429),
                },
            }
        },
        "/api/v1/deliveries/{delivery_id}/files/{kind}": {
            "get": {
                "summary": "One file of a delivery",
                "description": "Recorded as a disclosure to the customer (who, when, which "
                "delivery and file).",
                "parameters": [
                    _delivery_id(),
                    {
                        "name": "kind",
                        "in": "path",
                        "required": True,
                        "schema": {
                            "type": "string",
                            "enum": [
                                "refreshed",
                                "report.html",
                                "report.md",
                                "summary.json",
                                "manifest.json",
                            ],
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "the file, as an attachment",
                        "content": {
                            "application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}
                            }
                        },
                    },
                    **_errors(401, 403, 404, 410, 429),
                },
            }
        },
        "/api/v1/uploads/{upload_id}": {
            "get": {
                "summary": "What became of an upload",
                "parameters": [
                    {
                        "name": "upload_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "its status, with the delivery once made",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Delivery"}
                            }
                        },
                    },
                    **_errors(401, 403, 404, 429),
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "th_<id>_<secret>"}
        },
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {
                            "status": {"type": "integer"},
                            "message": {"type": "string"},
                        },
                    }
                },
            },
            "Upload": {
                "type": "object",
                "properties": {
                    "upload_id": {"type": "string"},
                    "file_name": {"type": "string"},
                    "bytes": {"type": "integer"},
                    "sha256": {"type": "string"},
                    "status": {"type": "string"},
                    "status_url": {"type": "string"},
                },
            },
            "Delivery": {
                "type": "object",
                "properties": {
                    "status": {
                        "type": "string",
                        "enum": ["waiting", "running", "delivered", "refused", "failed", "expired"],
                    },
                    "delivery_id": {"type": ["string", "null"]},
                    "upload_id": {"type": ["string", "null"]},
                    "file_name": {"type": "string"},
                    "received_at": {"type": ["string", "null"], "format": "date-time"},
                    "delivered_at": {"type": ["string", "null"], "format": "date-time"},
                    "input_sha256": {"type": ["string", "null"]},
                    "rows": {"type": ["integer", "null"]},
                    "reason": {"type": ["string", "null"]},
                    "files": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "kind": {"type": "string"},
                                "name": {"type": "string"},
                                "bytes": {"type": ["integer", "null"]},
                                "sha256": {"type": ["string", "null"]},
                            },
                        },
                    },
                },
            },
        },
    },
}
