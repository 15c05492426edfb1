# shellcheck shell=bash
# The commands of local-openstack.sh, written over the service registry.

wipe_workdir() {
  log "--fresh: wiping $WORKDIR"
  rm -rf "$ETC" "$DATA" "$LOG" "$RUN" "$CLOUDS_YAML" "$ENV_FILE"
}

stop_all() {
  local i feature
  rm -f "$READY_FILE"
  for feature in $(features); do rm -f "$(feature_file "$feature")"; done
  octavia_stop
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_server "${SERVICES[i]}"; done
}

all_ready() { # WANTED...: every wanted service up, and the files of a complete start
  local name feature
  [[ -f $READY_FILE && -f $CLOUDS_YAML && -f $ENV_FILE ]] || return 1
  for name in "$@"; do
    [[ -n ${UP[$name]:-} ]] || return 1
    feature=${FEATURE[$name]}
    [[ -z $feature || -f $(feature_file "$feature") ]] || return 1
  done
}

cmd_start() {
  local fresh=0 arg t_total name feature running wanted=() octavia=0
  declare -gA UP=()
  for arg in "$@"; do
    case $arg in
      --fresh) fresh=1 ;;
      --region-two) want_feature region-two ;;
      --octavia) octavia=1 ;;
      *) die "unknown option for start: $arg" ;;
    esac
  done
  case ${LOCAL_OPENSTACK_REGION_TWO:-} in
    "" | 0) ;;
    1) want_feature region-two ;;
    *) die "LOCAL_OPENSTACK_REGION_TWO must be 1 or 0, not '$LOCAL_OPENSTACK_REGION_TWO'" ;;
  esac
  require_root
  check_workdir
  t_total=$(now_us)
  take_lock
  mapfile -t wanted < <(wanted_services)
  if [[ $RELEASE != "$RECORDED_RELEASE" ]]; then
    log "release $RECORDED_RELEASE -> $RELEASE: stopping the servers of $RECORDED_RELEASE"
    stop_all
  fi

  if ((fresh)); then
    timed "stop running servers" stop_all
    wipe_workdir
  else
    for name in "${wanted[@]}"; do
      if is_up "$name"; then UP[$name]=1; fi
    done
    if all_ready "${wanted[@]}"; then
      running=""
      for name in "${wanted[@]}"; do running+="${running:+, }${LABEL[$name]} pid $(read_pid "$name")"; done
      log "already running: $running ($(fmt_since "$t_total"))"
      print_summary
      if ((octavia)); then octavia_start; fi
      return 0
    fi
  fi

  rm -f "$READY_FILE"
  for feature in $(features); do rm -f "$(feature_file "$feature")"; done
  # Fail early (before any slow work) if a port is taken by someone else.
  for name in "${wanted[@]}"; do
    [[ -n ${UP[$name]:-} ]] || check_port_not_foreign "$name"
  done
  timed "packages" ensure_release
  record_settings
  for name in "${wanted[@]}"; do service_hook dirs "$name"; done
  load_passwords generate
  for name in "${wanted[@]}"; do service_hook config "$name"; done

  # Recorded processes that are alive but not answering (hung, or half
  # started) are stopped and started again; so are the servers that hold the
  # old passwords (every one but Keystone, which owns them), wanted or not.
  for name in "${SERVICES[@]}"; do
    if [[ -z ${UP[$name]:-} ]]; then
      if service_wanted "$name" || ((PASSWORDS_GENERATED)); then stop_server "$name"; fi
    elif ((PASSWORDS_GENERATED)) && [[ ${KIND[$name]} != keystone ]]; then
      log "new glance password: restarting $name"
      stop_server "$name"
      UP[$name]=""
    fi
  done

  # The others first: their start-up overlaps Keystone's setup/start (Glance
  # needs Keystone only to validate tokens, i.e. on requests).
  for name in "${wanted[@]}"; do
    [[ -n ${UP[$name]:-} || -n ${EARLY[$name]} ]] || service_start "$name"
  done
  for name in "${wanted[@]}"; do
    [[ -z ${UP[$name]:-} && -n ${EARLY[$name]} ]] || continue
    service_start "$name"
    timed "${WAIT_LABEL[$name]}" wait_until_up "$name"
  done
  for name in "${wanted[@]}"; do
    if declare -F "${KIND[$name]}_after_start" >/dev/null; then "${KIND[$name]}_after_start"; fi
  done
  for name in "${wanted[@]}"; do
    [[ -z ${UP[$name]:-} && -z ${EARLY[$name]} ]] || continue
    timed "${WAIT_LABEL[$name]}" wait_until_up "$name"
  done

  write_client_files
  for name in "${wanted[@]}"; do
    feature=${FEATURE[$name]}
    if [[ -n $feature ]]; then date '+%F %T' >"$(feature_file "$feature")"; fi
  done
  date '+%F %T' >"$READY_FILE"
  log "$(printf '%-34s %s' "start total" "$(fmt_since "$t_total")")"
  print_summary
  if ((octavia)); then octavia_start; fi
}

# Ports and the like, for every later command and for the tests.
record_settings() {
  local name
  {
    printf '# Written by scripts/local-openstack.sh start; the environment overrides it.\n'
    printf 'RELEASE=%s\n' "$RELEASE"
    for name in "${SERVICES[@]}"; do printf '%s_PORT=%s\n' "${name^^}" "${PORT[$name]}"; done
  } >"$SETTINGS_FILE.tmp.$$"
  chmod 644 "$SETTINGS_FILE.tmp.$$"
  mv -f "$SETTINGS_FILE.tmp.$$" "$SETTINGS_FILE"
}

print_summary() {
  if [[ $RELEASE != zed ]]; then log "release $RELEASE: $(tr '\n\t' '; ' <"$ROOT/.packages-done")"; fi
  log "keystone $KEYSTONE_URL (pid $(read_pid keystone)), glance ${URL[glance]} (pid $(read_pid glance))"
  if feature_wanted region-two; then
    log "glance ${URL[glance2]} (pid $(read_pid glance2)): image service of region $REGION_TWO"
    log "clouds.yaml: $CLOUDS_YAML (clouds local-admin, local-demo, local-alt; local-multi sees both regions)"
  else
    log "clouds.yaml: $CLOUDS_YAML (clouds local-admin, local-demo, local-alt)"
  fi
  log "admin env:   source $ENV_FILE"
}

cmd_stop() {
  local t
  require_root
  t=$(now_us)
  if [[ ! -d $WORKDIR ]]; then
    log "nothing to stop ($WORKDIR does not exist)"
    return 0
  fi
  take_lock
  stop_all
  log "stopped ($(fmt_since "$t"))"
}

cmd_stop_service() { # NAME
  require_root
  [[ -d $WORKDIR ]] || return 0
  take_lock
  rm -f "$READY_FILE"
  stop_server "$1"
}

cmd_restart_service() { # NAME
  local name=$1 t was_ready=0
  require_root
  check_workdir
  t=$(now_us)
  take_lock
  [[ -f $READY_FILE ]] && was_ready=1
  rm -f "$READY_FILE"
  timed "stop $name" stop_server "$name"
  service_hook dirs "$name"
  load_passwords no-generate
  service_hook config "$name"
  service_start "$name"
  timed "${WAIT_LABEL[$name]}" wait_until_up "$name"
  # Ready again only if it was before (a full start had completed).
  if ((was_ready)) && is_up keystone; then date '+%F %T' >"$READY_FILE"; fi
  log "$name restarted, pid $(read_pid "$name") ($(fmt_since "$t"))"
}

cmd_status() {
  local name rc=0 shown=()
  mapfile -t shown < <(shown_services)
  for name in "${shown[@]}"; do service_status_line "$name" || rc=1; done
  printf '%-9s %s\n' "workdir:" "$WORKDIR"
  [[ -f $CLOUDS_YAML ]] && printf '%-9s %s\n' "clouds:" "$CLOUDS_YAML"
  return "$rc"
}

cmd_env() {
  case ${1:-} in
    "") [[ -f $ENV_FILE ]] || die "$ENV_FILE does not exist; run 'local-openstack.sh start' first"
        cat "$ENV_FILE" ;;
    --path) printf '%s\n' "$ENV_FILE" ;;
    *) die "unknown option for env: $1" ;;
  esac
}
