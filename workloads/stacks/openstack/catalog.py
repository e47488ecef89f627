"""Service project, users with role admin, services and endpoints; idempotent.

usage: catalog.py KEYSTONE_ADDR PLACEMENT_ADDR GLANCE_ADDR NOVA_API_ADDR NEUTRON_ADDR
"""
import sys

from keystoneclient.v3 import client

from os_session import admin_session

keystone, placement, glance, nova, neutron = sys.argv[1:6]
ks = client.Client(session=admin_session(keystone))


def find(mgr, **kw):
    found = mgr.list(**kw)
    return found[0] if found else None


project = find(ks.projects, name="service") or ks.projects.create("service", "default")
admin = find(ks.roles, name="admin")
services = [("placement", "placement", "http://%s:8778" % placement),
            ("glance", "image", "http://%s:9292" % glance),
            ("nova", "compute", "http://%s:8774/v2.1" % nova),
            ("neutron", "network", "http://%s:9696" % neutron)]
for name, kind, url in services:
    user = find(ks.users, name=name) or ks.users.create(name, domain="default", password="enos")
    ks.roles.grant(admin, user=user, project=project)
    svc = find(ks.services, type=kind) or ks.services.create(name, type=kind)
    for interface in ("public", "internal"):
        if not find(ks.endpoints, service=svc, interface=interface):
            ks.endpoints.create(svc, url, interface=interface, region="RegionOne")
