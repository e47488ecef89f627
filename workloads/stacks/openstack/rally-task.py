"""Run one Rally scenario against the deployed cloud and leave Rally's reports in OUT_DIR.

usage: rally-task.py OUT_DIR KEYSTONE_ADDR TITLE SCENARIO ARGS_JSON CONTEXTS_JSON TIMES CONCURRENCY

The OpenStack stack's workloads (workloads/stacks/openstack.yaml) start this from an argv in the client
node; enos then imports OUT_DIR/rally.json (workloads/rally.h) and keeps OUT_DIR/rally.html beside its
own report. Everything lives in OUT_DIR, nothing in the user's home: Rally's own SQLite database
(rally.db), its configuration (rally.conf, with the fast polling that lets the WAN show: Rally polls
every 1-2 s by default), its log (rally.log), the environment (spec.json: the stack's admin, password
enos like everything else in the stack, never in an environment variable or an argv), the task
(task.json) and a 1 KiB raw image file (tiny.raw) for scenarios that upload one. Rally's console output
goes to stderr, which enos keeps in OUT_DIR/WORKLOAD.log.

On SIGTERM (enos stopping the workload) the task is aborted (`rally task abort`), so the iterations
that finished are still reported. Rally itself ignores SIGTERM (it would die without writing anything):
this script asks it to stop. Exit status 0 when the JSON report was written (failed iterations are in
it), else 1 with the tail of rally.log on stderr.
"""
import json
import os
import signal
import subprocess
import sys
import time

POLL = 0.05
CONF = """[DEFAULT]
log_file = {out}/rally.log
[database]
connection = sqlite:///{out}/rally.db
[openstack]
nova_server_boot_prepoll_delay = 0
nova_server_boot_poll_interval = {poll}
nova_server_delete_prepoll_delay = 0
nova_server_delete_poll_interval = {poll}
glance_image_create_prepoll_delay = 0
glance_image_create_poll_interval = {poll}
glance_image_delete_poll_interval = {poll}
"""

stopping = False
task = None


def say(msg):
    print("rally-task: " + msg, file=sys.stderr, flush=True)


def ignore_term():
    # Inherited across exec (a handler would not be): SIGTERM to enos's session leaves Rally running
    # until it has aborted cleanly; SIGKILL still ends it.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def rally(conf, env, *args):
    t0 = time.monotonic()
    rc = subprocess.call(["rally", "--config-file", conf] + list(args), stdin=subprocess.DEVNULL,
                         stdout=sys.stderr, stderr=sys.stderr, env=env, preexec_fn=ignore_term)
    say("rally %s: exit %d in %.2f s" % (" ".join(args[:2]), rc, time.monotonic() - t0))
    return rc


def on_term(signum, frame):
    global stopping
    stopping = True


def tail(path, lines=20):
    try:
        with open(path, "rb") as f:
            data = f.read()[-8192:].decode("utf-8", "replace").splitlines()
    except OSError as e:
        return ["(no %s: %s)" % (path, e.strerror)]
    return data[-lines:]


def main(argv):
    global task
    if len(argv) != 9:
        print(__doc__, file=sys.stderr)
        return 2
    out, keystone, title, scenario, args, contexts, times, concurrency = argv[1:]
    out = os.path.abspath(out)
    os.makedirs(os.path.join(out, "home"), exist_ok=True)
    conf = os.path.join(out, "rally.conf")
    report = os.path.join(out, "rally.json")
    for name in ("rally.db", "rally.json", "rally.html"):
        try:
            os.unlink(os.path.join(out, name))
        except FileNotFoundError:
            pass
    with open(conf, "w") as f:
        f.write(CONF.format(out=out, poll=POLL))
    with open(os.path.join(out, "tiny.raw"), "wb") as f:
        f.write(b"\0" * 1024)
    spec = {"existing@openstack": {
        "auth_url": "http://%s:5000/v3" % keystone, "region_name": "RegionOne",
        "admin": {"username": "admin", "password": "enos", "project_name": "admin",
                  "user_domain_name": "Default", "project_domain_name": "Default"}}}
    with open(os.path.join(out, "spec.json"), "w") as f:
        json.dump(spec, f)
    with open(os.path.join(out, "task.json"), "w") as f:
        json.dump({"version": 2, "title": "enos " + title, "subtasks": [{
            "title": title,
            "scenario": {scenario: json.loads(args)},
            "runner": {"constant": {"times": int(times), "concurrency": int(concurrency)}},
            "contexts": json.loads(contexts)}]}, f, indent=1)
    env = dict(os.environ, HOME=os.path.join(out, "home"))
    for k in [k for k in env if k.startswith("OS_")]:
        del env[k]      # the spec is the only source of credentials
    signal.signal(signal.SIGTERM, on_term)

    if rally(conf, env, "db", "create") != 0 or \
            rally(conf, env, "env", "create", "--name", "enos", "--spec", os.path.join(out, "spec.json")) != 0:
        say("cannot prepare Rally; last lines of %s/rally.log:" % out)
        for line in tail(os.path.join(out, "rally.log")):
            print("  " + line, file=sys.stderr)
        return 1
    if not stopping:
        t0 = time.monotonic()
        task = subprocess.Popen(["rally", "--config-file", conf, "task", "start", "--task",
                                 os.path.join(out, "task.json")], stdin=subprocess.DEVNULL,
                                stdout=sys.stderr, stderr=sys.stderr, env=env, preexec_fn=ignore_term)
        aborted = False
        while task.poll() is None:
            if stopping and not aborted:
                say("stopping: aborting the task")
                rally(conf, env, "task", "abort")
                aborted = True
            time.sleep(0.2)
        # 0, or 2 when an SLA failed: the report says which iterations failed either way. Anything
        # else (110: the cloud did not answer Rally's validation) leaves a report without iterations.
        say("rally task start: exit %d in %.2f s" % (task.returncode, time.monotonic() - t0))
        if task.returncode not in (0, 2):
            say("the task did not run (exit %d); last lines of %s/rally.log:" % (task.returncode, out))
            for line in tail(os.path.join(out, "rally.log"), 5):
                print("  " + line, file=sys.stderr)
    rally(conf, env, "task", "report", "--json", "--out", report)
    if os.path.exists(report):
        rally(conf, env, "task", "report", "--html-static", "--out", os.path.join(out, "rally.html"))
        return 0
    say("Rally wrote no report %s; last lines of %s/rally.log:" % (report, out))
    for line in tail(os.path.join(out, "rally.log")):
        print("  " + line, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
