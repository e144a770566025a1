"""The package step: one merge template from infra/, then `chalice package` of a staged copy.

`python -m infra.build --stage dev --out build` writes build/dev/package/{sam.json,deployment.zip}.
Chalice zips only app.py, chalicelib/ and vendor/ (whose contents land at the zip's root), so
the staged copy carries templates/, static/ and ping_app.py under vendor/: in the zip they sit beside
chalicelib/, where chalicelib/web/render.py looks for them, and the working tree stays clean.

/ping/ is served by an API Gateway HTTP API of its own (`ping_api`), not by Chalice's REST API:
the merge adds it, and `finish_template` takes the ping paths out of the REST API that
`chalice package` wrote (docs/ARCHITECTURE.md, "The ping function").
"""
import argparse
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
# The hand-written parts, merged in this order; tables come from infra/tables.py.
TEMPLATE_FILES = ["storage.yaml", "email.yaml", "alarms.yaml"]
# Chalice's function resources (logical ids it derives from app.py's handler names).
CHALICE_FUNCTIONS = ["APIHandler", "Sweep", "Reports", "Deliver", "IngestEmail", "EmailEvents"]
PING_FUNCTION = "PingHandler"
PING_PATH_PREFIX = "/ping/"
PING_API = "PingApi"
# Sized by measurement (infra/ping_function.py's child process, printed by bench.cost_model; the
# figures are in docs/ARCHITECTURE.md, "The ping function"): a container answering 1,000 pings of
# every form (boto3 and its S3 client included) peaks at ~56 MB resident, so 128 MB would fit.
# 256 MB has twice 128 MB's CPU share (Lambda: one vCPU at 1,769 MB): a warm ping bills ~80 ms
# instead of ~130, a cold start's CPU takes half as long, and an on-the-hour burst of pings needs
# half the concurrent containers, for ~$0.06 more per million pings (of ~$5.50). 512 MB would
# save ~20 ms a ping, which no cron job notices, for ~$0.12 more per million.
PING_MEMORY_MB = 256
# arm64 costs 20% less per GB-second. The zip is built for x86_64 and holds four compiled wheels
# (cffi, cryptography, markupsafe, charset_normalizer), none of which the ping path imports:
# tests/infra/test_ping_api.py runs every ping form in a child and fails if it loads any compiled
# module from outside the standard library. The other functions run app.py, which loads some of
# them (markupsafe with jinja2, cryptography for security keys): they stay x86_64.
PING_ARCHITECTURE = "arm64"
PING_TIMEOUT = 10
RUNTIME = "python3.11"
STAGED = ["app.py", "chalicelib", "requirements.txt"]
# ping_app.py is the ping Lambda's handler module: under vendor/ it lands at the zip's root.
# docs/site/ holds the /docs/ pages' Markdown; they show README.md's Configuration table and DEPLOY.md.
VENDORED = ["templates", "static", "ping_app.py", "docs/site", "docs/DEPLOY.md", "README.md"]

# Parameters only the functions need (the infra files declare their own).
FUNCTION_PARAMETERS = {
    "SiteRoot": {"Type": "String", "Description": "SITE_ROOT: the public URL of the dashboard, e.g. https://hc.example.org"},
    "PingEndpoint": {
        "Type": "String",
        "Default": "",
        "Description": "PING_ENDPOINT, the ping URL base shown to users, when something else fronts the ping API; "
        "empty means https://<PingDomainName>/ping/, or the ping API's own URL without a domain",
    },
    "PingDomainName": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": "^$|^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
        "Description": "A custom domain for the ping URLs, e.g. hc-ping.example.org (a regional API Gateway "
        "domain name mapped to the ping API); empty for none",
    },
    "PingCertificateArn": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": "^$|^arn:[a-z-]+:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$",
        "Description": "The ACM certificate for PingDomainName, in the stack's region; needed with PingDomainName",
    },
    "DefaultFromEmail": {"Type": "String", "Description": "DEFAULT_FROM_EMAIL: the sender of alerts, in a domain verified in SES"},
    "SecretKeyParameter": {
        "Type": "String",
        "AllowedPattern": "^/hc-[a-z0-9-]+/.+$",
        "Description": "The SSM SecureString parameter whose value is SECRET_KEY, e.g. /hc-prod/secret-key "
        "(the functions read it on first use; their policies allow /hc-*)",
    },
}


CONDITIONS = {
    "HasPingEndpoint": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PingEndpoint"}, ""]}]},
    # Both, so that cfn-lint (and a reader) sees the certificate is never used empty; the rule
    # below refuses a domain without one, rather than deploying no domain.
    "HasPingDomain": {
        "Fn::And": [
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "PingDomainName"}, ""]}]},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "PingCertificateArn"}, ""]}]},
        ]
    },
}
RULES = {
    "PingDomainNeedsCertificate": {
        "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PingDomainName"}, ""]}]},
        "Assertions": [{
            "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PingCertificateArn"}, ""]}]},
            "AssertDescription": "PingDomainName needs PingCertificateArn: an ACM certificate for it in the stack's region",
        }],
    },
}  # fmt: skip
PING_API_URL = {"Fn::Sub": "https://${" + PING_API + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/ping/"}
# PING_ENDPOINT, the ping URL base the dashboard shows: the parameter when given, else the custom
# domain, else the ping API's own address. Never <SiteRoot>/ping/: the REST API serves no /ping/.
PING_ENDPOINT = {
    "Fn::If": [
        "HasPingEndpoint", {"Ref": "PingEndpoint"},
        {"Fn::If": ["HasPingDomain", {"Fn::Sub": "https://${PingDomainName}/ping/"}, PING_API_URL]},
    ]
}  # fmt: skip


def _functions_environment() -> dict:
    """The variables every function gets from the stack, on top of the stage's config.json ones."""
    return {
        "STAGE": {"Ref": "Stage"},
        "SITE_ROOT": {"Ref": "SiteRoot"},
        "PING_ENDPOINT": PING_ENDPOINT,
        "DEFAULT_FROM_EMAIL": {"Ref": "DefaultFromEmail"},
        "PING_EMAIL_DOMAIN": {"Ref": "PingEmailDomain"},
        "SECRET_KEY_PARAMETER": {"Ref": "SecretKeyParameter"},
        "FLIPS_STREAM_ARN": {"Fn::GetAtt": ["FlipsTable", "StreamArn"]},
        "INBOUND_EMAIL_TOPIC": {"Fn::GetAtt": ["InboundEmailTopic", "TopicName"]},
        "EMAIL_EVENTS_TOPIC": {"Fn::GetAtt": ["EmailEventsTopic", "TopicName"]},
        "SES_CONFIGURATION_SET": {"Ref": "EmailConfigurationSet"},
    }


def load_yaml(name: str) -> dict:
    return yaml.safe_load((INFRA / name).read_text())


def merge_parts(parts: list[dict]) -> dict:
    """One template from several: parameters may repeat (the first wins), resources may not."""
    merged = {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": {}, "Conditions": {}, "Resources": {}, "Outputs": {}}
    for part in parts:
        for name, parameter in part.get("Parameters", {}).items():
            merged["Parameters"].setdefault(name, parameter)
        for section in ("Conditions", "Resources", "Outputs"):
            for name, value in part.get(section, {}).items():
                if name in merged[section]:
                    raise ValueError(f"{section} {name} is declared twice in infra/")
                merged[section][name] = value
    return merged


def ping_routes(app) -> dict[str, list[str]]:
    """The ping paths (ping_app.py's, also on app.py) and their methods, as API Gateway's swagger names them."""
    return {
        path: sorted(method.lower() for method in entries)
        for path, entries in app.routes.items()
        if path.startswith(PING_PATH_PREFIX)
    }


def route_id(path: str) -> str:
    """A route's logical id: /ping/{a}/{b} -> PingRouteAB."""
    return "PingRoute" + "".join(part[1:-1].upper() for part in path.split("/") if part.startswith("{"))


def ping_function(routes: dict[str, list[str]]) -> dict:
    """The ping routes' own Lambda: the same zip, its own handler, a small role, its own cold starts."""
    policy = json.loads((ROOT / ".chalice" / "policy-ping.json").read_text())
    return {
        PING_FUNCTION: {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Runtime": RUNTIME,
                "Handler": "ping_app.app",
                "CodeUri": "./deployment.zip",
                "Timeout": PING_TIMEOUT,
                "MemorySize": PING_MEMORY_MB,
                "Architectures": [PING_ARCHITECTURE],
                "Role": {"Fn::GetAtt": ["PingRole", "Arn"]},
            },
        },
        "PingRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                },
                "Policies": [{"PolicyName": "PingRolePolicy", "PolicyDocument": policy}],
            },
        },
        **ping_api(routes),
    }


def ping_api(routes: dict[str, list[str]]) -> dict:
    """An HTTP API for /ping/ ($1.00 per million requests; Chalice's REST API costs $3.50): one
    route per ping path for ANY method, each to PingHandler with payload format 1.0, the format
    Chalice's handler reads. With PingDomainName, a regional custom domain mapped to it."""
    api = {"Ref": PING_API}
    resources = {
        PING_API: {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {
                "Name": {"Fn::Sub": "hc-${Stage}-ping"},
                "ProtocolType": "HTTP",
                "Description": "Healthchecks-style ping URLs: /ping/<uuid>[/start|/fail|/log|/<exit status>] and /ping/<ping key>/<slug>[/...]",
            },
        },
        "PingIntegration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": api,
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": {"Fn::GetAtt": [PING_FUNCTION, "Arn"]},
                "PayloadFormatVersion": "1.0",
            },
        },
        "PingApiStage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": api, "StageName": "$default", "AutoDeploy": True},
        },
        "PingHandlerInvokePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": PING_FUNCTION},
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + PING_API + "}/*"
                },
            },
        },
        "PingDomain": {
            "Type": "AWS::ApiGatewayV2::DomainName",
            "Condition": "HasPingDomain",
            "Properties": {
                "DomainName": {"Ref": "PingDomainName"},
                "DomainNameConfigurations": [
                    {"CertificateArn": {"Ref": "PingCertificateArn"}, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}
                ],
            },
        },
        "PingApiMapping": {
            "Type": "AWS::ApiGatewayV2::ApiMapping",
            "Condition": "HasPingDomain",
            "DependsOn": ["PingApiStage"],
            "Properties": {"ApiId": api, "DomainName": {"Ref": "PingDomain"}, "Stage": "$default"},
        },
    }
    for path in routes:
        resources[route_id(path)] = {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {"ApiId": api, "RouteKey": f"ANY {path}", "Target": {"Fn::Sub": "integrations/${PingIntegration}"}},
        }
    return resources


def unknown_path_response() -> dict:
    """A path no route matches is a 404, as Healthchecks answers, not the REST API's 403 "Missing
    Authentication Token" (the only cause of that answer here: no route uses IAM auth)."""
    from chalicelib.api.core import UNKNOWN_PATH_BODY

    return {
        "UnknownPathIsNotFound": {
            "Type": "AWS::ApiGateway::GatewayResponse",
            "Properties": {
                "RestApiId": {"Ref": "RestAPI"},
                "ResponseType": "MISSING_AUTHENTICATION_TOKEN",
                "StatusCode": "404",
                "ResponseParameters": {"gatewayresponse.header.Content-Type": "'application/json'"},
                "ResponseTemplates": {"application/json": UNKNOWN_PATH_BODY},
            },
        }
    }


def finish_template(template: dict) -> dict:
    """`chalice package`'s template, finished: the REST API keeps no /ping/ path, so a ping can
    reach PingHandler only through the HTTP API (Chalice writes a path for every route of app.py,
    which has the ping routes for the local stack and the tests), and it treats every type as binary."""
    definition = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    for path in [p for p in definition["paths"] if p.startswith(PING_PATH_PREFIX)]:
        del definition["paths"][path]
    # The REST API decodes a base64 answer only when the client's first Accept value is a binary
    # type: with `*/*` every answer marked base64 (a badge PNG, a ping body, a download) arrives as
    # bytes, whatever the browser or client asks for. Answers not marked base64 pass as text.
    definition["x-amazon-apigateway-binary-media-types"] = ["*/*"]
    return template


def function_overrides() -> dict:
    """Deep-merged into Chalice's functions: the stack's variables, the real stream and topic."""
    environment = _functions_environment()
    resources = {
        name: {"Properties": {"Environment": {"Variables": environment}}}
        for name in CHALICE_FUNCTIONS + [PING_FUNCTION]
    }
    # Only the API's: the operators' metrics read the delivery function's stream lag (Deliver's
    # own environment naming Deliver would be a circular reference).
    resources["APIHandler"]["Properties"]["Environment"]["Variables"]["DELIVER_FUNCTION_NAME"] = {"Ref": "Deliver"}
    resources["Deliver"]["Properties"]["Events"] = {
        "DeliverDynamodbEventSource": {"Properties": {"Stream": {"Fn::GetAtt": ["FlipsTable", "StreamArn"]}}}
    }
    resources["IngestEmail"]["Properties"]["Events"] = {
        # Fn::Sub, the key Chalice's own value uses: the merge is deep, so a Ref would sit beside it.
        "IngestEmailSnsSubscription": {"Properties": {"Topic": {"Fn::Sub": "${InboundEmailTopic}"}}}
    }
    resources["EmailEvents"]["Properties"]["Events"] = {
        "EmailEventsSnsSubscription": {"Properties": {"Topic": {"Fn::Sub": "${EmailEventsTopic}"}}}
    }
    return resources


def _deep_merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merge_template(stage: str, app) -> dict:
    """The template `chalice package --merge-template` combines with Chalice's own."""
    from infra import tables

    template = merge_parts(
        [{"Resources": tables.resources()}] + [load_yaml(name) for name in TEMPLATE_FILES]
    )
    template["Parameters"]["Stage"] = {
        "Type": "String",
        "Default": stage,
        "AllowedValues": [stage],
        "Description": "The Chalice stage this package was built for; every name starts hc-<stage>-.",
    }
    template["Parameters"].update(FUNCTION_PARAMETERS)
    template["Conditions"].update(CONDITIONS)
    template["Rules"] = dict(RULES)
    resources = _deep_merge({**ping_function(ping_routes(app)), **unknown_path_response()}, function_overrides())
    for name, resource in resources.items():
        template["Resources"][name] = _deep_merge(template["Resources"].get(name, {}), resource)
    template["Outputs"].update({
        "PingFunctionName": {
            "Description": "The Lambda function that serves /ping/ (the rest of the API is APIHandler).",
            "Value": {"Ref": PING_FUNCTION},
        },
        "PingEndpointURL": {"Description": "PING_ENDPOINT: the ping URL base the dashboard shows.", "Value": PING_ENDPOINT},
        "PingApiURL": {"Description": "The ping API's own address (before any custom domain).", "Value": PING_API_URL},
        "PingDomainTarget": {
            "Description": "Point PingDomainName here: a CNAME, or a Route 53 alias with PingDomainHostedZoneId.",
            "Condition": "HasPingDomain",
            "Value": {"Fn::GetAtt": ["PingDomain", "RegionalDomainName"]},
        },
        "PingDomainHostedZoneId": {
            "Description": "The hosted zone of PingDomainTarget, for a Route 53 alias record.",
            "Condition": "HasPingDomain",
            "Value": {"Fn::GetAtt": ["PingDomain", "RegionalHostedZoneId"]},
        },
    })  # fmt: skip
    return template


def stage_source(source: Path) -> None:
    """A copy of what the functions need, with templates/ and static/ under vendor/."""
    source.mkdir(parents=True, exist_ok=True)
    for name in STAGED + ["vendor"]:
        target = source / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in STAGED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    for name in VENDORED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / "vendor" / name, ignore=ignore)
        else:
            (source / "vendor" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / "vendor" / name)
    write_search_index(source / "vendor" / "docs" / "site")
    chalice_dir = source / ".chalice"
    chalice_dir.mkdir(exist_ok=True)  # keeps deployments/, Chalice's cache of Lambda wheels
    for path in (ROOT / ".chalice").glob("*.json"):
        shutil.copy2(path, chalice_dir / path.name)


def write_search_index(docs_dir: Path) -> None:
    """The /docs/ search index, built here once so that no Lambda renders the pages for it."""
    from chalicelib.web import docs_site

    path = docs_dir / docs_site.SEARCH_INDEX_FILE
    path.write_text(json.dumps(docs_site.build_search_index(), ensure_ascii=False), encoding="utf-8")


def package(stage: str, out: Path) -> Path:
    """Build out/<stage>/package (sam.json and deployment.zip); returns that folder."""
    from app import app  # only its routes are read here; chalice imports it again with STAGE set

    build = out.resolve() / stage
    source = build / "source"
    stage_source(source)
    merge_file = build / "merge.json"
    merge_file.write_text(json.dumps(merge_template(stage, app), indent=2))
    target = build / "package"
    if target.exists():
        shutil.rmtree(target)
    environment = {**os.environ, "STAGE": stage, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(
        [str(chalice), "package", "--stage", stage, "--merge-template", str(merge_file), str(target)],
        cwd=source, env=environment, check=True,
    )  # fmt: skip
    sam = target / "sam.json"
    sam.write_text(json.dumps(finish_template(json.loads(sam.read_text())), indent=2))
    add_bytecode(target / "deployment.zip")
    return target


def add_bytecode(archive: Path) -> None:
    """Put each module's compiled bytecode beside it in the zip.

    Lambda's file system is read-only, so without it every cold start compiles every module it
    imports (about a second here, bench.cold_start's "no bytecode cache" row). Unchecked-hash
    .pyc files load without comparing the source's modification time, which unzipping may change.
    """
    if f"python{sys.version_info.major}.{sys.version_info.minor}" != RUNTIME:
        raise SystemExit(f"bytecode for {RUNTIME} needs that Python; this is {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as zipped:
        modules = [info for info in zipped.infolist() if info.filename.endswith(".py")]
        present = set(zipped.namelist())
        for info in modules:
            source = Path(scratch) / info.filename
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_bytes(zipped.read(info))
            compiled = Path(scratch) / "out.pyc"
            try:
                py_compile.compile(
                    str(source), str(compiled), dfile=f"/var/task/{info.filename}", doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )  # fmt: skip
            except py_compile.PyCompileError:
                continue  # a file no import reaches (e.g. a package's Python 2 example): left as is
            name = cache_name(info.filename)
            if name not in present:
                entry = zipfile.ZipInfo(name, date_time=info.date_time)
                entry.external_attr, entry.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
                zipped.writestr(entry, compiled.read_bytes())


def cache_name(module_path: str) -> str:
    """Where Python looks for a module's bytecode: pkg/mod.py -> pkg/__pycache__/mod.cpython-311.pyc."""
    folder, _, file_name = module_path.rpartition("/")
    cached = f"__pycache__/{file_name[:-3]}.{sys.implementation.cache_tag}.pyc"
    return f"{folder}/{cached}" if folder else cached


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev", choices=["dev", "prod"])
    parser.add_argument("--out", default="build", type=Path)
    args = parser.parse_args(argv)
    print(package(args.stage, args.out))


if __name__ == "__main__":
    main()
