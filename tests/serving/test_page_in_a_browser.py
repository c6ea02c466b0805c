"""The page at / in a real headless browser (Debian's chromium, driven through its chromedriver by
Selenium): it loads with nothing from the internet, draws the boundary from the server's own
answers, and a click on the plane, a drawn digit, a typed table row and a typed sequence each get
the same answer as onnxruntime in-process."""

import json
import re
import shutil

import numpy as np
import pytest

from tests.conftest import project_dict
from tests.serving.test_server import reference, run_folder, served  # noqa: F401 (fixtures)

webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -e '.[test]' installs it; CI has it)")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver "
                                "(.ci/run installs them: apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_a_click_on_the_plane_answers_as_onnxruntime_does(served, browser):  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served.url + "/")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda b: b.find_element(By.ID, "plane").get_attribute("data-ready") == "1")
    card = browser.find_element(By.ID, "card-body").text
    assert "circle" in card and "probabilities" in card and "Dense" in card and "curl -d" in card
    canvas = browser.find_element(By.ID, "plane")
    width = canvas.size["width"]
    ActionChains(browser).move_to_element_with_offset(canvas, width // 4, -width // 4).click().perform()
    wait.until(lambda b: b.find_element(By.ID, "answer").get_attribute("data-answer"))
    text = browser.find_element(By.ID, "answer").text
    x1, x2 = (float(v) for v in re.match(r"\((-?[\d.]+), (-?[\d.]+)\)", text).groups())
    assert x1 == pytest.approx(3.0, abs=0.1) and x2 == pytest.approx(3.0, abs=0.1)
    answer = json.loads(browser.find_element(By.ID, "answer").get_attribute("data-answer"))
    point = json.loads(browser.find_element(By.ID, "answer").get_attribute("data-point"))
    expected = reference(served, np.array([point], np.float32))[0]
    np.testing.assert_allclose(answer["probabilities"]["data"], expected, atol=1e-6)
    assert f"class {answer['class']['data'][0]}" in text
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


@pytest.fixture(scope="module")
def digits_server(tmp_path_factory):
    """A small digits classifier, served."""
    from playground.core.io.rundir import write_run
    from playground.core.model.spec import Project
    from playground.core.training import Trainer
    from playground.serving.server import BackgroundServer
    from playground.serving.source import served_model

    raw = project_dict(layers=[{"type": "flatten"}, {"type": "dense", "units": 10}], loss="cross_entropy",
                       epochs=3, batch_size=32, learning_rate=0.1)
    raw["data"] = {"dataset": "digits", "samples": 400}
    project = Project.from_dict(raw)
    trainer = Trainer(project)
    trainer.run()
    folder = tmp_path_factory.mktemp("digits") / "digits"
    write_run(folder, project, trainer.state_dict(), trainer.history, trainer.metrics(), trainer.state())
    server = BackgroundServer(served_model(folder, tmp_path_factory.mktemp("export"))).start()
    yield server
    server.stop()


def test_a_digit_drawn_on_the_page_is_answered_as_onnxruntime_does(digits_server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(digits_server.url + "/")
    wait = WebDriverWait(browser, 30)
    canvas = wait.until(lambda b: b.find_element(By.ID, "drawing"))
    assert "8×8 pixels of 0–16" in browser.find_element(By.ID, "try-body").text
    size = canvas.size["width"]
    # a stroke down the middle: a "1"
    ActionChains(browser).move_to_element_with_offset(canvas, 0, -size // 3).click_and_hold() \
        .move_by_offset(0, size // 3).move_by_offset(0, size // 3).release().perform()
    browser.find_element(By.ID, "predict").click()
    wait.until(lambda b: b.find_element(By.ID, "answer").text.startswith("class"))
    shown = browser.find_element(By.ID, "answer")
    sent, answer = json.loads(shown.get_attribute("data-sent")), json.loads(shown.get_attribute("data-answer"))
    pixels = np.asarray(sent["data"], np.float32).reshape(sent["shape"])
    assert sent["shape"] == [1, 1, 8, 8] and 0 <= pixels.min() and pixels.max() <= 16 and pixels.max() > 8
    np.testing.assert_allclose(answer["probabilities"]["data"], reference(digits_server, pixels)[0], atol=1e-6)
    assert shown.text.startswith(f"class {answer['class']['data'][0]} with probability")


def serve_trained(project, folder):
    """Train `project`, write its run folder in `folder` and serve it (stop the server after)."""
    from playground.core.io.rundir import write_run
    from playground.core.training import Trainer
    from playground.serving.server import BackgroundServer
    from playground.serving.source import served_model

    trainer = Trainer(project)
    trainer.run()
    write_run(folder / "run", project, trainer.state_dict(), trainer.history, trainer.metrics(), trainer.state())
    return BackgroundServer(served_model(folder / "run", folder / "export")).start()


def typed_row(browser, server, values):
    """Open the page, type `values` into its fields and Predict: (the fields, what was sent, the answer)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server.url + "/")
    wait = WebDriverWait(browser, 30)
    fields = wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#row input"))
    for field, value in zip(fields, values):
        field.clear()
        field.send_keys(str(value))
    browser.find_element(By.ID, "predict").click()
    wait.until(lambda b: b.find_element(By.ID, "answer").get_attribute("data-answer"))
    shown = browser.find_element(By.ID, "answer")
    return fields, json.loads(shown.get_attribute("data-sent")), json.loads(shown.get_attribute("data-answer")), shown.text


def test_a_table_row_typed_on_the_page_is_answered_as_onnxruntime_does(tmp_path_factory, browser):
    from playground.core.model.spec import Project

    folder = tmp_path_factory.mktemp("table")
    rng = np.random.default_rng(0)
    rows = ["width,height,label"] + [f"{w:.2f},{h:.2f},{'tall' if h > w else 'wide'}"
                                     for w, h in rng.uniform(0, 10, (80, 2))]
    (folder / "boxes.csv").write_text("\n".join(rows))
    raw = project_dict(layers=[{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": 2}],
                       loss="cross_entropy", epochs=30, learning_rate=0.1)
    raw["data"] = {"dataset": "csv", "path": str(folder / "boxes.csv"), "target": "label"}
    server = serve_trained(Project.from_dict(raw), folder)
    try:
        fields, sent, answer, text = typed_row(browser, server, ("2.5", "7"))
        assert [f.get_attribute("name") for f in fields] == ["width", "height"]
        assert sent == {"shape": [1, 2], "data": [2.5, 7]}
        np.testing.assert_allclose(answer["probabilities"]["data"],
                                   reference(server, np.array([[2.5, 7.0]], np.float32))[0], atol=1e-6)
        assert answer["class"]["data"][0] in ("tall", "wide") and text.startswith("class")
    finally:
        server.stop()


def test_a_sequence_typed_on_the_page_is_answered_as_onnxruntime_does(tmp_path_factory, browser):
    """A sequence model (the sine forecaster): one field per step, the answer onnxruntime's."""
    from playground.assets import EXAMPLES
    from playground.core.io.project import load_project

    project = load_project(EXAMPLES / "sine-lstm.json").with_training(epochs=2, device="cpu")
    server = serve_trained(project, tmp_path_factory.mktemp("sequence"))
    try:
        steps = np.sin(np.linspace(0, 3, 24)).round(3)
        fields, sent, answer, _ = typed_row(browser, server, steps)
        assert len(fields) == 24
        assert sent["shape"] == [1, 24, 1] and sent["data"] == pytest.approx(list(steps))
        expected = reference(server, steps.astype(np.float32).reshape(1, 24, 1))
        np.testing.assert_allclose(next(iter(answer.values()))["data"], np.asarray(expected).reshape(-1), atol=1e-5)
    finally:
        server.stop()
