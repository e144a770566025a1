"""`python -m infra.build`: a real `chalice package` (Lambda wheels from PyPI), then cfn-lint on the
template it writes, and the zip's layout as Lambda unpacks it."""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra import build

pytestmark = pytest.mark.slow

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


@pytest.fixture(scope="module")
def unpacked(package, tmp_path_factory) -> Path:
    """The zip extracted as Lambda does, into /var/task's stand-in."""
    task = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        archive.extractall(task)
    return task


def test_packaged_template_passes_cfn_lint(package):
    result = subprocess.run([str(CFN_LINT), str(package / "sam.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_packaged_template_carries_the_merged_infra(package):
    resources = json.loads((package / "sam.json").read_text())["Resources"]
    deliver = resources["Deliver"]["Properties"]
    assert deliver["Events"]["DeliverDynamodbEventSource"]["Properties"]["Stream"] == {"Fn::GetAtt": ["FlipsTable", "StreamArn"]}
    assert resources["IngestEmail"]["Properties"]["Events"]["IngestEmailSnsSubscription"]["Properties"]["Topic"] == {
        "Fn::Sub": "${InboundEmailTopic}"
    }
    assert resources["PingHandler"]["Properties"]["CodeUri"] == resources["APIHandler"]["Properties"]["CodeUri"]
    assert {"ChecksTable", "BodiesBucket", "InboundEmailRule", "SweepSilentAlarm"} <= set(resources)


def test_each_chalice_function_has_its_own_role_from_its_policy_file(package):
    resources = json.loads((package / "sam.json").read_text())["Resources"]
    sweep_policy = json.loads((build.ROOT / ".chalice" / "policy-sweep.json").read_text())
    sweep_role = resources["Sweep"]["Properties"]["Role"]["Fn::GetAtt"][0]
    assert resources[sweep_role]["Properties"]["Policies"][0]["PolicyDocument"] == sweep_policy
    roles = {resources[name]["Properties"]["Role"]["Fn::GetAtt"][0] for name in build.CHALICE_FUNCTIONS + ["PingHandler"]}
    assert len(roles) == len(build.CHALICE_FUNCTIONS) + 1
    assert "DefaultRole" not in resources


def test_zip_has_the_ping_handler_module_at_its_root(package):
    names = zipfile.ZipFile(package / "deployment.zip").namelist()
    assert "ping_app.py" in names
    ping_handler = json.loads((package / "sam.json").read_text())["Resources"]["PingHandler"]
    assert ping_handler["Properties"]["Handler"] == "ping_app.app"


def test_zip_carries_templates_and_static_beside_chalicelib(package):
    names = zipfile.ZipFile(package / "deployment.zip").namelist()
    assert {"app.py", "chalicelib/web/render.py", "templates/base.html", "static/app.css"} <= set(names)


def test_render_finds_templates_and_static_files_in_the_zips_layout(unpacked):
    code = (
        "from chalicelib.web import render; "
        "print(render.TEMPLATES); "
        "print(render.environment().get_template('base.html').filename); "
        "print(render.static_url('app.css'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=unpacked, capture_output=True, text=True, check=True)
    templates, base, static = result.stdout.splitlines()
    assert Path(templates) == unpacked / "templates"
    assert Path(base) == unpacked / "templates" / "base.html"
    assert static.startswith("/static/app.css?v=")


def test_zip_carries_bytecode_beside_each_module(package):
    names = set(zipfile.ZipFile(package / "deployment.zip").namelist())
    assert {
        "__pycache__/app.cpython-311.pyc", "__pycache__/ping_app.cpython-311.pyc",
        "chalicelib/pings/__pycache__/intake.cpython-311.pyc",
    } <= names
    assert "botocore/__pycache__/client.cpython-311.pyc" in names or not any(n.startswith("botocore/") for n in names)


def test_modules_load_from_the_zips_bytecode_not_their_source(package, tmp_path):
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    # Unchecked bytecode is used even when the source no longer matches it: app.py would now fail.
    with (tmp_path / "app.py").open("a") as source:
        source.write("\nraise SystemExit('app.py was compiled from source')\n")
    result = subprocess.run(
        [sys.executable, "-c", "import app; print(app.app.app_name)"],
        cwd=tmp_path, capture_output=True, text=True, env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert (result.returncode, result.stdout.strip()) == (0, "hc"), result.stderr


def test_zip_carries_the_docs_search_index_built_at_package_time(package):
    from chalicelib.web import docs_site

    with zipfile.ZipFile(package / "deployment.zip") as archive:
        carried = json.loads(archive.read(f"docs/site/{docs_site.SEARCH_INDEX_FILE}"))
    assert carried == docs_site.build_search_index()
    assert len(carried) > len(docs_site.SLUGS)  # a page's top and each of its headings


def test_zip_carries_the_docs_pages_the_readme_and_markdown(package):
    """/docs/ renders docs/site/*.md with the markdown package, and shows README.md's configuration table
    and DEPLOY.md."""
    names = set(zipfile.ZipFile(package / "deployment.zip").namelist())
    assert {"docs/site/introduction.md", "docs/site/api.md", "README.md", "docs/DEPLOY.md", "markdown/__init__.py"} <= names
