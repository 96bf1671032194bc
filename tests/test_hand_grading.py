"""The TA's loop: grade, hand-grade in a real browser, save, merge, export; a roster; bad hand-grade files.

The class is graded by the CLI in a subprocess, as `make grade` does; the hand-grading page is driven
in Debian's chromium through chromium-driver and selenium, with the keyboard as a TA uses it.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import tempfile
import time
import tomllib
from pathlib import Path

import pytest

from autograder.incremental import ResultCache
from autograder.handgrading import HandGradesError, read_hand_grades, written_questions
from autograder.render.hand_grading import render_markdown
from test_cli import EXAMPLES, ROOT, run_cli
from test_render import tags_of

Q7 = tomllib.loads((ROOT / "assignments" / "conv-math" / "assignment.toml").read_text())["manual"]["q7"]["points"]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HOSTILE_ANSWER = r"""Flipping: $K[::-1, ::-1]$ and $$\sum_{i} x_i \, k_{n-i}$$

<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">
$\text{<img src=y onerror=window.pwned=3>}$ [click](javascript:window.pwned=4) ![tracker](http://example.invalid/t.png)
"""


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def canvas_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def hostile_notebook(folder: Path) -> None:
    """alice's notebook with a written answer full of HTML, script and LaTeX: 'mallory'."""
    nb = json.loads((EXAMPLES / "alice.ipynb").read_text())
    (answer,) = [c for c in nb["cells"] if "".join(c["source"]).startswith("Cross-correlation with a kernel K")]
    answer["source"] = HOSTILE_ANSWER
    (folder / "mallory.ipynb").write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The examples plus a hostile written answer, graded by the CLI: (base, out, completed process)."""
    base = tmp_path_factory.mktemp("ta")
    folder = base / "submissions"
    shutil.copytree(EXAMPLES, folder)
    hostile_notebook(folder)
    out = base / "out"
    done = run_cli("grade", str(folder), "--assignment", "assignments/conv-math", "--out", str(out))
    autograded.update({r["submission"]: float(r["score"]) for r in rows_of(out / "grades.csv")})
    return base, out, done


autograded: dict[str, float] = {}  # each submission's autograded points, read before any hand grade


def test_grade_writes_a_hand_grading_page_and_says_what_next(graded):
    base, out, done = graded
    assert done.returncode == 0, done.stderr
    page = out / "hand-grading" / "q7.html"
    assert page.is_file()
    said = " ".join(done.stderr.split())
    assert f"5 answers to q7 await hand grading: open {page}" in said
    assert "make merge" in said and f"python -m autograder merge --out {out}" in said
    assert str(base / "hand-grades") in said
    assert "identities in the exports are guessed from file names" in said
    html = page.read_text()
    assert "Rubric" in html and "flipped kernel" in html  # the rubric written in the assignment source
    assert "<script>window.pwned" not in html and "&lt;script&gt;window.pwned" in html


def test_rubric_is_in_the_solutions_and_never_in_the_student_notebook(assignment):
    (q7,) = written_questions(assignment)
    assert q7.rubric.startswith("**Rubric**")
    items = [float(n) for n in re.findall(r"^- \*\*(\d+(?:\.\d+)?) points?\*\*", q7.rubric, re.MULTILINE)]
    assert len(items) >= 2 and sum(items) == q7.points, "the rubric's items must add up to the question's points"
    assert "Deep-learning libraries compute" in q7.prompt and "Cross-correlation with a kernel" in q7.solution
    student = (assignment.student_notebook).read_text()
    solutions = (ROOT / "solutions" / "conv-math" / "conv-math.ipynb").read_text()
    assert "Rubric" not in student and "flipped kernel: the layer represents" not in student
    assert "Rubric" in solutions


@pytest.mark.parametrize("markdown, kept, never", [
    ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;", "<b>"),
    ("$\\text{<script>x</script>}$", "<mtext>", "<script"),  # markup inside math is dropped, never live
    ("[a](javascript:alert(1))", "a", "javascript:"),
    ("![alt text](http://example.invalid/x.png)", "[image: alt text]", "<img"),
    ("$x^2$ and $$\\sum_i a_i$$", "<msup>", "\\sum"),
    ("[ok](https://example.org)", 'href="https://example.org"', "javascript"),
])
def test_answers_render_safely(markdown, kept, never):
    html = str(render_markdown(markdown))
    assert kept in html and never not in html, html


def test_a_very_long_answer_is_cut_and_says_so():
    """A 2-million-character answer (markdown's limit) is drawn only in part, and the page says how much
    is missing, so that a grader does not take the cut answer for the whole of it."""
    from autograder.render.hand_grading import MAX_ANSWER_CHARS

    html = str(render_markdown("word " * (MAX_ANSWER_CHARS // 5 + 1000)))
    assert "goes on for 5,000 more characters" in html and len(html) < 2 * MAX_ANSWER_CHARS
    assert "goes on for" not in str(render_markdown("word " * 100))


def test_hand_grades_files_are_checked_line_by_line(tmp_path, assignment):
    questions = written_questions(assignment)
    folder = tmp_path / "hand-grades"
    folder.mkdir()
    bad = {
        f"question,submission,score\nq7,alice,{Q7 + 1}\n": f"outside 0..{Q7:g}",
        "question,submission,score\nq7,alice,six\n": "not a number",
        "question,submission,score\nq3,alice,1\n": "unknown question 'q3'",
        "submission,score\nalice,1\n": "lacks the column(s) question",
    }
    for text, message in bad.items():
        (folder / "g.csv").write_text(text)
        with pytest.raises(HandGradesError, match=re.escape(message)) as error:
            read_hand_grades(folder, questions)
        assert f"{folder / 'g.csv'}" in str(error.value)
    (folder / "g.csv").write_text("question,submission,score,comment\nq7,alice,6,ok\nq7,'=cmd,2,\nq7,bob,,\n")
    (folder / "h.csv").write_text("question,submission,score,comment\nq7,alice,5,other\n")
    with pytest.raises(HandGradesError, match="graded differently"):
        read_hand_grades(folder, questions)
    (folder / "h.csv").unlink()
    grades = read_hand_grades(folder, questions)
    assert grades[("alice", "q7")].score == 6 and grades[("=cmd", "q7")].score == 2
    assert grades[("bob", "q7")].score is None
    # As a spreadsheet with a decimal comma saves it: semicolons, "6,5", Windows-1252.
    (folder / "g.csv").write_bytes("question;submission;score;comment\r\nq7;Zoë;6,5;très bien\r\n".encode("cp1252"))
    grade = read_hand_grades(folder, questions)[("Zoë", "q7")]
    assert (grade.score, grade.comment) == (6.5, "très bien")


def test_a_bad_hand_grades_file_stops_the_merge_and_names_the_line(graded, tmp_path):
    base, out, _ = graded
    hand = tmp_path / "bad"
    hand.mkdir()
    (hand / "q7.csv").write_text(f"question,submission,score,max_score,comment\nq7,alice,{Q7 + 4},{Q7},\n")
    before = (out / "grades.csv").read_bytes()
    done = run_cli("merge", "--out", str(out), "--hand-grades", str(hand))
    assert done.returncode == 2
    assert f"{hand / 'q7.csv'}:2: score {Q7 + 4} is outside 0..{Q7:g}" in " ".join(done.stderr.split())
    assert (out / "grades.csv").read_bytes() == before


def test_a_roster_names_students_in_every_export(graded, tmp_path):
    base, out, _ = graded
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID,Name,Email,Submission\n"
                      "S001,Alice Liddell,alice@uni.example,alice.ipynb\n"
                      "S002,Bob Ross,bob@uni.example,bob\n"
                      "S009,Zoe Absent,zoe@uni.example,zoe.ipynb\n")
    other = tmp_path / "out"
    shutil.copytree(out, other)
    done = run_cli("merge", "--out", str(other), "--roster", str(roster), "--hand-grades", str(tmp_path / "none"))
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "submission(s) not in it, guessed from file names: carol" in said
    assert "1 roster student(s) without a submission" in said
    grades = {r["submission"]: r for r in rows_of(other / "grades.csv")}
    assert (grades["alice"]["student"], grades["alice"]["student_id"], grades["alice"]["email"], grades["alice"]["identity"]) == \
        ("Alice Liddell", "S001", "alice@uni.example", "roster")
    assert grades["carol"]["identity"] == "guessed from file name"
    gradescope = {r["Email"] or r["Name"]: r for r in rows_of(other / "exports" / "gradescope_scores.csv")}
    assert gradescope["alice@uni.example"]["Name"] == "Alice Liddell" and gradescope["alice@uni.example"]["SID"] == "S001"
    assert gradescope["zoe@uni.example"]["Total Score"] == "" and gradescope["zoe@uni.example"]["Status"] == "no submission"
    canvas = {r[0]: r for r in canvas_rows(other / "exports" / "canvas_gradebook.csv")}
    assert canvas["Bob Ross"][2] == "S002" and float(canvas["Bob Ross"][4]) == autograded["bob"]
    assert canvas["Zoe Absent"][4] == ""


# ----------------------------------------------------------------------------- in the browser


@pytest.fixture()
def browser(tmp_path):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (make test installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1200,1400",
                     f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.downloads = downloads
    yield driver
    driver.quit()


def wait_for(condition, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_grade_by_hand_in_the_browser_then_merge_into_every_report(graded, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, out, _ = graded
    page = out / "hand-grading" / "q7.html"
    browser.get(page.as_uri())
    answers = browser.find_elements(By.CSS_SELECTOR, "section.answer")
    order = [a.get_attribute("data-submission") for a in answers]
    assert order == ["alice", "bob", "carol", "dave", "mallory"]

    # The hostile answer: LaTeX rendered as MathML, no script ran, no image or live javascript: link.
    mallory = answers[4]
    assert mallory.find_elements(By.CSS_SELECTOR, "math msub") and mallory.find_elements(By.CSS_SELECTOR, "div.display-math math")
    assert "<script>window.pwned = 1</script>" in mallory.text and "[image: tracker]" in mallory.text
    assert not mallory.find_elements(By.TAG_NAME, "img") and not mallory.find_elements(By.TAG_NAME, "script")
    assert not mallory.find_elements(By.CSS_SELECTOR, "a[href^='javascript']")
    assert browser.execute_script("return window.pwned === undefined")

    # Hide names: the student's name disappears from every answer's heading.
    assert "alice" in answers[0].find_element(By.TAG_NAME, "h3").text
    browser.find_element(By.ID, "hide-names").click()
    assert all(a.get_attribute("data-submission") not in a.find_element(By.TAG_NAME, "h3").text for a in answers)
    browser.find_element(By.ID, "hide-names").click()

    # Keyboard: Enter opens the current answer's score; Enter in a score goes to the next answer.
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "score-1"
    browser.switch_to.active_element.send_keys("7.5", Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "score-2"
    browser.switch_to.active_element.send_keys("6", Keys.TAB)
    browser.switch_to.active_element.send_keys('Flip argued well; "equivariance" needs a word.\nSee rubric item 3.')
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    body.send_keys("j")  # the next answer, carol
    body.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "score-3"
    browser.switch_to.active_element.send_keys(f"{Q7 + 1}")  # over the question's points
    assert browser.switch_to.active_element.get_attribute("aria-invalid") == "true"
    browser.find_element(By.ID, "save").click()
    assert "Not saved" in browser.find_element(By.ID, "status").text
    assert not list(browser.downloads.iterdir()) and browser.execute_script("return typeof showSaveFilePicker") == "function"
    browser.switch_to.active_element.send_keys(Keys.CONTROL, "a")
    browser.switch_to.active_element.send_keys("2", Keys.ENTER)
    browser.switch_to.active_element.send_keys("0")  # dave: no working code, and a weak answer
    assert browser.find_element(By.ID, "progress-text").text == "4 of 5 graded"

    # The work survives a reload (kept in the browser).
    browser.refresh()
    assert browser.find_element(By.ID, "progress-text").text == "4 of 5 graded"
    assert browser.find_element(By.ID, "comment-2").get_attribute("value").startswith("Flip argued well")

    # Where the browser can write files (Chromium's file picker, stood in for here), the first save asks
    # where, and the next ones write the same file without asking.
    browser.execute_script("""
        window.picked = 0; window.written = [];
        window.showSaveFilePicker = async options => {
            window.picked += 1;
            return { name: options.suggestedName, createWritable: async () => {
                let text = "";
                return { write: async t => { text += t; }, close: async () => { window.written.push(text); } };
            } };
        };""")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.CONTROL, "s")
    body.send_keys(Keys.CONTROL, "s")
    wait_for(lambda: browser.execute_script("return window.written.length") == 2)
    assert browser.execute_script("return window.picked") == 1
    written = browser.execute_script("return window.written[1]")
    assert written.splitlines()[0] == "question,submission,score,max_score,comment" and "q7,alice,7.5," in written
    assert "Saved 4 of 5 grades to conv-math-q7-hand-grades.csv:" in browser.find_element(By.ID, "status").text

    # Elsewhere Save downloads the file.
    browser.execute_script("delete window.showSaveFilePicker; window.showSaveFilePicker = undefined;")
    body.send_keys(Keys.CONTROL, "s")
    saved = wait_for(lambda: [p for p in browser.downloads.glob("*.csv")])
    assert [p.name for p in saved] == ["conv-math-q7-hand-grades.csv"]
    assert "Saved 4 of 5 grades to conv-math-q7-hand-grades.csv (your downloads folder)" in browser.find_element(By.ID, "status").text

    # The TA keeps the CSV in hand-grades/ beside the output, and merges.
    hand = base / "hand-grades"
    hand.mkdir(exist_ok=True)
    shutil.copy(saved[0], hand / saved[0].name)
    done = run_cli("merge", "--out", str(out))
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "1 answer to q7 await hand grading" in said and "1 total(s) are left empty" in said

    hand_scores = {"alice": 7.5, "bob": 6, "carol": 2, "dave": 0}
    grades = {r["submission"]: r for r in rows_of(out / "grades.csv")}
    for name, points in hand_scores.items():
        row = grades[name]
        assert float(row["score"]) == autograded[name] + points and row["max_score"] == "100", row
        assert float(row["q7"]) == points
    assert grades["bob"]["q7 comment"] == 'Flip argued well; "equivariance" needs a word.\nSee rubric item 3.'
    assert grades["mallory"]["score"] == "" and grades["mallory"]["q7"] == ""  # missing, never zero
    assert "q7 not graded by hand yet" in grades["mallory"]["message"]
    assert grades["eve"]["score"] == "0" and grades["eve"]["max_score"] == "100"  # invalid: nothing to grade by hand

    gradescope = {r["Name"]: r for r in rows_of(out / "exports" / "gradescope_scores.csv")}
    assert float(gradescope["alice"]["Total Score"]) == autograded["alice"] + 7.5 and gradescope["alice"]["Max Points"] == "100"
    assert gradescope["mallory"]["Total Score"] == "" and "q7 not graded by hand" in gradescope["mallory"]["Status"]
    canvas = canvas_rows(out / "exports" / "canvas_gradebook.csv")
    assert canvas[1][4] == "100"  # Points Possible
    by_student = {r[0]: r[4] for r in canvas[2:]}
    assert float(by_student["bob"]) == autograded["bob"] + 6 and float(by_student["dave"]) == autograded["dave"] and by_student["mallory"] == ""

    hostile = (out / "feedback" / "mallory.html").read_text()  # the student's own page renders the answer safely too
    parsed = tags_of(hostile)
    assert "<msub>" in hostile and "img" not in parsed.tags and "script" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attributes)
    feedback = (out / "feedback" / "bob.html").read_text()
    bob = autograded["bob"] + 6
    assert f"{bob:g} / 100" in feedback and "equivariance" in feedback and f"6 / {Q7:g} points" in feedback
    results = json.loads((out / "results" / "bob.json").read_text())
    assert results["score"] == bob
    summary = (out / "summary.html").read_text()
    assert "4 of 5</strong> answers graded by hand" in summary and 'href="hand-grading/q7.html"' in summary
    assert '<span class="missing">missing</span>' in summary

    # The page made after the merge starts from the merged grades.
    browser.get((out / "hand-grading" / "q7.html").as_uri())
    assert browser.find_element(By.ID, "score-1").get_attribute("value") == "7.5"
    assert browser.find_element(By.ID, "progress-text").text == "4 of 5 graded"


@pytest.fixture()
def readable_place():
    """A world-readable folder outside /tmp (which every sandbox has its own of), as a course folder is."""
    place = Path(tempfile.mkdtemp(prefix=".course-", dir=ROOT))
    place.chmod(0o755)
    yield place
    shutil.rmtree(place)


def test_no_submission_can_read_hand_grades_or_the_roster(readable_place):
    """Hand grades and the roster lie outside the output folder; the sandbox must not read them either."""
    tmp_path = readable_place
    secret, email = "hand-grade-comment-3f9a1c", "roster-only@uni.example"
    hand = tmp_path / "hand-grades"
    hand.mkdir()
    (hand / "q7.csv").write_text(f"question,submission,score,max_score,comment\nq7,alice,3,{Q7},{secret}\n")
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student_id,name,email,submission\nS1,Snoop,{email},snoop.ipynb\n")
    nb = json.loads((EXAMPLES / "alice.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": (
        "import os\n"
        f"for path in ({str(hand / 'q7.csv')!r}, {str(roster)!r}):\n"
        "    try:\n        print('READ', open(path).read())\n    except OSError as error:\n        print('refused', error)\n"
        f"print('LISTED', os.listdir({str(hand)!r}) if os.path.isdir({str(hand)!r}) else 'none')\n")})
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "snoop.ipynb").write_text(json.dumps(nb))
    out = tmp_path / "out"
    done = run_cli("grade", str(folder), "--assignment", "assignments/conv-math", "--out", str(out), "--roster", str(roster))
    assert done.returncode == 0, done.stderr
    result = ResultCache(out, "").get("snoop", None, any_key=True)
    seen = result.stdout + result.message
    assert "refused" in seen and "READ question" not in seen and "READ student_id" not in seen, seen
    assert secret not in seen and email not in seen
    assert (out / "feedback" / "snoop.html").is_file()
