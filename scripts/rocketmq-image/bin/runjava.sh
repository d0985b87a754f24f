#!/bin/sh
# runjava.sh MAIN_CLASS ARGS...: runs one RocketMQ server class from $ROCKETMQ_HOME/lib on the
# image's Java 17. The distribution's own scripts size the heap for a production machine (8 GB
# for a broker) and pass Java 8 flags that 17 refuses; this one starts small and takes the rest
# from JAVA_OPT_EXT, which comes last so that its -Xmx and the like win.
set -e
main=$1
shift
if [ -z "$ROCKETMQ_HOME" ]; then
  ROCKETMQ_HOME=$(cd "$(dirname "$0")/.." && pwd)
fi
export ROCKETMQ_HOME
# Java 17 closes these packages; without them the 4.9.7 store cannot unmap its files and a clean
# shutdown throws before the broker unregisters.
opens="--add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
--add-exports java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
--add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
--add-opens java.base/java.util=ALL-UNNAMED"
# exec: the JVM is the container's main process and gets its stop signal.
# shellcheck disable=SC2086
exec java -server -Xms512m -Xmx512m -XX:MaxDirectMemorySize=512m -XX:+UseG1GC \
  -XX:-OmitStackTraceInFastThrow $opens \
  -Drocketmq.home.dir="$ROCKETMQ_HOME" \
  $JAVA_OPT $JAVA_OPT_EXT \
  -cp "$ROCKETMQ_HOME/conf:$ROCKETMQ_HOME/lib/*" "$main" "$@"
