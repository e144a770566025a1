"""Cost model: the monthly AWS cost of what infra/ deploys, from the template it builds and the
calls, capacity and CPU a ping and the scheduled functions are measured to use.

`python -m bench.cost_model [--samples 100] [--stage dev] [--template PATH] [--memory-pings 1000]`

What is deployed is read from the template, never assumed here: build/<stage>/package/sam.json
when `make package` has written it (a warning says when a source is newer), else one built now
with `infra.build` in a temporary folder. From it: how /ping/ reaches its function (REST API, HTTP
API or a function URL), each function's MemorySize, Architectures and Timeout, the schedules of
the scheduled functions, the alarms, the secrets the stack resolves and the tables' backups.

The sweep's cost per run is `bench.sweep_pass.measure_idle_tick()`: one scheduled tick with
nothing due within its minute (its Queries, read units, wall and CPU time), with 0 checks and
with the checks on time the run adds.
"""
import argparse
import copy
import dataclasses
import json
import math
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# AWS list prices, us-east-1, on-demand, in USD, as known at PRICES_AS_OF (not fetched: this machine
# has no web access). Free tiers are left out. Check https://aws.amazon.com/pricing before relying on them.
PRICES_AS_OF = "2025-01 (DynamoDB on-demand after the 2024-11-01 price cut)"
PRICES = {
    "dynamodb_read_request_unit": 0.125 / 1e6,
    "dynamodb_write_request_unit": 0.625 / 1e6,
    "dynamodb_storage_gb_month": 0.25,
    "dynamodb_pitr_gb_month": 0.20,  # continuous backups, per GB of table data
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_x86_64": 0.0000166667,
    "lambda_gb_second_arm64": 0.0000133334,
    "http_api_request": 1.00 / 1e6,  # API Gateway HTTP API, first 300 million a month
    "rest_api_request": 3.50 / 1e6,  # API Gateway REST API (what Chalice creates), first 333 million
    "function_url_request": 0.0,  # a Lambda function URL: only the function's own requests and time
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
    "s3_storage_gb_month": 0.023,
    "eventbridge_rule_scheduled_event": 0.0,  # SAM `Schedule` (an EventBridge rule): no charge per event
    "eventbridge_scheduler_invocation": 1.00 / 1e6,  # SAM `ScheduleV2` (EventBridge Scheduler)
    "ses_inbound_email": 0.10 / 1000,
    "ses_inbound_chunk_256kb": 0.09 / 1000,
    "cloudwatch_logs_ingest_gb": 0.50,
    "cloudwatch_alarm_month": 0.10,  # a standard-resolution alarm on one metric
    "secrets_manager_secret_month": 0.40,
}
# How /ping/ can reach its function, and what each request costs on top of the function's own.
API_PRICE = {"REST API": "rest_api_request", "HTTP API": "http_api_request", "function URL": "function_url_request"}
HOURS_PER_MONTH = 730  # AWS's own convention
MINUTES_PER_MONTH = HOURS_PER_MONTH * 60
GB = 1024**3
MIN_QUERY_UNITS = 0.5
ITEM_OVERHEAD = 100  # bytes DynamoDB adds to each stored item (and index entry) for billing
LAMBDA_MB_PER_VCPU = 1769  # Lambda gives one full vCPU at 1,769 MB, a proportional share below
LAMBDA_DEFAULTS = {"MemorySize": 128, "Timeout": 3, "Architectures": ["x86_64"]}
# Assumed, not measured: Lambda's own START, END and REPORT log lines per invocation.
LOG_BYTES_PER_INVOCATION = 300
# Assumed, not measured here: what Lambda's Python runtime adds to the handler's process (its
# runtime interface client); a function that does nothing reports ~30-40 MB "Max Memory Used".
RUNTIME_ALLOWANCE_MB = 30
MEMORY_CHOICES = [128, 256, 512, 1024, 1769]
SWEEP_HANDLER, REPORTS_HANDLER = "app.sweep", "app.send_reports"
PING_METHODS = ["delete", "get", "head", "options", "patch", "post", "put"]
SOURCES = ["infra/*.py", "infra/*.yaml", ".chalice/*.json", "app.py", "ping_app.py", "requirements.txt"]

# The other ways to run 1,000 or 100,000 checks, as known at ALTERNATIVES_AS_OF (not fetched).
ALTERNATIVES_AS_OF = "2025-01; check healthchecks.io/pricing and the VPS host's prices"
HEALTHCHECKS_IO_PLANS = [  # (plan, USD a month billed monthly, checks included)
    ("Hobbyist", 0, 20), ("Supporter", 5, 20), ("Business", 20, 100), ("Business Plus", 80, 1_000),
]  # fmt: skip
VPS_MONTH = 5.0  # 1 vCPU, 1 GB, ~25 GB SSD (DigitalOcean, Linode, Vultr class; Hetzner is less)
SCENARIOS = [(1_000, 12, "1,000 checks pinged every 5 minutes"), (100_000, 1, "100,000 checks pinged hourly")]


# --- what the template deploys ---------------------------------------------------------------


@dataclass
class Function:
    name: str  # logical id
    handler: str
    memory_mb: int
    architecture: str
    timeout: int
    schedules: list[tuple[str, str]] = field(default_factory=list)  # (event type, expression)
    environment: dict[str, str] = field(default_factory=dict)  # the plain string values only

    @property
    def gb_second(self) -> float:
        return PRICES[f"lambda_gb_second_{self.architecture}"]

    def runs_per_month(self) -> float:
        return sum(runs_per_month(expression) for _, expression in self.schedules)

    def schedule_event_price(self) -> float:
        """Per run: a SAM `Schedule` is an EventBridge rule, `ScheduleV2` an EventBridge Scheduler schedule."""
        prices = [PRICES["eventbridge_scheduler_invocation" if kind == "ScheduleV2" else "eventbridge_rule_scheduled_event"]
                  for kind, _ in self.schedules]  # fmt: skip
        return max(prices, default=0.0)

    def describe(self) -> str:
        return f"{self.memory_mb} MB {self.architecture}"


@dataclass
class Deployment:
    ping_api: str  # a key of API_PRICE
    ping_function: Function
    functions: dict[str, Function]
    alarms: int  # made whatever the parameters
    paging_alarms: int  # made only with a parameter set (AlarmEmail: someone to page)
    secrets: list[str]
    backups: bool  # point-in-time recovery on every table

    def by_handler(self, handler: str) -> Function:
        [function] = [f for f in self.functions.values() if f.handler == handler]
        return function


def _names(value) -> set[str]:
    """The logical ids a template value refers to (Ref, Fn::GetAtt, ${Name} or ${Name.Attr} in Fn::Sub)."""
    if isinstance(value, list):
        return set().union(*(_names(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    if "Ref" in value:
        return {value["Ref"]}
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return {target[0] if isinstance(target, list) else target.split(".")[0]}
    if "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, variables = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
        return set(re.findall(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}", text)) - set(variables) | _names(variables)
    return set().union(*(_names(v) for v in value.values())) if value else set()


def _functions(template: dict) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items()
            if r.get("Type") in ("AWS::Serverless::Function", "AWS::Lambda::Function")}  # fmt: skip


def ping_routes(template: dict) -> set[tuple[str, str]]:
    """Every way a request for /ping/... reaches a function: (API type, function's logical id)."""
    resources, functions = template["Resources"], _functions(template)
    found = set()
    for name, resource in resources.items():
        kind, properties = resource.get("Type"), resource.get("Properties", {})
        if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            for path, methods in (properties.get("DefinitionBody") or {}).get("paths", {}).items():
                if path.startswith("/ping/"):
                    for method in methods.values():
                        uri = method.get("x-amazon-apigateway-integration", {}).get("uri") if isinstance(method, dict) else None
                        found |= {("REST API", f) for f in _names(uri) & set(functions)}
        elif kind == "AWS::ApiGateway::Resource" and str(properties.get("PathPart", "")).startswith("ping"):
            found.add(("REST API", "?"))  # a REST resource tree: count it, whichever function it reaches
        elif kind == "AWS::ApiGatewayV2::Route" and re.match(r"^\S+ /ping/", properties.get("RouteKey", "")):
            for integration in _names(properties.get("Target")) & set(resources):
                uri = resources[integration]["Properties"].get("IntegrationUri")
                api = resources.get(next(iter(_names(resources[integration]["Properties"].get("ApiId"))), ""), {})
                api_type = "HTTP API" if api.get("Properties", {}).get("ProtocolType", "HTTP") == "HTTP" else "WebSocket"
                found |= {(api_type, f) for f in _names(uri) & set(functions)}
        elif kind == "AWS::Lambda::Url":
            found |= {("function URL", f) for f in _names(properties.get("TargetFunctionArn")) & set(functions)}
    for name, resource in functions.items():
        properties = resource.get("Properties", {})
        for event in (properties.get("Events") or {}).values():
            path = str(event.get("Properties", {}).get("Path", ""))
            if event.get("Type") in ("Api", "HttpApi") and path.startswith("/ping/"):
                found.add(("REST API" if event["Type"] == "Api" else "HTTP API", name))
        if properties.get("FunctionUrlConfig") and properties.get("Handler") == "ping_app.app":
            found.add(("function URL", name))
    return found


def ping_front_door(template: dict) -> tuple[str, str]:
    """The one API type that serves /ping/ and the function behind it; two would be a mistake."""
    routes = ping_routes(template)
    if len({api for api, _ in routes}) != 1 or len({f for _, f in routes}) != 1:
        raise ValueError(f"the template must serve /ping/ one way, to one function; it has {sorted(routes) or 'none'}")
    return next(iter(routes))


def runs_per_month(expression: str) -> float:
    """Invocations a month of an EventBridge schedule expression: rate(...) exactly, cron(...) counted."""
    rate = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expression.strip())
    if rate:
        minutes = int(rate.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[rate.group(2).rstrip("s")]
        return MINUTES_PER_MONTH / minutes
    cron = re.fullmatch(r"cron\((.+)\)", expression.strip())
    if not cron:
        raise ValueError(f"not a schedule expression: {expression}")
    from cronsim import CronSim

    fields = cron.group(1).split()[:5]  # AWS: minute hour day-of-month month day-of-week year
    fields = ["*" if f == "?" else f for f in fields]
    fields[4] = re.sub(r"\d", lambda d: str((int(d.group()) - 1) % 7), fields[4])  # AWS counts Sunday as 1
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    runs = 0
    for when in CronSim(" ".join(fields), start):
        if when >= start + timedelta(days=30):
            break
        runs += 1
    return runs * HOURS_PER_MONTH / (30 * 24)


def read_function(name: str, resource: dict, globals_: dict) -> Function:
    properties = {**LAMBDA_DEFAULTS, **globals_, **resource.get("Properties", {})}
    schedules = [
        (event["Type"], event["Properties"].get("Schedule") or event["Properties"].get("ScheduleExpression"))
        for event in (properties.get("Events") or {}).values()
        if event.get("Type") in ("Schedule", "ScheduleV2")
    ]  # fmt: skip
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    return Function(
        name=name, handler=properties.get("Handler", ""), memory_mb=int(properties["MemorySize"]),
        architecture=properties["Architectures"][0], timeout=int(properties["Timeout"]), schedules=schedules,
        environment={k: v for k, v in variables.items() if isinstance(v, str)},
    )  # fmt: skip


def read_deployment(template: dict) -> Deployment:
    """What `template` deploys, as far as the bill is concerned."""
    globals_ = (template.get("Globals") or {}).get("Function") or {}
    functions = {name: read_function(name, r, globals_) for name, r in _functions(template).items()}
    api, ping_name = ping_front_door(template)
    resources = template["Resources"].values()
    tables = [r for r in resources if r.get("Type") == "AWS::DynamoDB::Table"]
    return Deployment(
        ping_api=api,
        ping_function=functions[ping_name],
        functions=functions,
        alarms=sum(1 for r in resources if r.get("Type") == "AWS::CloudWatch::Alarm" and "Condition" not in r),
        paging_alarms=sum(1 for r in resources if r.get("Type") == "AWS::CloudWatch::Alarm" and "Condition" in r),
        secrets=sorted({name.strip("${}") for name in re.findall(r"\{\{resolve:secretsmanager:(\$\{\w+\}|[^}:]+)", json.dumps(template))}),
        backups=bool(tables) and all(
            (r["Properties"].get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled") for r in tables
        ),
    )  # fmt: skip


def previous_template(template: dict) -> dict:
    """The same template with /ping/ deployed as the commit before the HTTP API had it: paths on
    Chalice's REST API to PingHandler, PingHandler x86_64 at 256 MB. Everything else as built."""
    before = copy.deepcopy(template)
    resources = before["Resources"]
    _, ping_name = ping_front_door(template)
    paths = sorted({re.sub(r"^\S+ ", "", r["Properties"]["RouteKey"]) for r in resources.values()
                    if r.get("Type") == "AWS::ApiGatewayV2::Route" and " /ping/" in r["Properties"].get("RouteKey", "")})  # fmt: skip
    for name in [n for n, r in resources.items() if r.get("Type", "").startswith("AWS::ApiGatewayV2::")]:
        del resources[name]
    for name in [n for n, r in resources.items() if r.get("Type") == "AWS::Lambda::Url"]:
        del resources[name]
    uri = {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${"
           + ping_name + ".Arn}/invocations"}  # fmt: skip
    rest_api = resources.setdefault("RestAPI", {"Type": "AWS::Serverless::Api", "Properties": {}})
    rest = rest_api["Properties"].setdefault("DefinitionBody", {"swagger": "2.0"}).setdefault("paths", {})
    for path in paths or ["/ping/{a}", "/ping/{a}/{b}", "/ping/{a}/{b}/{c}"]:
        rest[path] = {m: {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": uri}} for m in PING_METHODS}
    properties = resources[ping_name]["Properties"]
    properties.update(MemorySize=256, Architectures=["x86_64"])
    properties.pop("FunctionUrlConfig", None)
    return before


def source_files() -> list[Path]:
    return sorted(path for pattern in SOURCES for path in ROOT.glob(pattern))


def load_template(stage: str, path: Path | None, scratch: Path) -> tuple[dict, str, Path | None]:
    """(template, where it came from, the deployment zip beside it if there is one)."""
    if path is None:
        built = ROOT / "build" / stage / "package" / "sam.json"
        if not built.exists():
            from infra import build

            print(f"No {built.relative_to(ROOT)}: building the {stage} package in a temporary folder...", flush=True)
            package = build.package(stage, scratch)
            return json.loads((package / "sam.json").read_text()), "built now by infra.build", package / "deployment.zip"
        path = built
    newer = [p.relative_to(ROOT).as_posix() for p in source_files() if p.stat().st_mtime > path.stat().st_mtime]
    origin = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    if newer:
        origin += f" (WARNING: older than {', '.join(newer[:4])}{'...' if len(newer) > 4 else ''}; rerun make package)"
    archive = path.parent / "deployment.zip"
    return json.loads(path.read_text()), origin, archive if archive.exists() else None


# --- what was measured ---------------------------------------------------------------------


@dataclass
class Measured:
    """What the benchmark measured per ping (steady state)."""

    read_units: float
    write_units: float
    write_units_before: float  # the same pings with the prune that deleted every 100th ping's elders
    cpu: float  # seconds of CPU per ping on this machine
    wall: float  # seconds per ping against DynamoDB Local on this machine
    ping_bytes: int
    check_bytes: int
    check_copies: int  # the check item plus its index entries that project it
    ping_log_limit: int
    body_read_units: float
    body_write_units: float
    s3_puts_per_body_ping: float


@dataclass
class Tick:
    """One scheduled run of a function with nothing to do."""

    seconds: float  # billed duration at the function's memory
    queries: int
    read_units: float
    source: str


def lambda_seconds(cpu: float, wall: float, memory_mb: int) -> float:
    """Billed seconds: the waiting as measured, the CPU slowed to the Lambda's share of a vCPU;
    rounded up to the millisecond as Lambda bills."""
    share = min(1.0, memory_mb / LAMBDA_MB_PER_VCPU)
    return math.ceil(((wall - cpu) + cpu / share) * 1000) / 1000


def measure_pings(samples: int) -> Measured:
    """Pings of each form against the local stack, counted by bench.ping_path (whatever it
    measures today: a change to the ping path's units shows here without an edit)."""
    from bench import common, ping_path
    from chalicelib.checks import checks
    from chalicelib.store.models import Check

    results = {r.form.name: r for r in ping_path.measure_on_dynamodb_local(samples)}
    steady = next(r for r in results.values() if r.form.full_log)
    old_prune = next(r for r in results.values() if r.form.full_log and r.form.old_prune)
    body = next(r for r in results.values() if r.form.body)
    counted = results[ping_path.FORMS[0].name]
    typical = counted.typical()
    return Measured(
        read_units=steady.mean("read_units"),
        write_units=steady.mean("write_units"),
        write_units_before=old_prune.mean("write_units"),
        cpu=common.percentile([s.cpu for s in typical], 50),
        wall=common.percentile([s.wall for s in typical], 50),
        ping_bytes=max(b for s in typical for b in s.item_bytes),
        check_bytes=ping_path.item_bytes(checks.get(counted.code).serialize()),
        check_copies=sum(1 for target in counted.mean_write_units_by_target(typical) if "checks" in target),
        ping_log_limit=Check.ping_log_limit.default,
        body_read_units=body.mean("read_units", body.typical()),
        body_write_units=body.mean("write_units", body.typical()),
        s3_puts_per_body_ping=body.mean_calls(body.typical())["s3.PutObject"],
    )  # fmt: skip


def measure_sweep_tick(sweep_function: Function) -> Tick:
    """One scheduled sweep run with nothing due within its minute (bench.sweep_pass.measure_idle_tick),
    its CPU slowed to the function's share of a vCPU."""
    from bench import sweep_pass

    result = sweep_pass.measure_idle_tick()
    billed = lambda_seconds(result["cpu_seconds"], result["seconds"], sweep_function.memory_mb)
    return Tick(
        seconds=min(sweep_function.timeout, billed), queries=result["queries"],
        read_units=result["billed_read_units"], source="bench.sweep_pass.measure_idle_tick()",
    )  # fmt: skip


def measure_reports_tick(reports_function: Function) -> Tick:
    """One run of the reports function with no one due."""
    from bench import common
    from chalicelib.alerts import reports

    counter = common.AwsCalls().attach()
    cpu, wall = time.thread_time(), time.perf_counter()
    reports.run(datetime.now(timezone.utc))
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    queries = counter.calls["dynamodb.Query"]
    return Tick(
        seconds=lambda_seconds(cpu, wall, reports_function.memory_mb), queries=queries,
        read_units=max(counter.read_units, queries * MIN_QUERY_UNITS), source="measured here: reports.run",
    )  # fmt: skip


def seed_checks_on_time(n: int) -> None:
    """n checks, each pinged once through the ping handler: up, their deadlines ahead."""
    from bench import common
    from chalicelib.accounts import projects
    from chalicelib.checks import checks
    from ping_app import app

    now = datetime.now(timezone.utc)
    project = projects.create_project("cost model: checks on time", now).project
    for _ in range(n):
        code = checks.create_check(project, now, name="on time").code
        if app(common.api_event("GET", f"/ping/{code}"), None)["statusCode"] != 200:
            raise RuntimeError("a seeding ping failed")


def ping_events(n: int) -> list[dict]:
    """n pings of every form, cycling, as the HTTP API hands them to PingHandler."""
    from bench.ping_path import BODY
    from chalicelib.accounts import projects
    from chalicelib.checks import checks
    from infra.ping_function import http_api_event

    now = datetime.now(timezone.utc)
    project = projects.create_project("cost model: ping memory", now).project
    codes = [checks.create_check(project, now, name=f"memory {i}", slug=f"memory-{i}").code for i in range(8)]
    key = project.ping_key
    forms = [
        lambda i: ("GET", f"/ping/{codes[i % 8]}", b""),
        lambda i: ("GET", f"/ping/{key}/memory-{i % 8}", b""),
        lambda i: ("GET", f"/ping/{codes[i % 8]}/start", b""),
        lambda i: ("POST", f"/ping/{codes[i % 8]}/fail", b"exit 1"),
        lambda i: ("POST", f"/ping/{codes[i % 8]}", BODY),  # over 100 bytes: S3, so boto3 too
        lambda i: ("GET", f"/ping/{codes[i % 8]}/0", b""),
        lambda i: ("HEAD", f"/ping/{key}/memory-{i % 8}/log", b""),
        lambda i: ("GET", f"/ping/{key}/memory-{i % 8}?create=1", b""),
    ]
    return [http_api_event(*forms[i % len(forms)](i)) for i in range(n)]


def measure_ping_process(stack, archive: Path | None, pings: int, scratch: Path):
    """infra.ping_function's child process against the local stack, from the deployment zip
    unpacked as Lambda does when there is one (its own botocore and bytecode)."""
    from infra.ping_function import measure_process

    cwd, origin = ROOT, "the repository"
    if archive is not None:
        cwd, origin = scratch / "task", f"{archive.name} unpacked"
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(cwd)
    env = {"STAGE": "bench", "AWS_ENDPOINT_URL": stack.moto_url, "AWS_ENDPOINT_URL_DYNAMODB": stack.dynamodb_url,
           "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    figures = measure_process(ping_events(pings), env=env, cwd=cwd)
    if cwd != ROOT:
        shutil.rmtree(cwd, ignore_errors=True)
    return figures, origin


# --- prices ----------------------------------------------------------------------------------


def per_ping(m: Measured, d: Deployment) -> dict[str, float]:
    """Dollars per plain ping (steady state, with the amortized prune), by line."""
    f = d.ping_function
    seconds = lambda_seconds(m.cpu, m.wall, f.memory_mb)
    return {
        "DynamoDB reads": m.read_units * PRICES["dynamodb_read_request_unit"],
        "DynamoDB writes": m.write_units * PRICES["dynamodb_write_request_unit"],
        "Lambda requests": PRICES["lambda_request"],
        "Lambda GB-s": seconds * f.memory_mb / 1024 * f.gb_second,
        "the ping API": PRICES[API_PRICE[d.ping_api]],
        "CloudWatch Logs (assumed bytes)": LOG_BYTES_PER_INVOCATION / GB * PRICES["cloudwatch_logs_ingest_gb"],
    }


def per_ping_detail(m: Measured, d: Deployment) -> dict[str, str]:
    f = d.ping_function
    ms = lambda_seconds(m.cpu, m.wall, f.memory_mb) * 1000
    return {
        "DynamoDB reads": f"{m.read_units:.2f} units", "DynamoDB writes": f"{m.write_units:.2f} units",
        "Lambda requests": "", "Lambda GB-s": f"{ms:.0f} ms at {f.describe()}", "the ping API": d.ping_api,
        "CloudWatch Logs (assumed bytes)": f"{LOG_BYTES_PER_INVOCATION} B",
    }  # fmt: skip


def scheduled_month(label: str, function: Function, tick: Tick) -> dict[str, float]:
    """A scheduled function running with nothing to do, for a month of its schedule."""
    runs = function.runs_per_month()
    return {
        f"{label}: schedule ({runs:,.0f} runs)": runs * function.schedule_event_price(),
        f"{label}: Lambda requests": runs * PRICES["lambda_request"],
        f"{label}: Lambda GB-s ({tick.seconds:.2f} s at {function.describe()})":
            runs * tick.seconds * function.memory_mb / 1024 * function.gb_second,
        f"{label}: DynamoDB reads ({tick.queries} Queries)": runs * tick.read_units * PRICES["dynamodb_read_request_unit"],
        f"{label}: CloudWatch Logs (assumed)": runs * LOG_BYTES_PER_INVOCATION / GB * PRICES["cloudwatch_logs_ingest_gb"],
    }  # fmt: skip


def fixed_month(d: Deployment) -> dict[str, float]:
    """What the stack costs by existing: alarms made whatever the parameters, secrets it resolves
    (SECRET_KEY is an SSM SecureString parameter, standard tier: no charge)."""
    lines = {}
    if d.alarms:
        lines[f"CloudWatch alarms ({d.alarms}; the free tier covers 10)"] = d.alarms * PRICES["cloudwatch_alarm_month"]
    if d.secrets:
        lines[f"Secrets Manager ({', '.join(d.secrets)}; resolved at deploy)"] = len(d.secrets) * PRICES["secrets_manager_secret_month"]
    return lines


def paging_month(d: Deployment) -> float:
    """The alarms an AlarmEmail adds."""
    return d.paging_alarms * PRICES["cloudwatch_alarm_month"]


def storage_month(m: Measured, d: Deployment, n_checks: int) -> dict[str, float]:
    ping_gb = n_checks * m.ping_log_limit * (m.ping_bytes + ITEM_OVERHEAD) / GB
    check_gb = n_checks * m.check_copies * (m.check_bytes + ITEM_OVERHEAD) / GB
    lines = {
        f"storage: pings ({m.ping_log_limit} kept per check)": ping_gb * PRICES["dynamodb_storage_gb_month"],
        "storage: checks and their indexes": check_gb * PRICES["dynamodb_storage_gb_month"],
    }
    if d.backups:
        lines["storage: point-in-time recovery"] = (ping_gb + check_gb) * PRICES["dynamodb_pitr_gb_month"]
    return lines


def standing_month(m: Measured, d: Deployment, sweep: Tick, reports: Tick, n_checks: int) -> dict[str, float]:
    """Everything but the pings themselves: the scheduled functions idle, alarms, secrets, storage."""
    return {
        **scheduled_month("sweep", d.by_handler(SWEEP_HANDLER), sweep),
        **scheduled_month("reports", d.by_handler(REPORTS_HANDLER), reports),
        **fixed_month(d),
        **storage_month(m, d, n_checks),
    }


# --- the report ------------------------------------------------------------------------------


def money(dollars: float) -> str:
    return f"${dollars:,.2f}" if dollars >= 0.01 or dollars == 0 else f"${dollars:.4f}"


def print_lines(title: str, lines: dict[str, float]) -> float:
    from bench import common

    total = sum(lines.values())
    rows = [[name, money(value)] for name, value in lines.items()] + [["total", money(total)]]
    print(title)
    print(common.table(["line", "USD"], rows))
    print()
    return total


def report_deployment(d: Deployment, origin: str) -> None:
    from bench import common

    print(f"Deployment, read from the template: {origin}")
    print(f"  /ping/ is served by: {d.ping_api} -> {d.ping_function.name} ({d.ping_function.describe()}, "
          f"timeout {d.ping_function.timeout} s)")  # fmt: skip
    rows = [[f.name, f.handler, f.memory_mb, f.architecture, f.timeout,
             ", ".join(f"{e} ({k})" for k, e in f.schedules) or "-"] for f in d.functions.values()]  # fmt: skip
    print(common.table(["function", "handler", "MB", "arch", "timeout s", "schedule"], rows))
    print(f"  alarms: {d.alarms}, and {d.paging_alarms} more with AlarmEmail; secrets resolved: {', '.join(d.secrets) or 'none'}; "
          f"point-in-time recovery on every table: {d.backups}")  # fmt: skip
    print()


def report_memory(figures, origin: str, m: Measured, d: Deployment) -> None:
    from bench import common

    pings = figures.pings
    steady = sorted(c for c, _, _ in pings[len(pings) // 10:])
    first_cpu = pings[0][0]
    print(f"The ping function's process ({origin}; {len(pings)} pings of 8 forms through ping_app.app,")
    print(f"HTTP API events, against the local stack; answers {figures.statuses}):")
    print(f"  resident memory: interpreter {figures.start_mb:.1f} MB, after import ping_app {figures.import_mb:.1f} MB,")
    milestones = sorted({n for n in (1, 10, 100, 1000, len(pings)) if n <= len(pings)})
    print("  after ping " + ", ".join(f"{n}: {figures.after(n):.1f} MB" for n in milestones)
          + f"; peak {figures.peak_mb:.1f} MB")  # fmt: skip
    print(f"  CPU: import {figures.import_cpu * 1000:.0f} ms, first ping {first_cpu * 1000:.0f} ms (the clients), "
          f"then p50 {common.percentile(steady, 50) * 1000:.1f} ms per ping")  # fmt: skip
    print(f"  compiled modules loaded from outside the standard library: {', '.join(figures.compiled) or 'none'}")
    print(f"  (Lambda's runtime adds its own ~{RUNTIME_ALLOWANCE_MB} MB, assumed: not measured here)")
    need = figures.peak_mb + RUNTIME_ALLOWANCE_MB
    rows = []
    for memory in sorted(set(MEMORY_CHOICES) | {d.ping_function.memory_mb}):
        share = min(1.0, memory / LAMBDA_MB_PER_VCPU)
        warm = lambda_seconds(m.cpu, m.wall, memory)
        cold = (figures.import_cpu + first_cpu) / share
        cost = warm * memory / 1024 * d.ping_function.gb_second * 1e6
        mark = " <- template" if memory == d.ping_function.memory_mb else ""
        rows.append([f"{memory}{mark}", f"{need / memory:.0%}", f"{warm * 1000:.0f}", f"{cold:.1f}",
                     f"{cost:.3f}"])  # fmt: skip
    print(f"Memory sizes for the ping function ({d.ping_function.architecture} prices; a warm ping from the")
    print(f"DynamoDB Local figures below, {m.cpu * 1000:.1f} ms CPU of {m.wall * 1000:.1f} ms wall, CPU slowed to the share):")
    print(common.table(["MB", "memory used", "warm ping billed ms", "cold: import + 1st ping CPU s", "GB-s $ per M"], rows))
    print("  The cold column assumes the init phase runs at the function's share too (it is said to get")
    print("  more); the first ping's client creation runs at the share either way.")
    print()


def report(m: Measured, after: Deployment, before: Deployment, sweep_ticks: dict[int, Tick], reports_tick: Tick) -> None:
    from bench import common
    from chalicelib import settings

    print(f"Prices: AWS us-east-1 list prices, on-demand, as of {PRICES_AS_OF}; free tiers left out:")
    print(common.table(["price", "USD"], [[name, f"{value:.10g}"] for name, value in PRICES.items()]))
    print()
    print("Measured (per plain uuid ping in steady state, its log full: the pings that leave it expire by TTL):")
    print(f"  DynamoDB: {m.read_units:.3f} read units, {m.write_units:.3f} write units "
          f"({m.write_units_before:.3f} with the old prune, every 100th ping deleting the pings that left the log)")
    print(f"  handler: {m.cpu * 1000:.2f} ms CPU, {m.wall * 1000:.2f} ms wall against DynamoDB Local")
    print(f"  items: ping {m.ping_bytes} B, check {m.check_bytes} B stored {m.check_copies}x (table + indexes)")
    print(f"  body ping (> 100 B): {m.body_read_units:g} read, {m.body_write_units:g} write units, "
          f"{m.s3_puts_per_body_ping:g} S3 PUT")  # fmt: skip
    for n, tick in sweep_ticks.items():
        print(f"  sweep run, {n:,} checks on time: {tick.seconds:.2f} s billed, {tick.queries} Queries, "
              f"{tick.read_units:g} read units ({tick.source})")  # fmt: skip
    print(f"  reports run, no one due: {reports_tick.seconds:.3f} s billed, {reports_tick.queries} Queries")
    print()

    m_before = dataclasses.replace(m, write_units=m.write_units_before)
    now_ping, then_ping = per_ping(m, after), per_ping(m_before, before)
    now_detail, then_detail = per_ping_detail(m, after), per_ping_detail(m_before, before)
    rows = [[name, then_detail[name], money(then_ping[name] * 1e6), now_detail[name], money(now_ping[name] * 1e6)]
            for name in now_ping]  # fmt: skip
    rows.append(["total", "", money(sum(then_ping.values()) * 1e6), "", money(sum(now_ping.values()) * 1e6)])
    print("Cost per million plain pings. Before: the template with /ping/ as it was deployed before this")
    print("change (Chalice's REST API, PingHandler x86_64 at 256 MB) and the old prune's write units;")
    print("after: the template as built and the pings as they are stored now (goal: under $2.50).")
    print(common.table(["line", "before", "USD", "after", "USD"], rows))
    print()
    extra = {
        "a body over 100 B: S3 PUT": m.s3_puts_per_body_ping * PRICES["s3_put"] * 1e6,
        "an email ping: SES inbound (1 email, 1 chunk)": (PRICES["ses_inbound_email"] + PRICES["ses_inbound_chunk_256kb"]) * 1e6,
        "an email ping: its S3 PUT and GET (the receipt rule's object)": (PRICES["s3_put"] + PRICES["s3_get"]) * 1e6,
    }  # fmt: skip
    print("Added per million pings, by kind (on top of the above):")
    print(common.table(["when", "USD"], [[name, money(value)] for name, value in extra.items()]))
    print()

    print("Standing cost a month: everything but the pings themselves (goal: under $0.10):")
    standing = {}
    for n, tick in sweep_ticks.items():
        standing[n] = print_lines(f"{n:,} checks, all pinged on time:", standing_month(m, after, tick, reports_tick, n))
        verdict = "met" if standing[n] < 0.10 else "not met"
        print(f"  goal under $0.10: {verdict} ({money(standing[n])}); with AlarmEmail set, its {after.paging_alarms} "
              f"alarms add {money(paging_month(after))}\n")  # fmt: skip

    busiest = dataclasses.replace(sweep_ticks[max(sweep_ticks)], seconds=float(settings.SWEEP_SECONDS))
    sweep_function = after.by_handler(SWEEP_HANDLER)
    print(f"A tick waits in the function only while a deadline falls within its minute (checks pinged on")
    print(f"time with a grace over a minute never do). The bound, a deadline in every minute of the month")
    print(f"so that every tick waits its whole {settings.SWEEP_SECONDS} s: "
          f"{money(sum(scheduled_month('sweep', sweep_function, busiest).values()))} a month.\n")  # fmt: skip

    idle_tick = sweep_ticks[max(sweep_ticks)]
    for n_checks, per_hour, label in SCENARIOS:
        pings = n_checks * per_hour * HOURS_PER_MONTH
        lines = {f"{name} ({pings / 1e6:,.2f} M pings)": value * pings for name, value in now_ping.items()}
        lines.update(standing_month(m, after, idle_tick, reports_tick, n_checks))
        total = print_lines(f"A month of {label}:", lines)
        before_total = total + (sum(then_ping.values()) - sum(now_ping.values())) * pings
        print(f"  the same with the previous ping deployment: {money(before_total)}")
        print(f"  alternatives (prices as of {ALTERNATIVES_AS_OF}; not fetched):")
        plans = [(name, price) for name, price, limit in HEALTHCHECKS_IO_PLANS if limit >= n_checks]
        if plans:
            name, price = plans[0]
            print(f"    Healthchecks.io {name}: ${price}/month (up to {n_checks:,} checks)")
        else:
            largest = HEALTHCHECKS_IO_PLANS[-1]
            print(f"    Healthchecks.io: no listed plan ({largest[0]}, ${largest[1]}/month, stops at {largest[2]:,} "
                  f"checks; more is a quote)")  # fmt: skip
        rate = pings / (HOURS_PER_MONTH * 3600)
        print(f"    a ${VPS_MONTH:.0f} VPS running Healthchecks: ${VPS_MONTH:.2f}/month; {rate:,.1f} pings/s on average, "
              f"but cron jobs fire together at :00,")  # fmt: skip
        print(f"      so {n_checks:,} pings arrive within about a minute ({n_checks / 60:,.0f}/s), "
              f"{'which one small VPS serves' if n_checks / 60 < 100 else 'beyond one small VPS (not measured)'}")
        print()
    print("Not in the totals: data transfer out (answers of a few bytes), the dashboard and API,")
    print("alerts (none while every check is up), cold starts' init time, and the free tiers.")


def main(argv: list[str] | None = None) -> int:
    from bench import common  # first: sets STAGE=bench before chalicelib.settings is read
    from bench import ping_path

    parser = argparse.ArgumentParser(prog="python -m bench.cost_model", description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=ping_path.PRUNE_EVERY,
                        help="pings per form to count (default: %(default)s, one prune)")  # fmt: skip
    parser.add_argument("--stage", default="dev", choices=["dev", "prod"], help="the package to price")
    parser.add_argument("--template", type=Path, help="a sam.json to price instead of build/<stage>/package's")
    parser.add_argument("--memory-pings", type=int, default=1000,
                        help="pings the ping function's process answers for its memory (default: %(default)s)")  # fmt: skip
    parser.add_argument("--checks-on-time", type=int, default=1000, help="checks for the standing cost (default: %(default)s)")
    args = parser.parse_args(argv)
    common.print_header("Cost model: monthly AWS cost of the built template, from counted calls and capacity")
    with tempfile.TemporaryDirectory(prefix="hc-cost-") as scratch:
        template, origin, archive = load_template(args.stage, args.template, Path(scratch))
        after, before = read_deployment(template), read_deployment(previous_template(template))
        report_deployment(after, origin)
        print("Starting the local stack to count calls and capacity on DynamoDB Local...", flush=True)
        with common.local_stack() as stack:
            sweep_ticks = {0: measure_sweep_tick(after.by_handler(SWEEP_HANDLER))}
            reports_tick = measure_reports_tick(after.by_handler(REPORTS_HANDLER))
            measured = measure_pings(args.samples)
            figures, process_origin = measure_ping_process(stack, archive, args.memory_pings, Path(scratch))
            print(f"Seeding {args.checks_on_time:,} checks pinged on time...", flush=True)
            seed_checks_on_time(args.checks_on_time)
            sweep_ticks[args.checks_on_time] = measure_sweep_tick(after.by_handler(SWEEP_HANDLER))
    print()
    report_memory(figures, process_origin, measured, after)
    report(measured, after, before, sweep_ticks, reports_tick)
    return 0


if __name__ == "__main__":
    from bench import common

    common.run_main(main, "the local stack")
