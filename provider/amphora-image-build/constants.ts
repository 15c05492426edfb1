/** Closed sets of values shared by the inputs, the rules and the command builders. */

export const FRONT_ENDS = ["octavia", "dib"] as const;
/** diskimage-create.sh -t, and the types this provider can validate for disk-image-create. */
export const IMAGE_TYPES = ["qcow2", "tar", "vhd", "raw"] as const;
/** diskimage-create.sh -a (anything else exits 3). */
export const OCTAVIA_ARCHES = ["amd64", "armhf", "arm64", "aarch64", "ppc64le"] as const;
/** disk-image-create -a (DIB maps the Debian and kernel spellings itself). */
export const DIB_ARCHES = ["amd64", "x86_64", "i386", "armhf", "arm64", "aarch64", "ppc64le", "ppc64el", "s390x"] as const;
/** diskimage-create.sh -i (anything else exits 3; there is no debian). */
export const OCTAVIA_BASE_OS = ["ubuntu-minimal", "ubuntu", "fedora", "centos-minimal", "centos", "rocky", "rhel"] as const;
/** diskimage-create.sh -b (anything else exits 3). */
export const OCTAVIA_BACKENDS = ["haproxy"] as const;

export type FrontEnd = (typeof FRONT_ENDS)[number];
export type ImageType = (typeof IMAGE_TYPES)[number];

export const GIB = 1024 * 1024 * 1024;
