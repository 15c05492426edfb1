/**
 * Octavia flavor profile and flavor, as `@pulumi/openstack` declares them from version 5.2 on
 * (`openstack.loadbalancer.FlavorprofileV2` and `openstack.loadbalancer.FlavorV2`, Terraform's
 * `openstack_lb_flavorprofile_v2` / `openstack_lb_flavor_v2`): the same type tokens and inputs, managed by the
 * OpenStack resource plugin 5.2.0 or newer.
 *
 * Why not the package itself: this repository depends on @pulumi/openstack 3.15 (the newest its npm registry
 * serves), whose `loadbalancer` module has no flavor resources. With @pulumi/openstack >= 5.2 installed, replace
 * the import of this file by `openstack.loadbalancer.FlavorprofileV2` / `FlavorV2`: the state stays valid (same
 * type tokens, same inputs).
 *
 * Both need Octavia's admin API (flavor profiles are admin-only under the default policy).
 */
import * as pulumi from "@pulumi/pulumi";

/** The OpenStack resource plugin version that has these types (the engine installs it on first use). */
const PLUGIN_VERSION = "5.2.0";

export interface FlavorprofileV2Args {
  /** Profile name. */
  name?: pulumi.Input<string>;
  /** Octavia provider driver, e.g. "amphora". */
  providerName: pulumi.Input<string>;
  /** JSON object of the provider's flavor capabilities (`openstack loadbalancer provider capability list amphora`). */
  flavorData: pulumi.Input<string>;
  /** Region of the load-balancer endpoint; default: the provider's region. */
  region?: pulumi.Input<string>;
}

export class FlavorprofileV2 extends pulumi.CustomResource {
  static readonly __pulumiType = "openstack:loadbalancer/flavorprofileV2:FlavorprofileV2";
  declare readonly name: pulumi.Output<string>;
  declare readonly providerName: pulumi.Output<string>;
  declare readonly flavorData: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;

  constructor(name: string, args: FlavorprofileV2Args, opts?: pulumi.CustomResourceOptions) {
    const inputs: pulumi.Inputs = {
      name: args.name,
      providerName: args.providerName,
      flavorData: args.flavorData,
      region: args.region,
    };
    super(FlavorprofileV2.__pulumiType, name, inputs, { version: PLUGIN_VERSION, ...opts });
  }
}

export interface FlavorV2Args {
  /** Flavor name: what users pass as `--flavor` when they create a load balancer. */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** The flavor profile (a change replaces the flavor). */
  flavorProfileId: pulumi.Input<string>;
  /** Default true. */
  enabled?: pulumi.Input<boolean>;
  region?: pulumi.Input<string>;
}

export class FlavorV2 extends pulumi.CustomResource {
  static readonly __pulumiType = "openstack:loadbalancer/flavorV2:FlavorV2";
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly flavorProfileId: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly region: pulumi.Output<string>;

  constructor(name: string, args: FlavorV2Args, opts?: pulumi.CustomResourceOptions) {
    const inputs: pulumi.Inputs = {
      name: args.name,
      description: args.description,
      flavorProfileId: args.flavorProfileId,
      enabled: args.enabled,
      region: args.region,
    };
    super(FlavorV2.__pulumiType, name, inputs, { version: PLUGIN_VERSION, ...opts });
  }
}
