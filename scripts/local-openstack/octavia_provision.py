#!/usr/bin/python3
"""Idempotent Keystone provisioning of Octavia for scripts/local-openstack/octavia.sh.

Reuses provision.py's REST helpers and makes sure these exist (creating or
fixing what is missing, never deleting):

  * user ``octavia`` with role ``admin`` on project ``service`` (Octavia's
    service user: validates tokens, lists Glance images of every owner)
  * Octavia's roles ``load-balancer_admin``, ``load-balancer_member``,
    ``load-balancer_observer``, ``load-balancer_global_observer`` and
    ``load-balancer_quota_admin`` (its default policies name them)
  * ``load-balancer_member`` for the users demo and alt on their projects
  * service ``load-balancer`` (name ``octavia``) with public/internal/admin
    endpoints ``$OCTAVIA_URL`` in region ``$REGION``

Input from the environment: KEYSTONE_URL, GLANCE_URL, REGION, ADMIN_PASSWORD,
OCTAVIA_PASSWORD, OCTAVIA_URL.  Exit codes as provision.py's.
"""

import os
import sys
import urllib.error

import provision as ks

ROLES = (
    "load-balancer_admin",
    "load-balancer_member",
    "load-balancer_observer",
    "load-balancer_global_observer",
    "load-balancer_quota_admin",
)


def ensure_role(token, name):
    _, _, found = ks.call("GET", "/roles" + ks.q(name=name), token)
    if found["roles"]:
        return found["roles"][0]["id"]
    _, _, made = ks.call("POST", "/roles", token, {"role": {"name": name}})
    print(f"[local-openstack]   created role {name}")
    return made["role"]["id"]


def user_id(token, name):
    _, _, found = ks.call("GET", "/users" + ks.q(name=name, domain_id=ks.DOMAIN), token)
    return found["users"][0]["id"] if found["users"] else None


def main():
    admin_token = ks.password_auth("admin", os.environ["ADMIN_PASSWORD"], project="admin")
    if admin_token is None:
        print("[local-openstack]   admin password rejected by Keystone", file=sys.stderr)
        return 3
    admin_role = ks.role_id(admin_token, "admin")
    roles = {name: ensure_role(admin_token, name) for name in ROLES}

    service_project = ks.ensure_project(admin_token, "service", "Service users")
    octavia_user = ks.ensure_user(admin_token, "octavia", os.environ["OCTAVIA_PASSWORD"], service_project)
    ks.grant(admin_token, service_project, octavia_user, admin_role)

    for name in ("demo", "alt"):
        uid = user_id(admin_token, name)
        if uid is not None:
            project = ks.ensure_project(admin_token, name, f"Test project {name}")
            ks.grant(admin_token, project, uid, roles["load-balancer_member"])

    service = ks.ensure_service(admin_token, "load-balancer", "octavia", "Octavia Load Balancing service")
    ks.ensure_endpoints(admin_token, service, os.environ["OCTAVIA_URL"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ks.HttpError, urllib.error.URLError, OSError) as exc:
        print(f"[local-openstack] octavia provisioning failed: {exc}", file=sys.stderr)
        sys.exit(1)
