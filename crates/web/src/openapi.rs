//! The OpenAPI 3.0 document of `/api/v1`, written next to the handlers it describes (checked
//! against the running server by the schemathesis contract test, `tests/contract.rs`).

use serde_json::{Value, json};

fn nullable(t: &str) -> Value {
    json!({ "type": t, "nullable": true })
}

fn page_params() -> Value {
    json!([
        { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": crate::api::MAX_PAGE } },
        { "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": crate::api::MAX_PER_PAGE } }
    ])
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn ok(schema: Value) -> Value {
    json!({
        "description": "OK",
        "content": { "application/json": { "schema": schema } }
    })
}

/// The document; `public` leaves out the routes a read-only server does not have.
pub fn document(public: bool) -> Value {
    let item = json!({
        "type": "object",
        "required": ["item_id", "platform", "native_id", "url", "kind", "list", "policy", "seed", "added_at", "observations", "next_due", "paused"],
        "properties": {
            "item_id": { "type": "integer" },
            "platform": { "type": "string" },
            "native_id": { "type": "string" },
            "url": { "type": "string" },
            "kind": { "type": "string" },
            "list": { "type": "string" },
            "policy": { "type": "string" },
            "seed": { "type": "boolean" },
            "added_at": { "type": "integer", "description": "unix seconds" },
            "state": nullable("string"),
            "last_observed": nullable("integer"),
            "last_seen_live": nullable("integer"),
            "observations": { "type": "integer" },
            "next_due": { "type": "integer" },
            "paused": { "type": "boolean" }
        }
    });
    let event = json!({
        "type": "object",
        "required": ["item_id", "url", "platform", "kind", "at"],
        "properties": {
            "item_id": { "type": "integer" },
            "url": { "type": "string" },
            "platform": { "type": "string" },
            "kind": { "type": "string" },
            "at": { "type": "integer" },
            "state": nullable("string"),
            "last_seen_live": nullable("integer"),
            "first_seen_gone": nullable("integer")
        }
    });
    let mut paths = json!({
        "/api/v1/openapi.json": { "get": {
            "summary": "This document",
            "responses": { "200": ok(json!({ "type": "object" })) }
        }},
        "/api/v1/overview": { "get": {
            "summary": "Watchlists with counts by state, newest disappearances, observer health, ledger status",
            "responses": { "200": ok(json!({ "$ref": "#/components/schemas/Overview" })), "500": error_response("server error") }
        }},
        "/api/v1/items": { "get": {
            "summary": "Watched items, by id, keyset-paginated",
            "parameters": [
                { "name": "list", "in": "query", "schema": { "type": "string" } },
                { "name": "after", "in": "query", "description": "the previous page's next_after", "schema": { "type": "integer", "format": "int64" } },
                { "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": crate::api::MAX_PER_PAGE } }
            ],
            "responses": {
                "200": ok(json!({ "type": "object", "required": ["items"], "properties": {
                    "items": { "type": "array", "items": { "$ref": "#/components/schemas/Item" } },
                    "next_after": nullable("integer")
                }})),
                "400": error_response("bad parameters")
            }
        }},
        "/api/v1/items/{id}": { "get": {
            "summary": "One item: metadata, events, metric series, content versions with diffs, captures",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }],
            "responses": {
                "200": ok(json!({ "$ref": "#/components/schemas/ItemDetail" })),
                "400": error_response("bad id"),
                "404": error_response("no such item")
            }
        }},
        "/api/v1/events": { "get": {
            "summary": "Events, newest first",
            "parameters": [{ "name": "kind", "in": "query", "schema": { "type": "string" } }],
            "responses": {
                "200": ok(json!({ "type": "object", "required": ["page", "per_page", "events", "has_more"], "properties": {
                    "page": { "type": "integer" }, "per_page": { "type": "integer" },
                    "events": { "type": "array", "items": { "$ref": "#/components/schemas/Event" } },
                    "has_more": { "type": "boolean" }
                }})),
                "400": error_response("bad parameters")
            }
        }},
        "/api/v1/search": { "get": {
            "summary": "Full-text search of content versions",
            "parameters": [
                { "name": "q", "in": "query", "schema": { "type": "string" } },
                { "name": "list", "in": "query", "schema": { "type": "string" } },
                { "name": "state", "in": "query", "schema": { "type": "string" } },
                { "name": "platform", "in": "query", "schema": { "type": "string" } },
                { "name": "since", "in": "query", "schema": { "type": "string" } },
                { "name": "until", "in": "query", "schema": { "type": "string" } }
            ],
            "responses": {
                "200": ok(json!({ "type": "object", "required": ["page", "per_page", "total", "offset", "hits"], "properties": {
                    "page": { "type": "integer" }, "per_page": { "type": "integer" },
                    "total": { "type": "integer" }, "offset": { "type": "integer" },
                    "hits": { "type": "array", "items": { "$ref": "#/components/schemas/Hit" } }
                }})),
                "400": error_response("bad query")
            }
        }},
        "/api/v1/trend": { "get": {
            "summary": "Items per local day matching each term",
            "parameters": [
                { "name": "terms", "in": "query", "description": "comma-separated, at most 8", "schema": { "type": "string" } },
                { "name": "utc_offset", "in": "query", "schema": { "type": "integer", "minimum": -50400, "maximum": 50400 } }
            ],
            "responses": {
                "200": ok(json!({ "type": "object", "required": ["utc_offset", "series"], "properties": {
                    "utc_offset": { "type": "integer" },
                    "series": { "type": "array", "items": { "type": "object", "required": ["term", "days"], "properties": {
                        "term": { "type": "string" },
                        "days": { "type": "array", "items": { "type": "array", "items": { "type": "integer" }, "minItems": 2, "maxItems": 2 } }
                    }}}
                }})),
                "400": error_response("bad query")
            }
        }}
    });
    if let Some(map) = paths.as_object_mut() {
        let group = json!({ "type": "array", "items": { "type": "object",
        "required": ["group", "items", "gone", "gone_share"], "properties": {
            "group": { "type": "string" }, "items": { "type": "integer" }, "gone": { "type": "integer" },
            "gone_share": { "type": "number" }, "km_median_h": nullable("number")
        }}});
        map.insert(
            "/api/v1/deletions".into(),
            json!({ "get": {
                "summary": "The deletion report of `annals report deletions`: midpoint Kaplan–Meier survival, latency on log-spaced bins, per-term exact binomial tests, deletions by reason and platform",
                "description": "Computed in the background and kept. 202 while the first report of these parameters is being computed (ask again after `Retry-After` seconds); once one exists it is served at once, with `refreshing` set while a newer one is computed because the items changed.",
                "parameters": [
                    { "name": "list", "in": "query", "schema": { "type": "string" } },
                    { "name": "min_term_items", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1_000_000_000 } }
                ],
                "responses": {
                    "200": ok(json!({ "type": "object",
                        "required": ["list", "computed_at", "refreshing", "estimator", "min_term_items", "summary", "survival", "latency", "overall_share", "terms", "by_reason", "by_platform"],
                        "properties": {
                            "list": nullable("string"),
                            "computed_at": { "type": "string", "format": "date-time", "nullable": true },
                            "refreshing": { "type": "boolean" },
                            "estimator": { "type": "string", "enum": [crate::api::SURVIVAL_ESTIMATOR] },
                            "min_term_items": { "type": "integer" },
                            "summary": { "type": "object", "required": ["items", "gone", "excluded"], "properties": {
                                "items": { "type": "integer" }, "gone": { "type": "integer" }, "excluded": { "type": "integer" },
                                "km_median_h": nullable("number"),
                                "turnbull_median_low_h": nullable("number"), "turnbull_median_high_h": nullable("number"),
                                "median_latency_lower_h": nullable("number"), "median_latency_upper_h": nullable("number"),
                                "median_resolution_h": nullable("number")
                            }},
                            "survival": { "type": "array", "items": { "type": "object",
                                "required": ["time_h", "at_risk", "events", "censored", "survival_prob"], "properties": {
                                    "time_h": { "type": "number" }, "at_risk": { "type": "integer" }, "events": { "type": "integer" },
                                    "censored": { "type": "integer" }, "survival_prob": { "type": "number" },
                                    "ci95_low": nullable("number"), "ci95_high": nullable("number")
                                }}},
                            "latency": { "type": "array", "items": { "type": "object",
                                "required": ["lower_s", "deletions"], "properties": {
                                    "lower_s": { "type": "number" }, "upper_s": nullable("number"),
                                    "deletions": { "type": "number" }, "share": nullable("number")
                                }}},
                            "overall_share": nullable("number"),
                            "terms": { "type": "array", "items": { "type": "object",
                                "required": ["rank", "term", "items", "gone", "gone_share", "p_value", "q_value"], "properties": {
                                    "rank": { "type": "integer" }, "term": { "type": "string" }, "items": { "type": "integer" },
                                    "gone": { "type": "integer" }, "gone_share": { "type": "number" },
                                    "p_value": { "type": "number" }, "q_value": { "type": "number" }
                                }}},
                            "by_reason": group.clone(),
                            "by_platform": group
                        }})),
                    "202": {
                        "description": "The report is being computed",
                        "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                        "content": { "application/json": { "schema": { "type": "object",
                            "required": ["status", "started_at", "retry_after_s"], "properties": {
                                "status": { "type": "string", "enum": ["computing"] },
                                "started_at": { "type": "string", "format": "date-time" },
                                "retry_after_s": { "type": "integer" }
                            }}}}
                    },
                    "400": error_response("bad parameters")
                }
            }}),
        );
    }
    // Page parameters of the offset-paginated listings.
    for p in ["/api/v1/events", "/api/v1/search"] {
        if let Some(params) = paths[p]["get"]["parameters"].as_array_mut()
            && let Some(extra) = page_params().as_array()
        {
            params.extend(extra.iter().cloned());
        }
    }
    if !public && let Some(map) = paths.as_object_mut() {
        map.insert(
            "/api/v1/watch".into(),
            json!({ "post": {
                "summary": "Watch URLs or ids (archived as watch records). Needs the CSRF token (X-CSRF-Token) when authentication is on",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["urls"], "properties": {
                        "urls": { "type": "array", "items": { "type": "string" }, "minItems": 1 },
                        "list": { "type": "string" }, "policy": { "type": "string" }, "seed": { "type": "boolean" }
                    }
                }}}},
                "responses": {
                    "200": ok(json!({ "type": "array", "items": { "type": "object", "required": ["input", "added"], "properties": {
                        "input": { "type": "string" }, "url": nullable("string"), "item_id": nullable("integer"),
                        "added": { "type": "boolean" }, "error": nullable("string")
                    }}})),
                    "400": error_response("bad request"),
                    "415": error_response("not JSON"),
                    "422": error_response("JSON of the wrong shape")
                }
            }}),
        );
        let outcomes = json!({ "type": "array", "items": { "type": "object", "required": ["input", "added"], "properties": {
            "input": { "type": "string" }, "url": nullable("string"), "item_id": nullable("integer"),
            "added": { "type": "boolean" }, "error": nullable("string")
        }}});
        map.insert(
            "/api/v1/seeds".into(),
            json!({ "post": {
                "summary": "Add a seed, as `annals seed add KIND TARGET --list NAME` (its children are watched). Needs the CSRF token when authentication is on",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["kind", "target"], "properties": {
                        "kind": { "type": "string", "enum": ["feed", "weibo-user", "bilibili-uploader", "zhihu-question"] },
                        "target": { "type": "string" }, "list": { "type": "string" }, "policy": { "type": "string" }
                    }
                }}}},
                "responses": {
                    "200": ok(outcomes),
                    "400": error_response("bad request"),
                    "415": error_response("not JSON"),
                    "422": error_response("JSON of the wrong shape")
                }
            }}),
        );
        map.insert(
            "/api/v1/lists/{list}/policy".into(),
            json!({ "post": {
                "summary": "Set the policy of every item of a watchlist (archived, restored by `annals reindex`)",
                "parameters": [{ "name": "list", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["policy"], "properties": { "policy": { "type": "string" } }
                }}}},
                "responses": {
                    "200": ok(json!({ "type": "object", "required": ["list", "policy", "items"], "properties": {
                        "list": { "type": "string" }, "policy": { "type": "string" }, "items": { "type": "integer" }
                    }})),
                    "400": error_response("bad request"),
                    "404": error_response("no such list"),
                    "415": error_response("not JSON"),
                    "422": error_response("JSON of the wrong shape")
                }
            }}),
        );
        map.insert(
            "/api/v1/items/{id}/paused".into(),
            json!({ "post": {
                "summary": "Pause or resume an item",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["paused"], "properties": { "paused": { "type": "boolean" } }
                }}}},
                "responses": {
                    "200": ok(json!({ "type": "object", "required": ["item_id", "paused"], "properties": {
                        "item_id": { "type": "integer" }, "paused": { "type": "boolean" }
                    }})),
                    "400": error_response("bad id"),
                    "404": error_response("no such item"),
                    "415": error_response("not JSON"),
                    "422": error_response("JSON of the wrong shape")
                }
            }}),
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "annals API",
            "version": "1",
            "description": "Everything the annals web UI shows. Times are unix seconds (UTC)."
        },
        "paths": paths,
        "components": { "schemas": {
            "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
            "Item": item,
            "Event": event,
            "Overview": {
                "type": "object",
                "required": ["lists", "disappearances", "health", "ledger"],
                "properties": {
                    "lists": { "type": "array", "items": { "type": "object", "required": ["list", "total", "states"], "properties": {
                        "list": { "type": "string" }, "total": { "type": "integer" },
                        "states": { "type": "object", "additionalProperties": { "type": "integer" } }
                    }}},
                    "disappearances": { "type": "array", "items": { "$ref": "#/components/schemas/Event" } },
                    "health": { "type": "object", "required": ["items", "due", "due_at_least", "claimed", "requests_per_min", "blocked_hosts"], "properties": {
                        "items": { "type": "integer" }, "due": { "type": "integer" }, "due_at_least": { "type": "boolean" }, "claimed": { "type": "integer" },
                        "next_due": nullable("integer"), "requests_per_min": { "type": "number" },
                        "blocked_hosts": { "type": "array", "items": { "type": "object", "required": ["host", "until", "strikes"], "properties": {
                            "host": { "type": "string" }, "until": { "type": "integer" }, "strikes": { "type": "integer" }
                        }}}
                    }},
                    "ledger": { "type": "object", "required": ["size", "root"], "properties": {
                        "size": { "type": "integer" }, "root": { "type": "string" }, "last_checkpoint_size": nullable("integer")
                    }}
                }
            },
            "ItemDetail": {
                "type": "object",
                "required": ["item", "events", "metrics", "versions", "captures", "proof_available"],
                "properties": {
                    "item": { "$ref": "#/components/schemas/Item" },
                    "events": { "type": "array", "items": { "type": "object", "required": ["item_id", "kind", "at", "detail"], "properties": {
                        "item_id": { "type": "integer" }, "kind": { "type": "string" }, "at": { "type": "integer" },
                        "state": nullable("string"), "last_seen_live": nullable("integer"), "first_seen_gone": nullable("integer"),
                        "detail": { "type": "string" }
                    }}},
                    "metrics": { "type": "array", "items": { "type": "object", "required": ["name", "points"], "properties": {
                        "name": { "type": "string" },
                        "points": { "type": "array", "items": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 } }
                    }}},
                    "versions": { "type": "array", "items": { "type": "object", "required": ["content_hash", "first_seen", "diff"], "properties": {
                        "content_hash": { "type": "string" }, "first_seen": { "type": "integer" },
                        "title": nullable("string"), "author": nullable("string"), "published_at": nullable("string"), "body": nullable("string"),
                        "diff": { "type": "array", "items": { "type": "object", "required": ["op", "text"], "properties": {
                            "op": { "type": "string", "enum": ["=", "-", "+"] }, "text": { "type": "string" }
                        }}}
                    }}},
                    "captures": { "type": "array", "items": { "type": "object", "required": ["record_id", "observed_at", "state", "http_status"], "properties": {
                        "record_id": { "type": "string" }, "observed_at": { "type": "integer" }, "state": { "type": "string" },
                        "http_status": { "type": "integer" }, "url": nullable("string"), "record_type": nullable("string"), "mime": nullable("string")
                    }}},
                    "proof_available": { "type": "boolean" }
                }
            },
            "Hit": {
                "type": "object",
                "required": ["item_id", "version", "platform", "lists", "url", "title_html", "snippet_html", "observed_at", "score"],
                "properties": {
                    "item_id": { "type": "integer" }, "version": { "type": "string" }, "platform": { "type": "string" },
                    "lists": { "type": "array", "items": { "type": "string" } }, "url": { "type": "string" },
                    "title": nullable("string"),
                    "title_html": { "type": "string", "description": "escaped HTML, matches in <mark>" },
                    "author": nullable("string"),
                    "snippet_html": { "type": "string", "description": "escaped HTML, matches in <mark>" },
                    "published_at": nullable("integer"), "observed_at": { "type": "integer" },
                    "state": nullable("string"), "gone_since": nullable("integer"), "score": { "type": "number" }
                }
            }
        }}
    })
}
