#!/usr/bin/python3
"""Idempotent Keystone provisioning for scripts/local-openstack.sh.

Run with the Debian system interpreter (/usr/bin/python3); only the standard
library is used.  Talks plain REST to Keystone with an admin token and makes
sure these exist (creating or fixing what is missing, never deleting):

  * project ``service`` and user ``glance`` with role ``admin`` on it
  * service ``image`` (name ``glance``) with public/internal/admin endpoints
    ``$GLANCE_URL`` in region ``$REGION``
  * projects ``demo`` and ``alt``, each with a same-named user holding role
    ``member`` on its project

With REGION_TWO set (``local-openstack.sh start --region-two``), also:

  * endpoint group ``local-openstack-<REGION>`` (every endpoint of ``$REGION``)
    associated with the projects admin, service, demo and alt: Keystone's
    endpoint filter then gives them exactly the catalog they have without
    region two, so clients that name no region still find one image endpoint
  * region ``$REGION_TWO`` and the image service's public/internal/admin
    endpoints ``$GLANCE2_URL`` in it (created after the associations above, so
    no token of those projects ever lists them)
  * project ``multi`` with user ``multi`` (role ``member``), associated with the
    endpoint groups of both regions: its catalog has both

Input comes from the environment (never argv, so passwords do not show up in
``ps``): KEYSTONE_URL, GLANCE_URL, REGION, ADMIN_PASSWORD, GLANCE_PASSWORD,
DEMO_PASSWORD, ALT_PASSWORD; for region two REGION_TWO, GLANCE2_URL,
MULTI_PASSWORD.

Exit codes: 0 ok, 3 the admin password was rejected (the caller re-runs
``keystone-manage bootstrap`` and tries again), 1 anything else.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

KEYSTONE = os.environ["KEYSTONE_URL"].rstrip("/")  # e.g. http://127.0.0.1:5000/v3
GLANCE_URL = os.environ["GLANCE_URL"]
REGION = os.environ.get("REGION", "RegionOne")
DOMAIN = "default"
PASSWORDS_RESET = []


class HttpError(Exception):
    def __init__(self, method, url, status, body):
        super().__init__(f"{method} {url} -> HTTP {status}: {body[:500]}")
        self.status = status


def call(method, path, token=None, body=None, ok=(200, 201, 204)):
    url = path if path.startswith("http") else KEYSTONE + path
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            status, headers = resp.status, resp.headers
    except urllib.error.HTTPError as err:
        raw = err.read()
        status, headers = err.code, err.headers
    if status not in ok:
        raise HttpError(method, url, status, raw.decode(errors="replace"))
    parsed = json.loads(raw) if raw else {}
    return status, headers, parsed


def password_auth(username, password, project=None):
    """Return a token, or None when Keystone answers 401."""
    auth = {
        "identity": {
            "methods": ["password"],
            "password": {
                "user": {"name": username, "domain": {"id": DOMAIN}, "password": password}
            },
        }
    }
    if project:
        auth["scope"] = {"project": {"name": project, "domain": {"id": DOMAIN}}}
    try:
        _, headers, _ = call("POST", "/auth/tokens", body={"auth": auth}, ok=(201,))
    except HttpError as err:
        if err.status == 401:
            return None
        raise
    return headers["X-Subject-Token"]


def q(**params):
    return "?" + urllib.parse.urlencode(params)


def ensure_project(token, name, description):
    _, _, found = call("GET", "/projects" + q(name=name, domain_id=DOMAIN), token)
    if found["projects"]:
        return found["projects"][0]["id"]
    _, _, made = call("POST", "/projects", token, {
        "project": {"name": name, "domain_id": DOMAIN, "description": description, "enabled": True}
    })
    print(f"[local-openstack]   created project {name}")
    return made["project"]["id"]


def ensure_user(token, name, password, project_id):
    _, _, found = call("GET", "/users" + q(name=name, domain_id=DOMAIN), token)
    if found["users"]:
        user = found["users"][0]
        # Only touch the password when the stored one is rejected: a password
        # change revokes the user's tokens.
        if password_auth(name, password) is None:
            call("PATCH", f"/users/{user['id']}", token, {
                "user": {"password": password, "enabled": True}
            })
            print(f"[local-openstack]   reset password of user {name}")
            PASSWORDS_RESET.append(name)
        return user["id"]
    _, _, made = call("POST", "/users", token, {
        "user": {
            "name": name,
            "domain_id": DOMAIN,
            "password": password,
            "default_project_id": project_id,
            "enabled": True,
        }
    })
    print(f"[local-openstack]   created user {name}")
    return made["user"]["id"]


def role_id(token, name):
    _, _, found = call("GET", "/roles" + q(name=name), token)
    if not found["roles"]:
        raise SystemExit(f"role {name!r} does not exist (keystone-manage bootstrap not run?)")
    return found["roles"][0]["id"]


def grant(token, project_id, user_id, rid):
    # PUT is idempotent (204 whether or not the assignment existed).
    call("PUT", f"/projects/{project_id}/users/{user_id}/roles/{rid}", token)


def ensure_service(token, stype, name, description):
    _, _, found = call("GET", "/services" + q(type=stype), token)
    for svc in found["services"]:
        if svc.get("name") == name:
            return svc["id"]
    _, _, made = call("POST", "/services", token, {
        "service": {"type": stype, "name": name, "description": description, "enabled": True}
    })
    print(f"[local-openstack]   created service {name} ({stype})")
    return made["service"]["id"]


def ensure_endpoints(token, service_id, url, region=REGION):
    _, _, found = call("GET", "/endpoints" + q(service_id=service_id), token)
    existing = {}
    for ep in found["endpoints"]:
        if ep.get("region_id") == region:
            existing.setdefault(ep["interface"], ep)
    for interface in ("public", "internal", "admin"):
        ep = existing.get(interface)
        if ep is None:
            call("POST", "/endpoints", token, {
                "endpoint": {
                    "service_id": service_id,
                    "interface": interface,
                    "url": url,
                    "region_id": region,
                    "enabled": True,
                }
            })
            print(f"[local-openstack]   created {interface} endpoint {url}")
        elif ep["url"] != url or not ep.get("enabled", True):
            call("PATCH", f"/endpoints/{ep['id']}", token, {"endpoint": {"url": url, "enabled": True}})
            print(f"[local-openstack]   updated {interface} endpoint to {url}")


def ensure_region(token, region_id):
    _, _, found = call("GET", "/regions", token)
    if any(r["id"] == region_id for r in found["regions"]):
        return
    call("POST", "/regions", token, {"region": {"id": region_id, "description": "local-openstack second region"}})
    print(f"[local-openstack]   created region {region_id}")


def ensure_endpoint_group(token, region_id):
    """An endpoint group of every endpoint in a region (a filter: later endpoints join it)."""
    name = f"local-openstack-{region_id}"
    _, _, found = call("GET", "/OS-EP-FILTER/endpoint_groups" + q(name=name), token)
    for group in found["endpoint_groups"]:
        if group.get("name") == name:
            if group.get("filters") != {"region_id": region_id}:
                call("PATCH", f"/OS-EP-FILTER/endpoint_groups/{group['id']}", token,
                     {"endpoint_group": {"filters": {"region_id": region_id}}})
            return group["id"]
    _, _, made = call("POST", "/OS-EP-FILTER/endpoint_groups", token, {
        "endpoint_group": {
            "name": name,
            "description": f"every endpoint of region {region_id} (scripts/local-openstack.sh)",
            "filters": {"region_id": region_id},
        }
    })
    print(f"[local-openstack]   created endpoint group {name}")
    return made["endpoint_group"]["id"]


def associate(token, group_id, project_id):
    # 409: the association exists already.
    call("PUT", f"/OS-EP-FILTER/endpoint_groups/{group_id}/projects/{project_id}", token, ok=(200, 201, 204, 409))


def provision_region_two(token, image_service, member_role):
    region_two = os.environ["REGION_TWO"]
    group_one = ensure_endpoint_group(token, REGION)
    # Associations first: from now on these projects' catalogs are filtered to
    # REGION, which is all they have so far.
    for name in ("admin", "service", "demo", "alt"):
        _, _, found = call("GET", "/projects" + q(name=name, domain_id=DOMAIN), token)
        if found["projects"]:
            associate(token, group_one, found["projects"][0]["id"])
    ensure_region(token, region_two)
    group_two = ensure_endpoint_group(token, region_two)
    project = ensure_project(token, "multi", "Test project that sees both regions")
    user = ensure_user(token, "multi", os.environ["MULTI_PASSWORD"], project)
    grant(token, project, user, member_role)
    associate(token, group_one, project)
    associate(token, group_two, project)
    ensure_endpoints(token, image_service, os.environ["GLANCE2_URL"], region=region_two)


def main():
    admin_token = password_auth("admin", os.environ["ADMIN_PASSWORD"], project="admin")
    if admin_token is None:
        print("[local-openstack]   admin password rejected by Keystone", file=sys.stderr)
        return 3

    admin_role = role_id(admin_token, "admin")
    member_role = role_id(admin_token, "member")

    service_project = ensure_project(admin_token, "service", "Service users")
    glance_user = ensure_user(admin_token, "glance", os.environ["GLANCE_PASSWORD"], service_project)
    grant(admin_token, service_project, glance_user, admin_role)

    image_service = ensure_service(admin_token, "image", "glance", "OpenStack Image service")
    ensure_endpoints(admin_token, image_service, GLANCE_URL)

    for name, env in (("demo", "DEMO_PASSWORD"), ("alt", "ALT_PASSWORD")):
        project = ensure_project(admin_token, name, f"Test project {name}")
        user = ensure_user(admin_token, name, os.environ[env], project)
        grant(admin_token, project, user, member_role)

    if os.environ.get("REGION_TWO"):
        provision_region_two(admin_token, image_service, member_role)

    if PASSWORDS_RESET:
        # A password change revokes the user's tokens "issued before now", and
        # Fernet issued_at has one-second resolution: a token issued later in
        # the same second would be rejected as revoked.  Wait for the next one.
        time.sleep(1.1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (HttpError, urllib.error.URLError, OSError) as exc:
        print(f"[local-openstack] provisioning failed: {exc}", file=sys.stderr)
        sys.exit(1)
