"""Build hook, job 1 of 3: run each lesson and keep its outputs.

For each lesson page (``docs/lessons/NN-slug.md`` or its ``.zh.md`` twin) it finds a run of the
page's code in ``.cache/lessons/runs/``, or runs the page as a notebook in a fresh kernel. Before
any page is rendered, ``on_files`` runs every lesson that has no run yet: most side by side, one
kernel per core on one thread each, and the few in ``ALONE`` by themselves first. A
run is keyed by the code cells, the kernel, every file of the ``lessons`` package, this hook and the
library versions, so a change to any of them runs the page again and a stale output is never
published; an edit to the prose alone does not. A cell that raises, or writes to stderr, fails the
build. The page's current text then gets the run's outputs (``borrow_outputs``), and
mkdocs-jupyter renders that copy (``execute: false`` in ``mkdocs.yml``). A Chinese twin is never
run: it runs the same code as its English page (checked here and by a test, comments aside), so its
cells get the English run's outputs.

Jobs 2 and 3: ``lesson_html.py`` slims the rendered page, ``downloads.py`` writes the notebooks and
the print edition.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import platform
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from importlib import metadata
from pathlib import Path

import jupytext
import nbformat
from lesson_pages import LESSON, ROOT, is_lesson, language
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.run_lessons")

CACHE = ROOT / ".cache" / "lessons"


LIBRARIES = (
    "torch",
    "numpy",
    "matplotlib",
    "scikit-learn",
    "jupytext",
    "nbconvert",
    "ipykernel",
    "mkdocs-jupyter",  # renders the page; its own cache of the render is keyed by content only
)


def _fingerprint() -> str:
    """Hash of everything besides the page that can change a lesson's outputs."""
    h = hashlib.sha256()
    package = (p for p in (ROOT / "lessons").rglob("*") if "__pycache__" not in p.parts)
    for path in sorted(p for p in package if p.is_file()):  # code, and data such as corpus.txt
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    # This hook is only the code that makes the cached notebook (how the page is then rendered is
    # redone on every build by lesson_html.py, so editing that does not re-run the lessons).
    for hook in (Path(__file__), Path(__file__).with_name("lesson_pages.py")):
        h.update(hook.read_bytes())
    h.update(platform.python_version().encode())
    for name in LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=missing".encode())
    return h.hexdigest()


# Most pages run side by side, one kernel per core, each computing on one thread (as each page
# does under `make test`: a pytest-xdist worker per core, one thread each). A page in ALONE runs
# before them, by itself, with every core: lesson 15 times two processes against one, and lessons
# 13 and 14 need both cores of a 2-core machine to stay within the 15 s budget.
ALONE = {"13-capsule-networks", "14-attention-transformers", "15-data-parallel-training"}


def threads(page: Path) -> int:
    """How many threads the kernel that runs ``page`` computes on."""
    return _cpus() if english_twin(page).stem in ALONE else 1


def run_all(pages: list[Path]) -> None:
    """Run every English page of ``pages`` that has no run in the cache: first those in ``ALONE``,
    one at a time, then the others side by side, one kernel per core."""
    todo = [page for page in pages if not run_path(page).exists()]
    for page in (p for p in todo if p.stem in ALONE):
        log.info("Executing %s on %d threads, alone", page.name, threads(page))
        execute(page, run_path(page))
    rest = [page for page in todo if page.stem not in ALONE]
    if not rest:
        return
    jobs = min(len(rest), _cpus())
    log.info("Executing %s, %d at a time on one thread each", _lessons(len(rest)), jobs)
    with ThreadPoolExecutor(jobs) as pool:  # the work is in the kernels, not in these threads
        futures = [(page, pool.submit(execute, page, run_path(page))) for page in rest]
        try:
            for page, future in futures:
                future.result()
                log.info("Executed %s", page.name)
        except BaseException:
            pool.shutdown(cancel_futures=True)  # a page failed: start no more
            raise


def _lessons(n: int) -> str:
    return "1 lesson" if n == 1 else f"{n} lessons"


def execute(source: Path, destination: Path) -> None:
    """Run ``source`` top to bottom in a fresh kernel in an empty folder; save it with outputs."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.read(source)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # inline backend draws figures
    n = str(threads(source))  # PyTorch's and NumPy's thread pools, so the page's metadata is true
    env.update(OMP_NUM_THREADS=n, MKL_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n)
    with tempfile.TemporaryDirectory() as workdir:
        client = NotebookClient(
            nb,
            config=_kernel_config(workdir),
            kernel_name="python3",
            timeout=600,
            resources={"metadata": {"path": workdir}},
        )
        try:
            client.execute(env=env)
        except CellExecutionError as error:
            msg = f"{source.name}: a cell raised while building the page\n{error}"
            raise PluginError(msg) from None
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                raise PluginError(
                    f"{source.name}: a cell wrote to stderr (a warning?); fix it so the page stays "
                    f"clean:\n{cell.source[:300]}\n--- stderr ---\n{output.get('text', '')[:500]}"
                )
    nb.metadata["lessons_build"] = {
        "seconds": round(_run_seconds(nb), 2),
        "python": platform.python_version(),
        "torch": metadata.version("torch"),
        "cpus": _cpus(),
        "threads": threads(source),
    }
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(destination)


def _kernel_config(workdir: str):
    """Settings for the page's fresh kernel: talk to the build over sockets in ``workdir``.

    Over TCP (the default) every kernel warns that its traffic is unencrypted; Unix sockets in the
    page's own temporary folder are private and keep the build's output clean. Windows has no Unix
    sockets there, so it keeps TCP.
    """
    from traitlets.config import Config

    config = Config()
    if os.name == "posix":
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(workdir, "kernel")
    return config


def _run_seconds(nb) -> float:
    """Seconds from the first cell's start to the last cell's end (kernel start-up excluded)."""
    times = [c.metadata.get("execution", {}) for c in nb.cells if c.cell_type == "code"]
    first, last = times[0]["iopub.execute_input"], times[-1]["shell.execute_reply"]
    elapsed = datetime.fromisoformat(_iso(last)) - datetime.fromisoformat(_iso(first))
    return elapsed.total_seconds()


def _cpus() -> int:
    """CPU cores this process may use (a container's limit, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _iso(stamp: str) -> str:
    return stamp.replace("Z", "+00:00")


_state: dict = {}


def on_pre_build(config) -> None:
    _state["fingerprint"] = _fingerprint()


def on_files(files, config):
    """Run every lesson this build needs and has no run of, before the pages are rendered."""
    sources = {english_twin(Path(f.abs_src_path)) for f in files if LESSON.match(f.src_uri)}
    run_all(sorted(sources))
    return files


def _render_cache_per_language(page, config) -> None:
    """mkdocs-jupyter caches each rendered notebook (``cache: true`` in ``mkdocs.yml``), keyed by
    its content, and after a build evicts every cached page that build did not use. The i18n
    plugin builds each language in turn, so one shared folder loses the other language's pages
    every time: each language gets its own folder, set just before the plugin looks."""
    jupyter = config["plugins"].get("mkdocs-jupyter")
    if jupyter is not None:
        folder = ROOT / ".cache" / "mkdocs-jupyter" / language(page)
        jupyter.config["cache_dir"] = str(folder)


def _code_key(page: Path) -> str:
    """Hash of what running ``page`` depends on: its code cells, its kernel and the fingerprint.

    Prose is left out, so an edited sentence does not re-run the page: the new prose takes the
    outputs of the last run of the same code. Worked out once per build and version of the file.
    """
    seen = (page, page.stat().st_mtime_ns, _state["fingerprint"])
    if seen not in _keys:
        nb = jupytext.read(page)
        code = "\n\0".join(c.source for c in nb.cells if c.cell_type == "code")
        kernel = json.dumps(nb.metadata.get("kernelspec", {}), sort_keys=True)
        text = code + "\0" + kernel + "\0" + _state["fingerprint"]
        _keys[seen] = hashlib.sha256(text.encode()).hexdigest()[:20]
    return _keys[seen]


_keys: dict = {}


def english_twin(source: Path) -> Path:
    return source.with_name(source.name.replace(".zh.md", ".md"))


def run_path(english: Path) -> Path:
    """Where the run of the English page ``english``'s current code is cached."""
    return CACHE / "runs" / f"{english.stem}-{_code_key(english)}.ipynb"


def executed_copy(source: Path) -> Path:
    """The page ``source`` with its outputs: its current text, with the outputs of a run of its
    code, from the cache (``.cache/lessons/runs/``) or run now.

    A Chinese page runs exactly the English page's code (``borrow_outputs`` and tests/test_pages.py
    check it, comments aside), so it is never run itself: its cells get the outputs of the English
    page's run.
    """
    english = english_twin(source)
    run = run_path(english)
    if not run.exists():
        log.info("Executing %s", english.name)
        execute(english, run)
    key = hashlib.sha256(source.read_bytes() + run.name.encode()).hexdigest()[:20]
    executed = CACHE / f"{source.stem}-{key}.ipynb"
    if executed.exists():
        log.info("Cached outputs: %s", source.name)
    else:
        log.info("Outputs of the run of %s for %s", english.name, source.name)
        borrow_outputs(source, run, executed)
    return executed


def same_code(source: str) -> str:
    """A cell's code with comments dropped and layout normalised, for comparing the twins.

    Parsing to an AST and back drops comments and the line breaks a formatter chooses (a longer
    comment can make ruff split a line differently); names, strings and numbers must all match.
    """
    return ast.unparse(ast.parse(source))


def borrow_outputs(source: Path, executed_twin: Path, destination: Path) -> None:
    """Write ``source`` as a notebook whose code cells carry the outputs of ``executed_twin``."""
    nb = jupytext.read(source)
    done = nbformat.read(executed_twin, as_version=4)
    mine = [c for c in nb.cells if c.cell_type == "code"]
    theirs = [c for c in done.cells if c.cell_type == "code"]
    if len(mine) != len(theirs):
        raise PluginError(
            f"{source.name} has {len(mine)} code cells and its English twin {len(theirs)}; "
            "the twins must run the same code"
        )
    for n, (cell, run) in enumerate(zip(mine, theirs, strict=True), 1):
        try:
            differs = same_code(cell.source) != same_code(run.source)
        except SyntaxError as error:
            raise PluginError(
                f"{source.name}: code cell {n} is not valid Python: {error}"
            ) from None
        if differs:
            raise PluginError(
                f"{source.name}: code cell {n} differs from its English twin's (comments aside); "
                "a Chinese page shows the English run's outputs, so make the same edit in both "
                "(or serve English alone: LESSONS_LANGUAGE=en make serve)"
            )
        cell.outputs, cell.execution_count = run.outputs, run.execution_count
        cell.metadata["execution"] = run.metadata.get("execution", {})
    nb.metadata["lessons_build"] = done.metadata["lessons_build"]
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(destination)


@event_priority(100)  # before mkdocs-jupyter reads the file
def on_pre_page(page, config, files):
    if not is_lesson(page):
        return page
    _render_cache_per_language(page, config)
    source = Path(page.file.abs_src_path)
    executed = executed_copy(source)
    page.lesson_source = source
    built = json.loads(executed.read_text(encoding="utf-8"))
    page.lesson_build = built["metadata"]["lessons_build"]
    page.file.abs_src_path = str(executed)  # mkdocs-jupyter renders the executed copy
    return page
