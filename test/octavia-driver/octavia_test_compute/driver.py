"""A test-only Octavia compute driver: Octavia's no-op compute driver, plus the image an amphora "boots".

Octavia's no-op driver never resolves an image, so its amphorae have no image_id.  This driver resolves the
image the way Octavia's Nova driver does -- through Octavia's configured image driver (its Glance driver), with
the image tag Octavia's compute task passes (amp_image_tag, or the flavor's amp_image_tag) and
amp_image_owner_id -- and reports it from get_amphora, so Octavia's own flow records it as the amphora's
image_id (GET /v2/octavia/amphorae shows it).

A broken image is simulated with an image property: when the resolved image carries
``octavia_test_boot_fault``, the "server" goes to ERROR with that text as its fault, as a Nova server that
fails to boot does; Octavia's ComputeWait task then fails the flow (a real Octavia failure: the load balancer
goes to ERROR).

The compute id -> image mapping is kept in files under $OCTAVIA_TEST_COMPUTE_DIR, so that a restarted worker
still knows its amphorae.
"""

import json
import os

from oslo_config import cfg
from oslo_log import log as logging
from stevedore import driver as stevedore_driver

from octavia.common import constants
from octavia.common import data_models
from octavia.compute.drivers.noop_driver import driver as noop_driver

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

BOOT_FAULT_PROPERTY = "octavia_test_boot_fault"


class ImageTrackingComputeDriver(noop_driver.NoopComputeDriver):
    def __init__(self):
        super().__init__()
        self.image_driver = stevedore_driver.DriverManager(
            namespace="octavia.image.drivers",
            name=CONF.controller_worker.image_driver,
            invoke_on_load=True,
        ).driver
        self.state_dir = os.environ.get("OCTAVIA_TEST_COMPUTE_DIR", "/tmp/octavia-test-compute")
        os.makedirs(self.state_dir, exist_ok=True)

    def _state_file(self, compute_id):
        return os.path.join(self.state_dir, f"{compute_id}.json")

    def _boot_fault(self, image_id):
        image = self.image_driver.manager.get(image_id)
        fault = image.get(BOOT_FAULT_PROPERTY)
        return f"Image {image_id} failed to boot: {fault}" if fault else None

    def build(self, name="amphora_name", amphora_flavor=None, image_tag=None, image_owner=None, **kwargs):
        # As the Nova driver: an unresolvable tag fails the build with the image driver's own exception.
        image_id = self.image_driver.get_image_id_by_tag(image_tag, image_owner)
        compute_id = super().build(name=name, amphora_flavor=amphora_flavor, image_tag=image_tag,
                                   image_owner=image_owner, **kwargs)
        fault = self._boot_fault(image_id)
        with open(self._state_file(compute_id), "w", encoding="utf-8") as f:
            json.dump({"image_id": image_id, "fault": fault, "name": name, "tag": image_tag}, f)
        LOG.info("Test compute: %s (%s) boots image %s (tag %s)%s", name, compute_id, image_id, image_tag,
                 f", fault: {fault}" if fault else "")
        return compute_id

    def get_amphora(self, compute_id, management_network_id=None):
        amphora, fault = super().get_amphora(compute_id, management_network_id)
        try:
            with open(self._state_file(compute_id), encoding="utf-8") as f:
                state = json.load(f)
        except FileNotFoundError:
            return amphora, fault
        return data_models.Amphora(
            compute_id=amphora.compute_id,
            status=constants.ERROR if state["fault"] else constants.ACTIVE,
            lb_network_ip=amphora.lb_network_ip,
            image_id=state["image_id"],
            compute_flavor=None,
        ), state["fault"]

    def delete(self, compute_id):
        super().delete(compute_id)
        try:
            os.remove(self._state_file(compute_id))
        except FileNotFoundError:
            pass
