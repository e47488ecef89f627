"""An admin keystoneauth session for the stack's helper scripts (password enos, like every other)."""
from keystoneauth1 import session
from keystoneauth1.identity import v3


def admin_session(keystone_addr):
    auth = v3.Password(auth_url="http://%s:5000/v3" % keystone_addr, username="admin", password="enos",
                       project_name="admin", user_domain_id="default", project_domain_id="default")
    return session.Session(auth=auth)
