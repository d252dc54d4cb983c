#!/usr/bin/env python3
"""Mutation check: applies deliberate bugs to the sources one at a time and runs the tests
that should catch each one (see docs/testing.md, "Mutation check").

    mutate.py BUILD_DIR [ID...]      run every mutation in mutations.json, or the given ids
    mutate.py --list                 list the mutations
    mutate.py --restore BUILD_DIR    put back a file left mutated by an interrupted run

For each mutation: the original snippet must occur exactly once in its file; the file is
saved, the snippet replaced, the mutation's test targets built (ninja, MUTATION_JOBS jobs,
all cores by default) and its tests run (ctest -R, under xvfb-run for the app's tests, with
--timeout MUTATION_TIMEOUT, 900 s by default, for tests without a timeout of their own). A
test that fails, or a build that fails, catches the mutation; a mutation whose tests all
pass survives. The file is always put back from the saved copy, also on an error or an
interrupt. At the end the test targets are built again from the restored sources. The
results go to BUILD_DIR/mutation/ (a log per mutation, results.md, results.json) and the
table is printed at the end.

Not registered in CTest: it rebuilds and reruns tests once per mutation and runs on demand.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
MUTATIONS = os.path.join(HERE, "mutations.json")
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24 -nolisten tcp"]


def load():
    with open(MUTATIONS, encoding="utf-8") as f:
        return json.load(f)["mutations"]


def where(m):
    """The file and line the mutation changes, as path:line."""
    with open(os.path.join(SOURCE, m["file"]), encoding="utf-8") as f:
        text = f.read()
    at = text.find(m["original"])
    line = text.count("\n", 0, at) + 1 if at >= 0 else 0
    return "%s:%d" % (m["file"], line)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted("signal %d" % signum)


def state_paths(build):
    work = os.path.join(build, "mutation")
    return work, os.path.join(work, "saved"), os.path.join(work, "state.json")


def restore(build):
    """Puts back the file a mutation changed, if a run left one changed."""
    work, saved, state = state_paths(build)
    if not os.path.exists(state):
        return False
    with open(state, encoding="utf-8") as f:
        s = json.load(f)
    # A fresh write (not a rename or a copy of times) so that the file is newer than the
    # mutated object files and the next build compiles the original again.
    with open(s["saved"], "rb") as src:
        data = src.read()
    with open(s["path"], "wb") as dst:
        dst.write(data)
    os.remove(state)
    print("restored %s" % s["path"], flush=True)
    return True


def uncommitted(files):
    out = subprocess.run(["git", "-C", SOURCE, "status", "--porcelain", "--"] + sorted(files),
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("mutation check: git status failed: " + out.stderr.strip())
    return [line for line in out.stdout.splitlines() if line.strip()]


def run_logged(cmd, log, env=None):
    with open(log, "a", encoding="utf-8") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        child = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
        try:
            return child.wait()
        except BaseException:
            # Interrupted: let ninja or ctest stop their own children, then make sure.
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            raise


def ctest_summary(log):
    """Which tests failed and which were skipped, from ctest's output."""
    failed, skipped = [], []
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            if " Test " in line and "#" in line and "sec" in line:
                name = line.split(":", 1)[-1].split()[0] if ":" in line else ""
                if "***Skipped" in line or " Skipped " in line:
                    skipped.append(name)
                elif "Passed" not in line:
                    failed.append(name)
    return failed, skipped


def run_one(m, build, jobs, logdir):
    work, saved, state = state_paths(build)
    path = os.path.join(SOURCE, m["file"])
    log = os.path.join(logdir, m["id"] + ".log")
    open(log, "w").close()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    count = text.count(m["original"])
    if count != 1:
        return {"result": "error", "detail": "original snippet found %d times" % count}
    os.makedirs(saved, exist_ok=True)
    keep = os.path.join(saved, m["file"].replace("/", "__"))
    shutil.copyfile(path, keep)
    with open(state, "w", encoding="utf-8") as f:
        json.dump({"path": path, "saved": keep, "id": m["id"]}, f)
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(m["original"], m["mutated"], 1))
        start = time.monotonic()
        rc = run_logged(["ninja", "-C", build, "-j", str(jobs)] + m["tests"], log)
        if rc != 0:
            return {"result": "caught (build failed)", "seconds": time.monotonic() - start}
        regex = "^(" + "|".join(m["tests"]) + ")$"
        timeout = os.environ.get("MUTATION_TIMEOUT", "900")
        cmd = ["ctest", "--test-dir", build, "-R", regex, "--timeout", timeout, "--output-on-failure"]
        if any(t.startswith("test_ui_") for t in m["tests"]) and shutil.which("xvfb-run"):
            cmd = XVFB + cmd
        rc = run_logged(cmd, log)
        failed, skipped = ctest_summary(log)
        seconds = time.monotonic() - start
        with open(log, encoding="utf-8", errors="replace") as f:
            if "No tests were found" in f.read():
                return {"result": "error", "detail": "no test matched " + regex, "seconds": seconds}
        if rc != 0:
            with open(log, encoding="utf-8", errors="replace") as f:
                hung = "***Timeout" in f.read()
            return {"result": "caught", "failed": failed, "seconds": seconds,
                    **({"detail": "a test ran past its timeout"} if hung else {})}
        if skipped:
            return {"result": "survived (tests skipped)", "skipped": skipped, "seconds": seconds}
        return {"result": "survived", "seconds": seconds}
    finally:
        restore(build)


def table(rows):
    out = ["| id | where | bug | tests | result |", "|---|---|---|---|---|"]
    for m, r in rows:
        result = r["result"]
        if r.get("failed"):
            result += " by " + ", ".join(r["failed"])
        if r.get("detail"):
            result += ": " + r["detail"]
        out.append("| %s | %s | %s | %s | %s |" % (m["id"], r["where"], m["bug"].replace("|", "\\|"),
                                                 ", ".join(m["tests"]), result))
    return "\n".join(out)


def main(argv):
    mutations = load()
    if argv[:1] == ["--list"]:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
        for m in mutations:
            print("%-40s %s" % (m["id"], m["bug"]))
        return 0
    if argv[:1] == ["--restore"] and len(argv) == 2:
        restore(os.path.abspath(argv[1]))
        return 0
    if not argv:
        print(__doc__)
        return 2
    build = os.path.abspath(argv[0])
    if not os.path.exists(os.path.join(build, "build.ninja")):
        sys.exit("mutation check: %s is not a configured Ninja build directory" % build)
    ids = argv[1:]
    known = {m["id"] for m in mutations}
    unknown = [i for i in ids if i not in known]
    if unknown:
        sys.exit("mutation check: unknown mutation id(s): " + ", ".join(unknown))
    chosen = [m for m in mutations if not ids or m["id"] in ids]
    restore(build)  # a run that was killed outright (SIGKILL) left a file mutated
    dirty = uncommitted({m["file"] for m in chosen})
    if dirty:
        sys.exit("mutation check: refusing to run: files it mutates have uncommitted changes:\n  " +
                 "\n  ".join(dirty))
    jobs = int(os.environ.get("MUTATION_JOBS") or os.cpu_count() or 1)
    work, _, _ = state_paths(build)
    logdir = os.path.join(work, "logs")
    os.makedirs(logdir, exist_ok=True)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    rows = []
    began = time.monotonic()
    try:
        for i, m in enumerate(chosen, 1):
            print("[%d/%d] %s: %s" % (i, len(chosen), m["id"], m["bug"]), flush=True)
            w = where(m)
            r = run_one(m, build, jobs, logdir)
            r["where"] = w
            rows.append((m, r))
            print("    %s (%.0f s)" % (r["result"], r.get("seconds", 0)), flush=True)
        # The test executables still hold the last mutation of each file: build them again from
        # the restored sources, so that a plain ctest afterwards tests the real code.
        targets = sorted({t for m, _ in rows for t in m["tests"]})
        print("rebuilding %s from the restored sources" % ", ".join(targets), flush=True)
        if run_logged(["ninja", "-C", build, "-j", str(jobs)] + targets, os.path.join(logdir, "rebuild.log")) != 0:
            print("mutation check: the rebuild failed, see %s" % os.path.join(logdir, "rebuild.log"), file=sys.stderr)
    except Interrupted as e:
        print("mutation check: interrupted (%s)" % e, file=sys.stderr)
        restore(build)
        return 130
    total = time.monotonic() - began
    caught = sum(1 for _, r in rows if r["result"] == "caught")
    build_failed = sum(1 for _, r in rows if r["result"] == "caught (build failed)")
    survived = sum(1 for _, r in rows if r["result"].startswith("survived"))
    errors = sum(1 for _, r in rows if r["result"] == "error")
    summary = ("%d mutations: %d caught by a failing test, %d caught by a failed build, %d survived, "
               "%d not run (error); %.0f s" % (len(rows), caught, build_failed, survived, errors, total))
    md = table(rows) + "\n\n" + summary + "\n"
    with open(os.path.join(work, "results.md"), "w", encoding="utf-8") as f:
        f.write(md)
    with open(os.path.join(work, "results.json"), "w", encoding="utf-8") as f:
        json.dump([dict(r, id=m["id"]) for m, r in rows], f, indent=2)
    print()
    print(md)
    return 1 if survived or errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
