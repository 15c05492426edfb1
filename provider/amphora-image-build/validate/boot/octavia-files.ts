/**
 * The files Octavia's controller gives a new amphora (Zed, 11.0): `ComputeCreate`/`CertComputeCreate` in
 * octavia/controller/worker/v2/tasks/compute_tasks.py pass them to Nova as config-drive files; cloud-init's
 * ConfigDrive datasource writes them into place on first boot. The agent configuration follows
 * octavia/amphorae/backends/agent/templates/amphora_agent_conf.template rendered with Octavia's default options,
 * the user data octavia/common/jinja/templates/user_data_config_drive.template with `user_data_config_drive` off
 * (Octavia's default: the files travel as config-drive files, the user data only restarts rsyslog).
 */

/** `[haproxy_amphora] bind_port`, where the agent listens. */
export const AGENT_PORT = 9443;
export const AGENT_CONF = "/etc/octavia/amphora-agent.conf";
export const AGENT_SERVER_CERT = "/etc/octavia/certs/server.pem";
export const AGENT_SERVER_CA = "/etc/octavia/certs/client_ca.pem";
/** Not a real controller: the agent's heartbeats to it go nowhere, which does not keep the agent from answering. */
const HEALTH_MANAGER = "127.0.0.1:5555";

export function agentConfig(amphoraId: string, heartbeatKey: string): string {
  return `[DEFAULT]
debug = False
use_syslog = True
syslog_log_facility = LOG_LOCAL1

[haproxy_amphora]
base_cert_dir = /var/lib/octavia/certs
base_path = /var/lib/octavia
bind_host = ::
bind_port = ${AGENT_PORT}
haproxy_cmd = /usr/sbin/haproxy
respawn_count = 2
respawn_interval = 2
use_upstart = True
user_log_facility = 0
administrative_log_facility = 1

[health_manager]
controller_ip_port_list = ${HEALTH_MANAGER}
heartbeat_interval = 10
heartbeat_key = ${heartbeatKey}

[amphora_agent]
agent_server_ca = ${AGENT_SERVER_CA}
agent_server_cert = ${AGENT_SERVER_CERT}
agent_request_read_timeout = 180
amphora_id = ${amphoraId}
amphora_udp_driver = keepalived_lvs
agent_tls_protocol = TLSv1.2

[controller_worker]
loadbalancer_topology = SINGLE
`;
}

/** octavia/common/jinja/logging/templates/10-rsyslog.conf.template without log targets: nothing forwarded. */
export const RSYSLOG_CONF = "\n";

/** The cloud-config Octavia sends as user data when the files go on the config drive. */
export function userData(): string {
  return `#cloud-config
# vim: syntax=yaml
#
# This configuration with take user-data dict and build a cloud-init
# script utilizing the write_files module. The user-data dict should be a
# Key Value pair where the Key is the path to store the file and the Value
# is the data to store at that location
#
# Example:
#     {'/root/path/to/file.cfg': 'I'm a file, write things in me'}
runcmd:
-   systemctl restart rsyslog


timezone: UTC
`;
}
