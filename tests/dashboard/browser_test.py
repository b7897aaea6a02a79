#!/usr/bin/python3
"""The dashboard in a real browser (Debian's chromium + chromedriver, driven by Debian's
python3-selenium), on a real scheduler and worker: a six-point sweep and an inference job run
first; then each page loads with no console errors and shows the numbers the database holds, the
filter box filters (and names a bad filter), a confusion cell opens its images, the slider shows
another epoch's matrix, the compare page shows the differing parameter and the images that
flipped, live progress advances during a run, an editor can cancel it and a viewer sees no
actions.

  browser_test.py --bin BUILD_DIR [--screenshots DIR]

Exits 77 (skipped) when chromium, chromedriver or selenium is missing, unless
DERM_REQUIRE_BROWSER=1 (scripts/test.sh sets it). Waits are on conditions (a stream's next
event, WebDriverWait), never sleeps.
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

SKIP = 77


def skip_or_fail(why):
    if os.environ.get("DERM_REQUIRE_BROWSER") == "1":
        sys.exit(f"browser_test: {why}, and DERM_REQUIRE_BROWSER=1")
    print(f"browser_test: skipped: {why}")
    sys.exit(SKIP)


try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                            WebDriverException)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    skip_or_fail("python3-selenium is not installed")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
    skip_or_fail("chromium or chromedriver is not installed")

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}", flush=True)
    return ok


class Cluster:
    """derm-scheduler (with its HTTP server) and one derm-worker in a temporary folder."""

    def __init__(self, bin_dir, work):
        self.bin, self.work = bin_dir, work
        self.procs = []
        data = os.path.join(work, "data")
        subprocess.run([self.exe("worker/derm-worker"), "demo-data", "--out", data, "--classes", "3",
                        "--train-per-class", "14", "--test-per-class", "4", "--size", "32"],
                       check=True, stdout=subprocess.DEVNULL)
        self.train, self.test = os.path.join(data, "Train"), os.path.join(data, "Test")
        self.db = os.path.join(work, "results.db")
        sched = subprocess.Popen([self.exe("scheduler/derm-scheduler"), "--db", self.db, "--listen", "127.0.0.1:0",
                                  "--http-listen", "127.0.0.1:0", "--admin-token-file",
                                  os.path.join(work, "admin.token")],
                                 stdout=subprocess.PIPE, stderr=open(os.path.join(work, "scheduler.log"), "w"),
                                 text=True)
        self.procs.append(sched)
        for line in sched.stdout:
            if line.startswith("derm-scheduler listening on "):
                self.address = line.split()[-1]
            if line.startswith("derm-scheduler http on "):
                self.http = line.split()[-1]
                break
        self.base = f"http://{self.http}"
        self.admin = open(os.path.join(work, "admin.token")).read().strip()
        self.tokens = {role: self.create_token(f"{role}-user", role) for role in ("editor", "viewer", "worker")}
        token_file = os.path.join(work, "worker.token")
        with open(token_file, "w") as f:
            f.write(self.tokens["worker"])
        self.procs.append(subprocess.Popen([self.exe("worker/derm-worker"), "--scheduler", self.address, "--token-file",
                                            token_file, "--name", "browser-test-worker"],
                                           stdout=subprocess.DEVNULL,
                                           stderr=open(os.path.join(work, "worker.log"), "w")))

    def exe(self, rel):
        return os.path.join(self.bin, rel)

    def create_token(self, user, role):
        reply = self.api("POST", "/tokens", {"user": user, "role": role.upper()}, self.admin)
        return reply["secret"]

    def api(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + (token or self.tokens["editor"]))
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def follow(self, job_id):
        """Reads the job's event stream until it ends; returns the last state."""
        req = urllib.request.Request(f"{self.base}/api/v1/jobs/{job_id}/events")
        req.add_header("Authorization", "Bearer " + self.admin)
        state = None
        with urllib.request.urlopen(req, timeout=600) as r:
            for raw in r:
                line = raw.decode()
                if line.startswith("data: "):
                    state = json.loads(line[6:]).get("state", state)
        return state

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def sql(db, query, *args):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


class Browser:
    def __init__(self, base, shots):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1400,1000"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.base, self.shots = base, shots

    def wait(self, condition, what, timeout=60):
        try:
            # A live page redraws, and a form post navigates: an element found a moment ago may be gone
            # (stale, or chromedriver's "Node with given id does not belong to the document", a
            # WebDriverException); the condition is tried again.
            return WebDriverWait(self.d, timeout, ignored_exceptions=(StaleElementReferenceException,
                                                                      NoSuchElementException,
                                                                      WebDriverException)).until(
                lambda d: condition())
        except Exception:
            check(False, f"timed out waiting for {what} (at {self.d.current_url})")
            raise

    def console_errors(self, allowed=()):
        """Severe console lines (script errors, CSP refusals, failed loads) since the last call."""
        return [e["message"] for e in self.d.get_log("browser")
                if e["level"] in ("SEVERE", "WARNING") and not any(a in e["message"] for a in allowed)]

    def login(self, token):
        self.d.delete_all_cookies()
        self.d.get(self.base + "/")
        self.wait(lambda: self.d.find_elements(By.ID, "token"), "the login form")
        self.d.find_element(By.ID, "token").send_keys(token)
        self.d.find_element(By.ID, "login-button").click()

    def open(self, hash_route):
        self.d.get(self.base + "/" + hash_route)
        self.ready(hash_route)

    def ready(self, hash_route):
        self.wait(lambda: self.d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == hash_route,
                  f"page {hash_route}")

    def click(self, element_id):
        """Clicks the element, again if the live page redrew it between finding and clicking."""
        self.wait(lambda: self.d.find_element(By.ID, element_id).click() or True, f"a click on #{element_id}")

    def filter(self, text):
        """Types `text` in the runs page's search box and applies it."""
        box = self.d.find_element(By.ID, "filter")
        box.clear()
        box.send_keys(text)
        self.d.find_element(By.ID, "apply-filter").click()

    def text(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css).text

    def shot(self, name):
        if not self.shots:
            return
        self.d.execute_script("window.scrollTo(0, 0)")
        height = self.d.execute_script("return Math.max(document.body.scrollHeight, 700)")
        self.d.set_window_size(1400, min(height + 160, 4000))  # the window includes the browser frame
        self.d.save_screenshot(os.path.join(self.shots, name + ".png"))
        self.d.set_window_size(1400, 1000)

    def page_ok(self, name):
        errors = self.console_errors()
        check(not errors, f"{name}: console errors {errors}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the build folder")
    ap.add_argument("--screenshots", help="write a PNG of each page here")
    args = ap.parse_args()
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
    work = tempfile.mkdtemp(prefix="derm-browser-")
    cluster = Cluster(args.bin, work)
    browser = None
    try:
        browser = Browser(cluster.base, args.screenshots)
        run_checks(cluster, browser)
    finally:
        if browser:
            browser.d.quit()
        cluster.stop()
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"browser_test: logs kept in {work}")
    if failures:
        sys.exit(f"browser_test: {len(failures)} check(s) failed")
    print("browser_test: all checks passed")


def run_checks(cluster, b):
    db = cluster.db
    # A six-point sweep (learning rate x dropout) and an inference job with the first run's model.
    spec = {"name": "browser-sweep", "data": {"train_dir": cluster.train, "test_dir": cluster.test,
                                              "image_size": [32, 32]},
            "train": {"epochs": 3, "batch_size": 8}, "tags": {"team": "derm-qa"},
            "sweep": {"method": "grid", "parameters": {"train.learning_rate": {"values": ["0.001", "0.01", "0.03"]},
                                                       "model.dropout": {"values": ["0.2", "0.5"]}}}}
    sweep = cluster.api("POST", "/jobs", {"spec": spec})
    jobs = [j["id"] for j in sweep["sweep_jobs"]]
    for j in jobs:
        check(cluster.follow(j) == "SUCCEEDED", f"sweep job {j} succeeded")
    runs = [int(cluster.api("GET", f"/jobs/{j}")["run_id"]) for j in jobs]
    images = sorted(os.path.join(root, f) for root, _, files in os.walk(cluster.test) for f in files)
    infer = cluster.api("POST", "/jobs", {"spec": {"kind": "infer", "name": "browser-infer",
                                                   "model": {"run_id": str(runs[0])}, "input": {"paths": images}}})
    check(cluster.follow(infer["job"]["id"]) == "SUCCEEDED", "the inference job succeeded")
    check(sql(db, "SELECT count(*) FROM predictions WHERE job_id = ? AND split = 'infer'",
              int(infer["job"]["id"]))[0][0] == len(images), "the inference job stored a prediction per image")

    # Login: a wrong token is named, then the editor's works.
    b.login("derm_not_a_real_token")
    b.wait(lambda: b.d.find_element(By.ID, "login-error").is_displayed(), "the login error")
    check("not accepted" in b.text("#login-error"), "a wrong token is refused with a message")
    b.console_errors()  # the login page itself logs nothing; the refused POST answers a redirect
    b.shot("login")
    b.login(cluster.tokens["editor"])
    b.ready("#/runs")
    b.page_ok("login")

    # Runs: the table shows the stored figures; the filter filters; a bad filter is named.
    b.wait(lambda: len(b.d.find_elements(By.CSS_SELECTOR, "tr.run-row")) == len(runs), "a row per run")
    for run in runs:
        stored = sql(db, "SELECT best_val_accuracy, test_accuracy FROM run_summary WHERE run_id = ?", run)[0]
        row = f'tr.run-row[data-run="{run}"]'
        check(b.text(row + ' td[data-col="best_val_accuracy"]') == f"{stored[0]:.4f}",
              f"run {run}'s best validation accuracy is the stored {stored[0]:.4f}")
        check(b.text(row + ' td[data-col="test_accuracy"]') == f"{stored[1]:.4f}",
              f"run {run}'s test accuracy is the stored {stored[1]:.4f}")
    b.page_ok("runs")
    # A column for a tag: asked of the server for the page's runs in one request.
    b.d.find_element(By.ID, "add-column").send_keys("tags.team\n")
    b.wait(lambda: len(b.d.find_elements(By.CSS_SELECTOR, 'td[data-col="params.tags.team"]')) == len(runs),
           "the tags.team column")
    check(all(td.text == "derm-qa" for td in b.d.find_elements(By.CSS_SELECTOR, 'td[data-col="params.tags.team"]')),
          "the tags.team column shows each run's tag")
    b.page_ok("runs, tag column")
    b.filter("params.train.learning_rate > 0.005")
    fast = {r for (r,) in sql(db, "SELECT run_id FROM params WHERE name = 'train.learning_rate' AND value + 0 > 0.005")}
    check(0 < len(fast) < len(runs), "the filter test has runs on both sides")
    b.wait(lambda: {int(e.get_attribute("data-run")) for e in b.d.find_elements(By.CSS_SELECTOR, "tr.run-row")} == fast,
           "the filtered table")
    b.page_ok("runs, filtered")
    b.filter("learning_rate >>> 1")
    b.wait(lambda: b.d.find_element(By.ID, "filter-error").is_displayed(), "the filter error")
    check(b.text("#filter-error") != "", "a bad filter is named inline")
    errors = b.console_errors(allowed=("status of 400",))
    check(not errors, f"a bad filter logs only its 400: {errors}")
    b.open("#/runs?group=sweep")
    check(b.d.find_elements(By.CSS_SELECTOR, "tr.group"), "runs grouped by sweep have a group row")
    pair = [runs[0], runs[-1]]  # they differ in both parameters
    for run in pair:
        b.d.find_element(By.CSS_SELECTOR, f'input.select-run[data-run="{run}"]').click()
    b.shot("runs")
    b.d.find_element(By.ID, "compare-selected").click()
    b.ready("#/compare/" + ",".join(str(r) for r in pair))
    b.page_ok("runs, grouped")

    # Compare: the differing parameter, McNemar, and the images that flipped.
    for param in ("train.learning_rate", "model.dropout"):
        check(b.d.find_elements(By.CSS_SELECTOR, f'#differing-params tr[data-param="{param}"]'),
              f"compare shows {param} as differing")
    check(len(b.d.find_elements(By.CSS_SELECTOR, "#mcnemar tr")) == 2, "compare shows McNemar's test")
    flipped = sql(db, """SELECT count(*) FROM predictions a JOIN predictions b ON b.run_id = ? AND b.split = a.split
                         AND b.path = a.path WHERE a.run_id = ? AND a.split = 'validation'
                         AND (a.predicted_class = a.true_class) != (b.predicted_class = b.true_class)""",
                  pair[1], pair[0])[0][0]
    b.wait(lambda: b.d.find_elements(By.ID, "flips-title"), "the flipped images")
    check(len(b.d.find_elements(By.CSS_SELECTOR, "#flips .thumb")) == flipped,
          f"compare shows the {flipped} images that flipped")
    check(b.d.find_elements(By.ID, "confusion-difference"), "compare shows the confusion difference")
    b.shot("compare")
    b.page_ok("compare")

    # Sweep: parallel coordinates, one line per run.
    sweep_id = sweep["sweep_id"]
    b.open(f"#/sweep/{sweep_id}")
    check(len(b.d.find_elements(By.CSS_SELECTOR, "#parallel-coordinates path.series")) == len(runs),
          "the sweep page draws a line per run")
    b.shot("sweep")
    b.page_ok("sweep")

    # Run: figures as stored, the confusion matrix at two epochs, a cell's images.
    run = runs[0]
    b.open(f"#/run/{run}")
    last = sql(db, "SELECT epoch, val_accuracy, val_loss FROM epoch_metrics WHERE run_id = ? ORDER BY epoch DESC "
                   "LIMIT 1", run)[0]
    check(b.text("#run-val-accuracy") == f"{last[1]:.4f}", "the run page's validation accuracy is stored")
    check(b.text("#run-val-loss") == f"{last[2]:.4f}", "the run page's validation loss is stored")
    test_acc = sql(db, "SELECT test_accuracy FROM runs WHERE id = ?", run)[0][0]
    check(b.text("#run-test-accuracy") == f"{test_acc:.4f}", "the run page's test accuracy is stored")
    b.wait(lambda: b.d.find_elements(By.CSS_SELECTOR, "#chart-loss path.series"), "the loss curve")
    b.wait(lambda: b.d.find_elements(By.CSS_SELECTOR, "#confusion-matrix td.cell"), "the confusion matrix")

    def matrix_matches(epoch):
        cells = {(int(td.get_attribute("data-true")), int(td.get_attribute("data-pred"))): int(td.text)
                 for td in b.d.find_elements(By.CSS_SELECTOR, "#confusion-matrix td.cell")}
        stored = {(t, p): c for t, p, c in sql(db, "SELECT true_class, pred_class, count FROM confusion_cells "
                                                   "WHERE run_id = ? AND epoch = ? AND split = 'validation'",
                                               run, epoch)}
        return len(cells) == 9 and all(cells[k] == stored.get(k, 0) for k in cells)

    check(matrix_matches(last[0]), "the last epoch's confusion matrix is the stored one")
    # The fullest off-diagonal cell (a true X predicted as Y, X != Y), and the fullest cell of all.
    cells = sql(db, """SELECT true_class, predicted_class, count(*) FROM predictions
                       WHERE run_id = ? AND split = 'validation' GROUP BY 1, 2
                       ORDER BY true_class = predicted_class, 3 DESC""", run)
    for cell_true, cell_pred, count in {cells[0], max(cells, key=lambda c: c[2])}:
        b.d.find_element(By.CSS_SELECTOR, f'#confusion-matrix td[data-true="{cell_true}"][data-pred="{cell_pred}"]').click()
        b.wait(lambda: b.text("#cell-title").endswith(f": {count} images"), "the cell's images")
        paths = {t.get_attribute("alt") for t in b.d.find_elements(By.CSS_SELECTOR, "#thumbs .thumb img")}
        stored = {p for (p,) in sql(db, "SELECT path FROM predictions WHERE run_id = ? AND split = 'validation' AND "
                                        "true_class = ? AND predicted_class = ?", run, cell_true, cell_pred)}
        check(paths == stored, f"cell ({cell_true}, {cell_pred}) opens exactly its {count} images")
        b.wait(lambda: all(b.d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", t)
                           for t in b.d.find_elements(By.CSS_SELECTOR, "#thumbs .thumb img")),
               "the thumbnails to load")
    # The clinical evaluation of the last validation epoch, as stored.
    b.wait(lambda: b.d.find_elements(By.CSS_SELECTOR, "#evaluation-table tr[data-class]"), "the evaluation table")
    for k, auc in sql(db, "SELECT class_index, roc_auc FROM class_evaluation WHERE run_id = ? AND epoch = ? AND "
                          "split = 'validation'", run, last[0]):
        shown = b.text(f'#evaluation-table tr[data-class="{k}"] td.auc')
        check(shown == ("—" if auc is None else f"{auc:.4f}"), f"class {k}'s ROC AUC {shown} is the stored {auc}")
    check(b.d.find_elements(By.CSS_SELECTOR, "#chart-roc path.series"), "the ROC curves are drawn")
    b.shot("run")
    b.page_ok("run")
    slider = b.d.find_element(By.ID, "epoch-slider")
    b.d.execute_script("arguments[0].value = 1; arguments[0].dispatchEvent(new Event('input'));", slider)
    b.wait(lambda: b.text("#epoch-label").startswith("epoch 1 of"), "epoch 1")
    b.wait(lambda: matrix_matches(1), "epoch 1's confusion matrix")
    b.page_ok("run, epoch 1")
    if cluster.api("GET", f"/runs/{run}").get("result", {}).get("test"):
        from selenium.webdriver.support.ui import Select
        Select(b.d.find_element(By.ID, "split")).select_by_value("test")
        b.wait(lambda: b.text("#epoch-label") == "final model", "the test split")
        b.wait(lambda: "95 % bootstrap" in b.text("#evaluation-summary"), "the test split's intervals")
        b.page_ok("run, test split")

    # Jobs: a long run's live progress advances (5,000 epochs: it cannot end before the test cancels
    # it, however fast the machine); its editor cancels it from the page.
    long_job = cluster.api("POST", "/jobs", {"spec": {"name": "browser-live", "data": {
        "train_dir": cluster.train, "image_size": [32, 32]}, "train": {"epochs": 5000, "batch_size": 4}}})["job"]["id"]
    b.open("#/jobs")
    progress = f"#progress-{long_job} .progress-text"
    b.wait(lambda: b.d.find_elements(By.CSS_SELECTOR, progress), "live progress", timeout=120)

    def epoch_shown():
        try:
            return int(b.text(progress).split()[1])
        except Exception:
            return 0

    first = epoch_shown()
    b.wait(lambda: epoch_shown() >= first + 2, "the progress to advance two epochs", timeout=120)
    check(epoch_shown() >= first + 2, "live progress advances")
    b.wait(lambda: b.d.find_elements(By.CSS_SELECTOR, "#events .event"), "an event in the list")
    b.shot("jobs")
    b.page_ok("jobs")
    b.click(f"cancel-{long_job}")
    b.wait(lambda: cluster.api("GET", f"/jobs/{long_job}")["state"] == "CANCELLED", "the job to be cancelled")
    b.ready("#/jobs")
    b.page_ok("jobs, after cancelling")

    # The models page: two versions of a model, one promoted to staging, as SQL has them.
    cluster.api("POST", "/models", {"run_id": str(runs[0]), "name": "browser-model"})
    cluster.api("POST", "/models", {"run_id": str(runs[1]), "name": "browser-model"})
    cluster.api("POST", "/models/browser-model/versions/2/promote", {"stage": "staging", "reason": "browser check"})
    b.open("#/models")
    shown = [tuple(td.text for td in tr.find_elements(By.TAG_NAME, "td")[:4])
             for tr in b.d.find_elements(By.CSS_SELECTOR, "#models tr[data-version]")]
    stored = [(n, str(v), str(r), s) for n, v, r, s in
              sql(db, "SELECT name, version, run_id, stage FROM model_versions ORDER BY name, version")]
    check(len(stored) == 2 and shown == stored, f"the models page lists every version as stored: {shown} vs {stored}")
    changes = b.text("#models tr[data-version='browser-model/2']")
    check("none → staging by" in changes and "browser check" in changes, f"a version's stage change is shown: {changes}")
    b.shot("models")
    b.page_ok("models")

    # A viewer sees the same pages without actions.
    b.login(cluster.tokens["viewer"])
    b.ready("#/runs")
    b.open(f"#/run/{run}")
    check(not b.d.find_elements(By.CSS_SELECTOR, "#run-actions button"), "a viewer has no retry button")
    b.open("#/jobs")
    check(not b.d.find_elements(By.CSS_SELECTOR, "button[id^=drain-], button[id^=cancel-]"),
          "a viewer has no cancel or drain buttons")
    b.page_ok("viewer pages")


if __name__ == "__main__":
    main()
