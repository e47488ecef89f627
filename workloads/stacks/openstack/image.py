"""A public 1 KiB raw image named "tiny" (the fake driver never reads it); idempotent.

usage: image.py KEYSTONE_ADDR GLANCE_ADDR
"""
import sys

from os_session import admin_session

s = admin_session(sys.argv[1])
url = "http://%s:9292/v2/images" % sys.argv[2]
if not s.get(url + "?name=tiny").json()["images"]:
    image = s.post(url, json={"name": "tiny", "disk_format": "raw", "container_format": "bare",
                              "visibility": "public"}).json()
    s.put(url + "/" + image["id"] + "/file", data=b"\0" * 1024,
          headers={"Content-Type": "application/octet-stream"})
