"""Flavor "tiny" and admin quotas large enough for scale runs; idempotent.

usage: flavor.py KEYSTONE_ADDR NOVA_API_ADDR
"""
import sys

from os_session import admin_session

s = admin_session(sys.argv[1])
url = "http://%s:8774/v2.1" % sys.argv[2]
if not [f for f in s.get(url + "/flavors").json()["flavors"] if f["name"] == "tiny"]:
    s.post(url + "/flavors", json={"flavor": {"name": "tiny", "ram": 64, "vcpus": 1, "disk": 1}})
project = s.get_project_id()
s.put(url + "/os-quota-sets/" + project,
      json={"quota_set": {"instances": 100000, "cores": 100000, "ram": 100000000}})
