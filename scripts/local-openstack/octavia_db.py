#!/usr/bin/python3
"""Create Octavia's database on sqlite for scripts/local-openstack/octavia.sh.

Octavia's alembic migrations do not run on sqlite (they ALTER constraints), so
the schema comes from Octavia's own SQLAlchemy models (the schema the
migrations end in), the lookup tables are filled from Octavia's constants
(the rows its migrations insert), the DELETED placeholders the API expects
are added, and the database is stamped with the migrations' head so that
octavia-db-manage/octavia-status see an up-to-date database.

Usage: octavia_db.py SQLITE_PATH
"""

import os
import sys

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.config import Config

from octavia.common import constants
from octavia.db import base_models, models
import octavia.db.migration as migration

LOOKUPS = (
    (models.ProvisioningStatus, constants.SUPPORTED_PROVISIONING_STATUSES),
    (models.OperatingStatus, constants.SUPPORTED_OPERATING_STATUSES),
    (models.HealthMonitorType, constants.SUPPORTED_HEALTH_MONITOR_TYPES),
    (models.Algorithm, constants.SUPPORTED_LB_ALGORITHMS),
    (models.Protocol, constants.SUPPORTED_PROTOCOLS),
    (models.SessionPersistenceType, constants.SUPPORTED_SP_TYPES),
    (models.AmphoraRoles, constants.SUPPORTED_AMPHORA_ROLES),
    (models.LBTopology, constants.SUPPORTED_LB_TOPOLOGIES),
    (models.VRRPAuthMethod, constants.SUPPORTED_VRRP_AUTH),
    (models.L7RuleType, constants.SUPPORTED_L7RULE_TYPES),
    (models.L7RuleCompareType, constants.SUPPORTED_L7RULE_COMPARE_TYPES),
    (models.L7PolicyAction, constants.SUPPORTED_L7POLICY_ACTIONS),
    (models.ClientAuthenticationMode, constants.SUPPORTED_CLIENT_AUTH_MODES),
)


def head_revision():
    cfg = Config(os.path.join(os.path.dirname(migration.__file__), "alembic.ini"))
    cfg.set_main_option("script_location", "octavia.db.migration:alembic_migrations")
    return ScriptDirectory.from_config(cfg).get_current_head()


def main(path):
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    base_models.BASE.metadata.create_all(engine)
    with engine.begin() as conn:
        for model, names in LOOKUPS:
            table = model.__table__
            for name in sorted(set(names) | ({constants.DELETED} if model is models.ProvisioningStatus else set())):
                conn.execute(table.insert().values(name=name))
        placeholder = "DELETED-PLACEHOLDER"
        conn.execute(models.FlavorProfile.__table__.insert().values(
            id=constants.NIL_UUID, name=placeholder, provider_name=constants.DELETED, flavor_data="{}"))
        conn.execute(models.Flavor.__table__.insert().values(
            id=constants.NIL_UUID, flavor_profile_id=constants.NIL_UUID, name=placeholder, enabled=False,
            description="Placeholder for DELETED LBs with DELETED flavors"))
        conn.execute(models.AvailabilityZoneProfile.__table__.insert().values(
            id=constants.NIL_UUID, name=placeholder, provider_name=constants.DELETED,
            availability_zone_data="{}"))
        conn.execute(models.AvailabilityZone.__table__.insert().values(
            name=constants.NIL_UUID, availability_zone_profile_id=constants.NIL_UUID, enabled=False,
            description="Placeholder for DELETED LBs with DELETED availability zones"))
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES (?)", (head_revision(),))


if __name__ == "__main__":
    main(sys.argv[1])
