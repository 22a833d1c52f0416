"""The site in a real browser: Debian's headless Chromium opens a case page and the query page, runs a
catalogue query through the page, and saves screenshots under output/screenshots/."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chromium_driver import Chromium, SiteServer, find_or_install_chromium
from exilegraph.catalogue import bind_params, catalogue, page_count_query, parse_header, with_page
from exilegraph.cli import main
from exilegraph.release import build_release
from exilegraph.resources import DEFAULT_BASE_IRI
from exilegraph.site.querypage import binding_modes

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
SCREENSHOTS = ROOT / "output" / "screenshots"


@pytest.fixture(scope="session")
def chromium_binary() -> str:
    found, why = find_or_install_chromium()
    if not found:
        pytest.skip(f"headless Chromium is not available: {why}")
    return found


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release([RECORDS], tmp_path_factory.mktemp("browser-out"), use_cache=False).path


@pytest.fixture(scope="module")
def server(release):
    srv = SiteServer(release / "site", release / "store")
    yield srv
    srv.close()


@pytest.fixture
def browser(chromium_binary, tmp_path):
    try:
        chrome = Chromium(chromium_binary, tmp_path / "profile")
    except ModuleNotFoundError:
        pytest.skip("the websocket-client package is missing: pip install -e '.[test]'")
    yield chrome
    chrome.close()


def test_case_page_shows_conflicts_side_by_side(browser, server):
    browser.navigate(server.url + "case/akhmetova-zhanara.html")
    assert browser.evaluate("document.querySelector('h1').textContent") == "Zhanara Akhmetova"
    conflicts = browser.evaluate("""[...document.querySelectorAll('#conflicts .conflict')].map(c => {
        const sides = [...c.querySelectorAll('.sides > .claim')].map(s => s.getBoundingClientRect());
        return {n: sides.length, tops: sides.map(r => Math.round(r.top)),
                lefts: sides.map(r => Math.round(r.left)),
                cited: c.querySelectorAll('.citations li').length};
    })""")
    from conftest import RECORDS
    from exilegraph.check import load_record

    expected = load_record(RECORDS / "akhmetova-zhanara.yaml").model.case.conflicts
    assert len(conflicts) == len(expected) >= 1
    assert sorted(c["n"] for c in conflicts) == sorted(len(x.claims) for x in expected)
    for c in conflicts:
        assert c["n"] >= 2 and c["cited"] >= 2
        # the first two claims stand next to each other: same top, different left
        assert c["tops"][0] == c["tops"][1] and c["lefts"][0] < c["lefts"][1], c
    stages = browser.evaluate(
        "[...document.querySelectorAll('#timeline .stage > h3')].map(h => h.textContent)"
    )
    assert stages[0].startswith("Stage 1") and stages[1].startswith("Stage 2")
    ld = json.loads(
        browser.evaluate("document.querySelector('script[type=\"application/ld+json\"]').textContent")
    )
    assert ld["@id"] == "https://w3id.org/exilegraph/case/akhmetova-zhanara"
    shot = browser.screenshot(SCREENSHOTS / "case-akhmetova-zhanara.png")
    assert shot.stat().st_size > 10_000
    assert browser.console_errors() == []


def test_case_page_reads_from_a_folder_without_a_server(browser, release):
    """file:// and no script: the page, its style sheet and its links work from the unpacked release."""
    browser.navigate((release / "site" / "case" / "akhmetova-zhanara.html").as_uri())
    assert browser.evaluate("getComputedStyle(document.querySelector('.conflict')).borderTopStyle") == "solid"
    assert browser.evaluate("document.querySelectorAll('script[src]').length") == 0
    assert browser.console_errors() == []


def test_query_page_runs_a_catalogue_query_with_a_parameter(browser, server, release, tmp_path):
    browser.navigate(server.url + "sparql.html")
    browser.wait_for("document.body.dataset.ready === 'true'")
    browser.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(tmp_path / "downloads"))
    browser.evaluate("""(() => {
        const select = document.getElementById('catalogue-select');
        select.value = 'case-timeline';
        select.dispatchEvent(new Event('change'));
        document.getElementById('param-case').value = 'akhmetova-zhanara';
        document.getElementById('run').click();
    })()""")
    status = browser.wait_for(
        "/rows?$/.test(document.getElementById('status').textContent) && "
        "document.getElementById('status').textContent"
    )
    table = browser.evaluate("""(() => {
        const t = document.getElementById('results-table');
        return {head: [...t.tHead.rows[0].cells].map(c => c.textContent),
                rows: [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent))};
    })()""")
    cli = CliRunner().invoke(
        main,
        [
            "query",
            "case-timeline",
            "--param",
            "case=akhmetova-zhanara",
            "--format",
            "json",
            "--release",
            str(release),
        ],
    )
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output)
    names = expected["head"]["vars"]
    assert table["head"] == names
    rows = [[b.get(n, {}).get("value", "") for n in names] for b in expected["results"]["bindings"]]
    assert len(rows) > 20 and table["rows"] == rows
    assert status == f"{len(rows)} rows"
    browser.screenshot(SCREENSHOTS / "query-case-timeline.png")

    browser.evaluate("document.getElementById('download-csv').click()")
    downloaded = tmp_path / "downloads" / "results.csv"
    browser.wait_for("true")  # give the download a moment
    for _ in range(50):
        if downloaded.is_file() and downloaded.stat().st_size:
            break
        browser.evaluate("new Promise(r => setTimeout(r, 100))", await_promise=True)
    got = list(csv.reader(io.StringIO(downloaded.read_text(encoding="utf-8"))))
    assert got == [names] + rows
    assert browser.console_errors() == []


def test_query_page_binds_country_parameters_like_the_cli(browser, server, release):
    browser.navigate(server.url + "sparql.html")
    browser.wait_for("document.body.dataset.ready === 'true'")
    browser.evaluate("""(() => {
        const select = document.getElementById('catalogue-select');
        select.value = 'cases-by-state';
        select.dispatchEvent(new Event('change'));
        document.getElementById('param-state').value = 'kz';
        document.getElementById('run').click();
    })()""")
    browser.wait_for("/rows?$/.test(document.getElementById('status').textContent)")
    cells = browser.evaluate(
        "[...document.querySelectorAll('#results-table tbody tr')]"
        ".map(r => [...r.cells].map(c => c.textContent))"
    )
    cli = CliRunner().invoke(
        main,
        ["query", "cases-by-state", "--param", "state=KZ", "--format", "json", "--release", str(release)],
    )
    expected = json.loads(cli.output)
    names = expected["head"]["vars"]
    assert cells == [[b.get(n, {}).get("value", "") for n in names] for b in expected["results"]["bindings"]]
    assert cells and all(c[0] == "Kazakhstan" for c in cells)
    # a case IRI in the results links to its page
    href = browser.evaluate("document.querySelector('#results-table a').getAttribute('href')")
    assert href.startswith("case/") and href.endswith(".html")
    # a wrong value is one message on the page, nothing is sent
    browser.evaluate(
        "document.getElementById('param-state').value = 'Atlantis'; document.getElementById('run').click()"
    )
    message = browser.wait_for(
        "document.getElementById('status').className === 'error' && "
        "document.getElementById('status').textContent"
    )
    assert "unknown country 'Atlantis'" in message
    assert browser.console_errors() == []


def test_query_page_binds_parameters_into_the_same_text_as_the_toolkit(browser, server):
    """The page's binding (JavaScript) and catalogue.bind_params (Python) give the same query text, inline
    and, for a query whose BIND would clash with VALUES, with the group nested."""
    browser.navigate(server.url + "sparql.html")
    browser.wait_for("document.body.dataset.ready === 'true'")
    entries = catalogue()
    checked = 0
    for name, entry in entries.items():
        params = {p.name: p.example for p in entry.params if p.example}
        if not params:
            continue
        js = browser.evaluate(f"""(() => {{
            const config = JSON.parse(document.getElementById('catalogue').textContent);
            const entry = config.queries.find(q => q.name === {json.dumps(name)});
            return window.exilegraphQuery.bindParams(entry.text, {json.dumps(params)}, entry);
        }})()""")
        assert js == bind_params(entry.text, params, entry, DEFAULT_BASE_IRI, name), name
        checked += 1
        if entry.page is not None:  # the page's OFFSET and the count of its keys, as the toolkit writes them
            paged = browser.evaluate(f"""(() => {{
                const config = JSON.parse(document.getElementById('catalogue').textContent);
                const entry = config.queries.find(q => q.name === {json.dumps(name)});
                return [window.exilegraphQuery.withPage({json.dumps(js)}, entry, 3),
                        window.exilegraphQuery.countQuery({json.dumps(js)}, entry)];
            }})()""")
            assert paged == [with_page(js, entry, 3), page_count_query(js, entry)], name
            checked += 1
    assert checked >= 7
    text = "# title: t\n# param: case — a case\nSELECT ?x WHERE { BIND(<urn:a> AS ?case) ?x ?p ?case }\n"
    entry = parse_header(text, Path("clash.rq"))
    assert binding_modes(entry) == {"case": "wrapped"}
    config = {
        "name": "clash",
        "text": text,
        "modes": binding_modes(entry),
        "params": [{"name": "case", "description": "a case", "optional": False}],
    }
    js = browser.evaluate(
        f"window.exilegraphQuery.bindParams({json.dumps(text)}, {{case: 'x'}}, {json.dumps(config)})"
    )
    assert js == bind_params(text, {"case": "x"}, entry)
    assert browser.console_errors() == []


def test_home_page_screenshot(browser, server):
    browser.navigate(server.url + "index.html")
    assert browser.evaluate("document.querySelectorAll('table.cases tbody tr').length") == 7
    browser.screenshot(SCREENSHOTS / "index.png")
    assert browser.console_errors() == []


def test_query_page_shows_which_page_of_a_listing_it_is(browser, server, release):
    """A listing in pages says which page of how many it shows, as `exilegraph query --page` does."""
    browser.navigate(server.url + "sparql.html")
    browser.wait_for("document.body.dataset.ready === 'true'")
    browser.evaluate("""(() => {
        const select = document.getElementById('catalogue-select');
        select.value = 'single-source-claims';
        select.dispatchEvent(new Event('change'));
        document.getElementById('run').click();
    })()""")
    try:
        status = browser.wait_for(
            "/page/.test(document.getElementById('status').textContent) && "
            "document.getElementById('status').textContent"
        )
    except TimeoutError:
        raise AssertionError(
            browser.evaluate("document.getElementById('status').textContent") + str(browser.console_errors())
        ) from None
    cli = CliRunner().invoke(
        main, ["query", "single-source-claims", "--format", "json", "--release", str(release)]
    )
    rows = len(json.loads(cli.stdout)["results"]["bindings"])
    assert status == f"{rows} rows, page 1 of 1 (500 cases a page)"
    assert browser.evaluate("document.getElementById('page-next').hidden") is True
    assert browser.evaluate("document.getElementById('page').value") == "1"
    assert browser.console_errors() == []
