# rabbitmq-server with epmd in the foreground as this script's child, not as the daemon the broker
# would fork: a daemon would escape the supervisor and outlive the node. TERM stops both.
# Run as `sh rabbitmq-run.sh` with the RABBITMQ_* environment of the stack file.
epmd -address 127.0.0.1 & epmd_pid=$!
/usr/lib/rabbitmq/bin/rabbitmq-server & rabbit_pid=$!
trap 'kill -KILL $rabbit_pid; kill $epmd_pid; exit 0' TERM INT
wait $rabbit_pid
status=$?
kill $epmd_pid
exit $status
