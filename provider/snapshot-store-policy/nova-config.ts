/**
 * The nova.conf snippet that makes an RBD-backed compute use the target store for its base images: with
 * `[libvirt] images_rbd_glance_store_name` set, Nova (Ussuri and later), when an instance boots from an image
 * that is not yet in its local Ceph store, asks Glance to copy-image it there and polls every
 * `images_rbd_glance_copy_poll_interval` seconds for up to `images_rbd_glance_copy_timeout` seconds, so that
 * the instance disk and its later snapshots are cheap Ceph clones of the base image.
 *
 * It only applies to computes with `[libvirt] images_type = rbd`; other image backends (qcow2, raw, lvm,
 * ploop) ignore these options. Nova requests the copy through Glance's copy-image import, so Glance must
 * enable that import method and its `copy_image` policy (admin-only by default) must allow the credentials
 * Nova uses for it.
 */
export function novaConfig(store: string): string {
  return [
    "[libvirt]",
    `images_rbd_glance_store_name = ${store}`,
    "images_rbd_glance_copy_poll_interval = 15",
    "images_rbd_glance_copy_timeout = 600",
    "",
  ].join("\n");
}
