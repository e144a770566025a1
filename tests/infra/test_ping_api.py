"""/ping/ on its own HTTP API: the routes and the custom domain in the template, the REST API
without a ping path, ping_app answering the HTTP API's payload format 1.0, and the ping
function's process on arm64 terms (no compiled module loaded) and within its memory."""
import base64
import json
import zipfile

import pytest
from chalice.deploy.swagger import CFNSwaggerGenerator
from chalice.package import TemplateDeepMerger

import ping_app
from chalicelib import settings
from chalicelib.store.models import Check, Ping
from infra import build
from infra.ping_function import http_api_event, measure_process

PING_PATHS = ["/ping/{a}", "/ping/{a}/{b}", "/ping/{a}/{b}/{c}", "/ping/{a}/{b}/{c}/{d}"]


@pytest.fixture(scope="module")
def template():
    from app import app

    return build.merge_template(settings.STAGE, app)


def chalice_like(template: dict) -> dict:
    """What `chalice package --merge-template` makes of the merge template: Chalice's own REST API,
    whose swagger has a path for every route of app.py (the ping routes too, to APIHandler)."""
    from app import app

    chalice = {"Resources": {"RestAPI": {"Type": "AWS::Serverless::Api",
                                         "Properties": {"DefinitionBody": CFNSwaggerGenerator().generate_swagger(app)}}}}  # fmt: skip
    return TemplateDeepMerger().merge(template, chalice)


def http_api_routes(template: dict) -> dict[str, dict]:
    """Route key -> the integration it targets, for the template's HTTP API routes."""
    resources = template["Resources"]
    routes = {}
    for resource in resources.values():
        if resource.get("Type") == "AWS::ApiGatewayV2::Route":
            target = resource["Properties"]["Target"]["Fn::Sub"]
            assert target.startswith("integrations/${") and resource["Properties"]["ApiId"] == {"Ref": build.PING_API}
            routes[resource["Properties"]["RouteKey"]] = resources[target[len("integrations/${"):-1]]
    return routes


def rest_ping_paths(template: dict) -> list[str]:
    return [p for p in template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"] if p.startswith("/ping")]


# The template


def test_each_ping_route_is_an_http_api_route_for_any_method_to_the_ping_function(template):
    from app import app

    assert sorted(build.ping_routes(app)) == PING_PATHS
    routes = http_api_routes(template)
    assert sorted(routes) == [f"ANY {path}" for path in PING_PATHS]
    for integration in routes.values():
        assert integration["Type"] == "AWS::ApiGatewayV2::Integration"
        assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
        assert integration["Properties"]["IntegrationUri"] == {"Fn::GetAtt": [build.PING_FUNCTION, "Arn"]}
        assert integration["Properties"]["PayloadFormatVersion"] == "1.0"  # what Chalice's handler reads
    resources = template["Resources"]
    assert resources[build.PING_API]["Properties"]["ProtocolType"] == "HTTP"
    assert resources["PingApiStage"]["Properties"] == {"ApiId": {"Ref": build.PING_API}, "StageName": "$default", "AutoDeploy": True}
    permission = resources["PingHandlerInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": build.PING_FUNCTION}
    assert permission["SourceArn"]["Fn::Sub"].endswith(":${PingApi}/*")


def test_the_rest_api_keeps_no_ping_path_once_the_package_is_finished(template):
    """Chalice writes a REST path for every route of app.py; finish_template takes the ping ones out."""
    packaged = chalice_like(template)
    assert sorted(rest_ping_paths(packaged)) == PING_PATHS  # Chalice's, to APIHandler
    paths_before = set(packaged["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"])

    finished = build.finish_template(packaged)

    assert rest_ping_paths(finished) == []
    paths = set(finished["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"])
    assert paths == paths_before - set(PING_PATHS) and "/api/{version}/checks" in paths
    assert sorted(http_api_routes(finished)) == [f"ANY {path}" for path in PING_PATHS]


def test_the_rest_api_decodes_every_base64_answer_whatever_the_clients_accept(template):
    """API Gateway looks only at the client's first Accept value: a browser's is text/html."""
    finished = build.finish_template(chalice_like(template))
    definition = finished["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert definition["x-amazon-apigateway-binary-media-types"] == ["*/*"]


def test_ping_function_is_arm64_with_its_measured_memory(template):
    properties = template["Resources"][build.PING_FUNCTION]["Properties"]
    assert (properties["Handler"], properties["Architectures"], properties["MemorySize"]) == (
        "ping_app.app", ["arm64"], build.PING_MEMORY_MB
    )


def test_custom_domain_is_made_only_with_a_domain_and_its_certificate(template):
    resources, conditions = template["Resources"], template["Conditions"]
    assert {"PingDomainName", "PingCertificateArn"} <= set(template["Parameters"])
    assert template["Parameters"]["PingDomainName"]["Default"] == template["Parameters"]["PingCertificateArn"]["Default"] == ""
    assert json.dumps(conditions["HasPingDomain"]).count('"Fn::Equals"') == 2  # both must be given
    domain, mapping = resources["PingDomain"], resources["PingApiMapping"]
    assert domain["Type"] == "AWS::ApiGatewayV2::DomainName" and domain["Condition"] == "HasPingDomain"
    assert domain["Properties"]["DomainNameConfigurations"] == [
        {"CertificateArn": {"Ref": "PingCertificateArn"}, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}
    ]
    assert mapping["Type"] == "AWS::ApiGatewayV2::ApiMapping" and mapping["Condition"] == "HasPingDomain"
    assert mapping["Properties"] == {"ApiId": {"Ref": build.PING_API}, "DomainName": {"Ref": "PingDomain"}, "Stage": "$default"}
    assert template["Outputs"]["PingDomainTarget"]["Condition"] == "HasPingDomain"
    rule = template["Rules"]["PingDomainNeedsCertificate"]
    assert "PingCertificateArn" in json.dumps(rule["Assertions"]) and "PingDomainName" in json.dumps(rule["RuleCondition"])


def test_ping_endpoint_is_the_parameter_else_the_domain_else_the_ping_apis_url(template):
    endpoint = template["Resources"][build.PING_FUNCTION]["Properties"]["Environment"]["Variables"]["PING_ENDPOINT"]
    assert endpoint == {
        "Fn::If": ["HasPingEndpoint", {"Ref": "PingEndpoint"}, {"Fn::If": [
            "HasPingDomain", {"Fn::Sub": "https://${PingDomainName}/ping/"},
            {"Fn::Sub": "https://${PingApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/ping/"},
        ]}]
    }  # fmt: skip
    for name in build.CHALICE_FUNCTIONS:  # the dashboard shows ping URLs from it
        assert template["Resources"][name]["Properties"]["Environment"]["Variables"]["PING_ENDPOINT"] == endpoint
    assert template["Outputs"]["PingEndpointURL"]["Value"] == endpoint


# ping_app and the HTTP API's events

# An HTTP API event, payload format 1.0, in the shape AWS documents and API Gateway sends (one
# captured from an HTTP API with a `{proxy+}` route: resource and resourcePath are the route's
# path, resourceId the route key). Written out here, not built by infra.ping_function.
CAPTURED_SHAPE = {
    "version": "1.0", "resource": "/ping/{a}/{b}", "path": "/ping/{code}/fail", "httpMethod": "POST",
    "headers": {"Content-Length": "13", "Host": "abc123.execute-api.eu-west-1.amazonaws.com", "User-Agent": "curl/7.77.0",
                "X-Amzn-Trace-Id": "Root=1-61fff17e-5b8496e96e81bed7494730a7", "X-Forwarded-For": "198.51.100.4",
                "X-Forwarded-Port": "443", "X-Forwarded-Proto": "https", "accept": "*/*",
                "content-type": "application/x-www-form-urlencoded"},
    "multiValueHeaders": {"User-Agent": ["curl/7.77.0"], "X-Forwarded-For": ["198.51.100.4"]},
    "queryStringParameters": {"rid": "{rid}"}, "multiValueQueryStringParameters": {"rid": ["{rid}"]},
    "requestContext": {
        "accountId": "123456789012", "apiId": "abc123", "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
        "domainPrefix": "abc123", "extendedRequestId": "NIKr1jmIFiAEJmw=", "httpMethod": "POST",
        "identity": {"accessKey": None, "accountId": None, "caller": None, "cognitoAmr": None,
                     "cognitoAuthenticationProvider": None, "cognitoAuthenticationType": None, "cognitoIdentityId": None,
                     "cognitoIdentityPoolId": None, "principalOrgId": None, "sourceIp": "198.51.100.4", "user": None,
                     "userAgent": "curl/7.77.0", "userArn": None},
        "path": "/ping/{code}/fail", "protocol": "HTTP/1.1", "requestId": "NIKr1jmIFiAEJmw=",
        "requestTime": "06/Feb/2022:16:04:14 +0000", "requestTimeEpoch": 1644163454741,
        "resourceId": "ANY /ping/{a}/{b}", "resourcePath": "/ping/{a}/{b}", "stage": "$default",
    },
    "pathParameters": {"a": "{code}", "b": "fail"}, "stageVariables": None,
    "body": "exit status 1", "isBase64Encoded": False,
}  # fmt: skip


def captured(code: str, rid: str) -> dict:
    return json.loads(json.dumps(CAPTURED_SHAPE).replace("{code}", code).replace("{rid}", rid))


def test_ping_app_answers_an_http_api_payload_1_0_event(aws, check):
    rid = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
    response = ping_app.app(captured(check.code, rid), None)

    assert (response["statusCode"], response["body"]) == (200, "OK")
    [stored] = list(Ping.query(check.code))
    assert (stored.kind, stored.method, stored.remote_addr, stored.ua, stored.scheme, stored.rid) == (
        "fail", "POST", "198.51.100.4", "curl/7.77.0", "https", rid
    )
    assert stored.body == b"exit status 1"
    assert Check.get(check.code).status == "down"


def test_the_events_built_for_measuring_have_the_captured_events_fields():
    built = http_api_event("POST", "/ping/x/fail?rid=1", b"exit status 1")
    assert set(built) == set(CAPTURED_SHAPE)
    assert set(built["requestContext"]) == set(CAPTURED_SHAPE["requestContext"])
    assert set(built["requestContext"]["identity"]) == set(CAPTURED_SHAPE["requestContext"]["identity"])
    assert (built["resource"], built["requestContext"]["resourceId"], built["pathParameters"]) == (
        "/ping/{a}/{b}", "ANY /ping/{a}/{b}", {"a": "x", "b": "fail"}
    )


@pytest.mark.parametrize(
    "suffix, kind",
    [("", "success"), ("/start", "start"), ("/fail", "fail"), ("/log", "log"), ("/0", "success"), ("/3", "fail")],
)  # fmt: skip
def test_healthchecks_uuid_urls_through_the_http_api(aws, check, suffix, kind):
    response = ping_app.app(http_api_event("GET", f"/ping/{check.code}{suffix}"), None)
    assert response["statusCode"] == 200
    assert [p.kind for p in Ping.query(check.code)] == [kind]


@pytest.mark.parametrize("suffix, kind", [("", "success"), ("/start", "start"), ("/fail", "fail"), ("/log", "log")])
def test_healthchecks_slug_urls_through_the_http_api(aws, project, check, suffix, kind):
    response = ping_app.app(http_api_event("HEAD", f"/ping/{project.ping_key}/{check.slug}{suffix}"), None)
    assert response["statusCode"] == 200
    assert [(p.kind, p.method) for p in Ping.query(check.code)] == [(kind, "HEAD")]


def test_snooze_urls_of_both_forms_through_the_http_api(aws, project, check, now):
    """/ping/<uuid>/snooze/<minutes> (three segments) and the slug form's four, the deepest route."""
    for path in (f"/ping/{check.code}/snooze/30", f"/ping/{project.ping_key}/{check.slug}/snooze/60"):
        response = ping_app.app(http_api_event("GET", path), None)
        assert (response["statusCode"], response["body"]) == (200, "OK")
    assert Check.get(check.code).snoozed_until is not None
    assert list(Ping.query(check.code)) == []  # a snooze is not a ping


def test_a_binary_body_arrives_base64_encoded_and_is_stored_as_sent(aws, check):
    body = b"\x89PNG\r\n\x1a\n\x00\xff"
    event = http_api_event("POST", f"/ping/{check.code}", body)
    assert event["isBase64Encoded"] and base64.b64decode(event["body"]) == body

    assert ping_app.app(event, None)["statusCode"] == 200
    assert [p.body for p in Ping.query(check.code)] == [body]


def test_create_1_through_the_http_api_creates_the_slug_check(aws, project):
    response = ping_app.app(http_api_event("GET", f"/ping/{project.ping_key}/nightly-backup?create=1"), None)
    assert (response["statusCode"], response["body"]) == (201, "Created")


# The ping function's process


def process_events(project, check) -> list[dict]:
    """Every form of ping, several times over: uuid and slug, each action, a body for S3, ?create=1."""
    key, code = project.ping_key, check.code
    forms = [
        ("GET", f"/ping/{code}", b""), ("GET", f"/ping/{key}/{check.slug}", b""), ("GET", f"/ping/{code}/start", b""),
        ("POST", f"/ping/{code}/fail", b"exit 1"), ("POST", f"/ping/{code}", b"x" * 500), ("GET", f"/ping/{code}/0", b""),
        ("HEAD", f"/ping/{key}/{check.slug}/log", b""), ("GET", f"/ping/{key}/made-by-a-ping?create=1", b""),
    ]  # fmt: skip
    return [http_api_event(*form) for form in forms * 8]


def moto_env(moto_server) -> dict:
    return {"AWS_ENDPOINT_URL": moto_server, "STAGE": settings.STAGE, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip


def test_ping_process_loads_no_compiled_module_and_fits_half_its_memory(moto_server, now):
    """arm64 runs the x86_64 zip because the ping path imports no compiled module (the zip's
    compiled wheels would not load there); and a container's memory stays well inside MemorySize."""
    from chalicelib.accounts import projects
    from chalicelib.checks import checks

    project = projects.create_project("Process", now).project
    check = checks.create_check(project, now, name="Backups", slug="backups")

    figures = measure_process(process_events(project, check), env=moto_env(moto_server))

    assert set(figures.statuses) <= {200, 201} and sum(figures.statuses.values()) == 64
    assert figures.compiled == []
    assert figures.peak_mb * 2 < build.PING_MEMORY_MB, f"peak {figures.peak_mb:.0f} MB"


# The real package


@pytest.mark.slow
def test_built_template_serves_ping_only_through_the_http_api(package):
    template = json.loads((package / "sam.json").read_text())
    assert rest_ping_paths(template) == []
    rest = json.dumps(template["Resources"]["RestAPI"])
    assert "PingHandler" not in rest  # no REST integration reaches the ping function
    assert sorted(http_api_routes(template)) == [f"ANY {path}" for path in PING_PATHS]
    assert {r["Properties"]["IntegrationUri"]["Fn::GetAtt"][0] for r in http_api_routes(template).values()} == {"PingHandler"}
    assert not [n for n, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Url"]
    ping = template["Resources"]["PingHandler"]["Properties"]
    assert (ping["Architectures"], ping["MemorySize"]) == (["arm64"], build.PING_MEMORY_MB)


@pytest.mark.slow
def test_zips_compiled_wheels_stay_off_the_ping_path(package, moto_server, now, tmp_path):
    """The zip's compiled modules are x86_64 builds; run from the zip as Lambda unpacks it, the
    ping path loads none of them."""
    from chalicelib.accounts import projects
    from chalicelib.checks import checks

    with zipfile.ZipFile(package / "deployment.zip") as archive:
        compiled = [n for n in archive.namelist() if n.endswith(".so")]
        archive.extractall(tmp_path)
    assert compiled and all("x86_64" in n or n.endswith(".abi3.so") for n in compiled), compiled
    project = projects.create_project("Process", now).project
    check = checks.create_check(project, now, name="Backups", slug="backups")

    figures = measure_process(process_events(project, check), env=moto_env(moto_server), cwd=tmp_path)

    assert set(figures.statuses) <= {200, 201}
    assert figures.compiled == []
