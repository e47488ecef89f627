"""Neutron 21 reads Port.port_forwardings (a backref that exists only once SQLAlchemy has configured
its mappers) before its first query in GET /v2.0/ports, which then fails with AttributeError (HTTP 500)
until the API worker has served any other query. List networks first, then check that ports list:
nova lists ports on every server show and delete.

usage: neutron-prime.py KEYSTONE_ADDR NEUTRON_ADDR
"""
import sys

from os_session import admin_session

s = admin_session(sys.argv[1])
s.get("http://%s:9696/v2.0/networks?limit=1" % sys.argv[2])
s.get("http://%s:9696/v2.0/ports?limit=1" % sys.argv[2])
