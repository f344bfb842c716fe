"""``/docs``: the API reference as plain HTML, generated from ``/openapi.json``.

FastAPI's own ``/docs`` loads Swagger UI from a CDN; docmine must work
offline, so the same OpenAPI document is rendered server-side instead (no
script). ``/openapi.json`` is served as usual for tools.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ..deps import get_lang, require_reader

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_reader)])


@router.get("/docs")
def api_docs(request: Request, lang: str = Depends(get_lang)):
    from ..app import page_context
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p.get("name"), "in": p.get("in"), "required": p.get("required"),
                       "type": _type(p.get("schema", {}), spec), "description": p.get("description")
                       or p.get("schema", {}).get("description")}
                      for p in op.get("parameters", [])]
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary"),
                        "description": (op.get("description") or "").replace("`", ""),
                        "params": params,
                        "responses": sorted(op.get("responses", {}))})
    return request.app.state.templates.TemplateResponse(
        request, "apidocs.html", {"ops": ops, "info": spec.get("info", {}),
                                  **page_context(request, lang)})


def _type(schema: dict, spec: dict) -> str:
    if "anyOf" in schema:
        return " | ".join(_type(s, spec) for s in schema["anyOf"] if s.get("type") != "null")
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = spec.get("components", {}).get("schemas", {}).get(name)
        return _type(target, spec) if target else name
    if schema.get("pattern"):
        return f"{schema.get('type', '')} ({schema['pattern']})"
    return schema.get("type", "")
