# The release archive's own runtime (jlink) comes first: it is the one this file was packaged with.
bundled=${self%/*/*}/runtime/bin/java
if [ -z "${SANDBOXER_JAVA:-}" ] && [ -x "$bundled" ]; then
  SANDBOXER_JAVA=$bundled
fi
case "$name" in
  fleeting-plugin-*)
    backend=${name#fleeting-plugin-}
    if ! select_java; then
      printf '{"@level":"error","@message":"%s needs a Java runtime 21 or newer; none found (set SANDBOXER_JAVA or JAVA_HOME, or install one)","@timestamp":"%s","@module":"launcher"}\n' \
        "$name" "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)" >&2
      exit 1
    fi
    embedded_options fleeting_plugin_options fleeting-plugin
    if [ "$java_version" -ge 22 ]; then options+=("-XX:TrimNativeHeapInterval=10000"); fi
    exec "$java" "${options[@]}" -Dsandboxer.backend="$backend" -cp "$self" io.sandboxer.adapter.fleeting.FleetingPlugin "$@"
    ;;
  *)
    stage_client "${self%/*/*}/libexec/sandboxer-stage-client" "$@" # a release's native stage client, beside bin/
    if ! select_java; then
      echo "ERROR: sandboxer needs a Java runtime 21 or newer; none found (set SANDBOXER_JAVA or JAVA_HOME, or install one)" >&2
      exit "${SYSTEM_FAILURE_EXIT_CODE:-2}"
    fi
    # Two AOT caches, as the build directory's launcher has: prepare and the agent start the backend, keys and SSH.
    case "${1:-}" in
      prepare) embedded_options sandboxer_options sandboxer-prepare ;;
      agent) embedded_options sandboxer_options sandboxer-prepare; agent_options ;;
      *) embedded_options sandboxer_options sandboxer ;;
    esac
    export SANDBOXER_LAUNCHER="$self" # prepare starts the job's connection agent through this launcher
    exec "$java" "${options[@]}" -Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider -cp "$self" \
      io.sandboxer.adapter.customexecutor.SandboxerCli "$@"
    ;;
esac
exit 2 # never reached: bash must not read on into the jar below
