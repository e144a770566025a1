"""The REST API reference of /docs/api/, written from openapi.json when the page is rendered, so it
lists every operation the document has, with its example request and answer, and cannot drift from it."""
import json
import re
import shlex
from functools import cache
from urllib.parse import urlencode

from chalicelib.api import openapi

METHODS = ["get", "post", "put", "patch", "delete"]
# The site the document's examples are written for, shown to the reader as their own (the ping
# URLs first: PING_ENDPOINT may be a host of its own).
EXAMPLE_SITE = {"https://hc.example.org/ping/": "%PING_ENDPOINT%", "https://hc.example.org": "%SITE_ROOT%"}
CURL_LINE = 110  # a longer command line is cut into one option a line


@cache
def document() -> dict:
    with open(openapi.PATH, encoding="utf-8") as f:
        return json.load(f)


def operations() -> list[tuple[str, str, dict]]:
    """(METHOD, full path, operation) of every operation, in the document's order."""
    doc = document()
    base = doc["servers"][0]["url"].rstrip("/")
    found = []
    for path, item in doc["paths"].items():
        prefix = item["servers"][0]["url"].rstrip("/") if item.get("servers") else base
        for method in METHODS:
            if method in item:
                found.append((method.upper(), prefix + path, item[method]))
    return found


def anchor(operation: dict) -> str:
    """The heading id of an operation: its operationId in lower case with dashes."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", operation["operationId"]).lower()


def reference_markdown() -> str:
    """Markdown: an index of the operations by tag, then one section per operation."""
    doc = document()
    ops = operations()
    tags = [tag["name"] for tag in doc.get("tags", [])]
    tags += sorted({op["tags"][0] for _, _, op in ops if op.get("tags")} - set(tags))
    lines = ["| operation | method and path |", "|---|---|"]
    for method, path, op in ops:
        lines.append(f"| [{op.get('summary', op['operationId'])}](#{anchor(op)}) | `{method} {path}` |")
    lines.append("")
    for tag in tags:
        tagged = [(m, p, op) for m, p, op in ops if (op.get("tags") or [""])[0] == tag]
        if not tagged:
            continue
        description = next((t.get("description", "") for t in doc.get("tags", []) if t["name"] == tag), "")
        lines += [f"### Operations: {tag}", "", description, ""]
        for method, path, op in tagged:
            lines += _operation(method, path, op)
    return "\n".join(lines) + "\n"


def _operation(method: str, path: str, op: dict) -> list[str]:
    lines = [f"#### {op.get('summary', op['operationId'])} {{#{anchor(op)}}}", "", f"`{method} {path}`", ""]
    if op.get("description"):
        lines += [_one_line(op["description"]), ""]
    if op.get("security") == []:
        lines += ["No API key needed.", ""]
    parameters = [resolve(p) for p in op.get("parameters", [])]
    if parameters:
        lines += ["| parameter | in | meaning |", "|---|---|---|"]
        for p in parameters:
            lines.append(f"| `{p['name']}` | {p['in']} | {_cell(p.get('description', ''), p.get('schema', {}))} |")
        lines.append("")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        schema = resolve(body)
        properties = schema.get("properties", {})
        if schema.get("description"):
            lines += [_one_line(schema["description"]), ""]
        if properties:
            lines += ["| field (JSON body) | type | meaning |", "|---|---|---|"]
            for name, prop in properties.items():
                lines.append(f"| `{name}` | {_type(prop)} | {_cell(prop.get('description', ''), prop)} |")
            lines.append("")
    lines += ["| answer | meaning |", "|---|---|"]
    for code, response in op.get("responses", {}).items():
        lines.append(f"| {code} | {_one_line(resolve(response).get('description', ''))} |")
    lines.append("")
    return lines + _example(method, path, op)


def example_answer(op: dict) -> tuple[int, str, dict] | None:
    """(status, media type, media type object) of the operation's 2xx answer that has an example."""
    for code, response in op.get("responses", {}).items():
        if code.startswith("2"):
            for media, content in resolve(response).get("content", {}).items():
                if "example" in content or "examples" in content:
                    return int(code), media, content
    return None


def path_examples(op: dict) -> dict[str, str]:
    """The operation's path parameters, each as its example."""
    parameters = [resolve(p) for p in op.get("parameters", [])]
    return {p["name"]: str(p["example"]) for p in parameters if p["in"] == "path"}


def curl(method: str, path: str, op: dict, path_values: dict | None = None) -> str:
    """The example request as a curl command: the path parameters' examples (or path_values), the
    API key as $KEY, a header parameter as $NAME (X-Metrics-Key: $METRICS_KEY), the body's example."""
    parameters = [resolve(p) for p in op.get("parameters", [])]
    values = path_examples(op) | (path_values or {})
    url = "%SITE_ROOT%" + re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    start = " ".join(["curl", *([] if method == "GET" else ["-X", method]), shlex.quote(url)])
    options = []
    if op.get("security", document()["security"]):
        options += ["-H", '"X-Api-Key: $KEY"']
    for p in parameters:
        if p["in"] == "header":
            options += ["-H", f'"{p["name"]}: ${p["name"].removeprefix("X-").upper().replace("-", "_")}"']
    content = op.get("requestBody", {}).get("content", {})
    if "example" in content.get("application/json", {}):
        options += ["-d", shlex.quote(json.dumps(content["application/json"]["example"], ensure_ascii=False))]
    elif "example" in content.get("application/x-www-form-urlencoded", {}):
        options += ["-d", shlex.quote(urlencode(content["application/x-www-form-urlencoded"]["example"]))]
    command = " ".join([start, *options])
    if len(command) <= CURL_LINE:
        return command
    # One option (and its value) a line, so that a body reads at a glance.
    pairs = [" ".join(options[i:i + 2]) for i in range(0, len(options), 2)]
    return " \\\n     ".join([start, *pairs])


def _example(method: str, path: str, op: dict) -> list[str]:
    lines = ["Example:", "", "```sh", curl(method, path, op), "```", ""]
    answer = example_answer(op)
    if answer is None:
        return lines
    code, media, content = answer
    if "example" not in content:  # a note on what the answer is (an image, this document)
        note = next(iter(content["examples"].values()))["summary"]
        return lines + [f"Answer {code} ({media}): {note}", ""]
    example = content["example"]
    if not example:
        return lines + [f"Answer {code}, with an empty body.", ""]
    if media == "application/json":
        language, text = "json", json.dumps(example, indent=2, ensure_ascii=False)
    else:
        language, text = "text", example.rstrip("\n")
    for site, placeholder in EXAMPLE_SITE.items():
        text = text.replace(site, placeholder)
    return lines + [f"Answer {code}:", "", f"```{language}", text, "```", ""]


def resolve(node: dict) -> dict:
    """A "$ref" to #/components/... replaced by what it names (one level is all the document uses)."""
    ref = node.get("$ref")
    if not ref:
        return node
    target = document()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def _type(prop: dict) -> str:
    prop = resolve(prop)
    kind = prop.get("type", "")
    if kind == "array":
        kind = f"array of {_type(prop.get('items', {}))}"
    if isinstance(kind, list):
        kind = " or ".join(kind)
    return kind + (" (deprecated)" if prop.get("deprecated") else "")


def _cell(description: str, schema: dict) -> str:
    """A table cell: the description and the schema's limits, with | escaped."""
    schema = resolve(schema)
    limits = []
    if "enum" in schema:
        limits.append("one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"]))
    if "minimum" in schema or "maximum" in schema:
        limits.append(f"{schema.get('minimum', '…')} to {schema.get('maximum', '…')}")
    if "maxLength" in schema:
        limits.append(f"at most {schema['maxLength']} characters")
    if "pattern" in schema:
        limits.append(f"matches `{schema['pattern']}`")
    if schema.get("x-extension"):
        limits.append("beyond Healthchecks (v3)")
    text = " ".join(part for part in [_one_line(description), "; ".join(limits)] if part)
    return text.replace("|", "\\|")


def _one_line(text: str) -> str:
    return " ".join(text.split())
