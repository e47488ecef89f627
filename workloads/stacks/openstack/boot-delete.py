#!/usr/bin/python3
# Boot one server and delete it through the compute API of the `openstack` stack, timing each step.
# Runs inside a client node (`enos exec -n EXP NODE -- /usr/bin/python3 .../boot-delete.py KEYSTONE_ADDR`),
# so every request crosses the emulated WAN the way a user's would. Talks HTTP with keystoneauth (what
# the openstack client uses) instead of forking the client per step, whose 2 s of start-up would hide
# the WAN. Prints key=value lines on stdout:
#   hypervisors=N up=M     hypervisors known to nova and how many are up
#   boot_request_s=S       POST /servers until its answer (202)
#   active_s=S             POST /servers until GET shows status ACTIVE
#   host=NAME              the compute it landed on
#   delete_s=S             DELETE until GET answers 404
# Exit status 0 when the server became ACTIVE and is gone, 1 otherwise (the reason on stderr).
import sys
import time

from keystoneauth1 import session
from keystoneauth1.identity import v3

POLL_S = 0.05
TIMEOUT_S = 120


def fail(msg):
    print("boot-delete: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        fail("usage: boot-delete.py KEYSTONE_ADDR")
    auth = v3.Password(auth_url="http://%s:5000/v3" % sys.argv[1], username="admin", password="enos",
                       project_name="admin", user_domain_id="default", project_domain_id="default")
    s = session.Session(auth=auth)
    hdr = {"OpenStack-API-Version": "compute 2.37", "X-OpenStack-Nova-API-Version": "2.37"}
    nova = s.get_endpoint(service_type="compute", interface="public")
    glance = s.get_endpoint(service_type="image", interface="public")

    hv = s.get(nova + "/os-hypervisors", headers=hdr).json()["hypervisors"]
    print("hypervisors=%d up=%d" % (len(hv), sum(1 for h in hv if h["state"] == "up")))
    image = s.get(glance + "/v2/images?name=tiny").json()["images"][0]["id"]
    flavor = [f["id"] for f in s.get(nova + "/flavors", headers=hdr).json()["flavors"] if f["name"] == "tiny"][0]

    t0 = time.monotonic()
    body = {"server": {"name": "enos-boot", "imageRef": image, "flavorRef": flavor, "networks": "none"}}
    server = s.post(nova + "/servers", json=body, headers=hdr).json()["server"]["id"]
    print("boot_request_s=%.3f" % (time.monotonic() - t0))
    while True:
        got = s.get(nova + "/servers/" + server, headers=hdr).json()["server"]
        if got["status"] == "ACTIVE":
            break
        if got["status"] == "ERROR" or time.monotonic() - t0 > TIMEOUT_S:
            fail("server %s is %s: %s" % (server, got["status"], got.get("fault", {}).get("message", "")))
        time.sleep(POLL_S)
    print("active_s=%.3f" % (time.monotonic() - t0))
    print("host=%s" % got.get("OS-EXT-SRV-ATTR:host"))

    t0 = time.monotonic()
    s.delete(nova + "/servers/" + server, headers=hdr)
    while s.get(nova + "/servers/" + server, headers=hdr, raise_exc=False).status_code != 404:
        if time.monotonic() - t0 > TIMEOUT_S:
            fail("server %s was not deleted in %d s" % (server, TIMEOUT_S))
        time.sleep(POLL_S)
    print("delete_s=%.3f" % (time.monotonic() - t0))


main()
