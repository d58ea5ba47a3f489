#!/usr/bin/env bash
# The official OGC XML schemas, for offline validation in the tests and CITE:
# org.jvnet.ogc:ogc-schemas (a copy of schemas.opengis.net) from Maven Central,
# into the local Maven repository (~/.m2). Quick when already there.
set -euo pipefail
jar="$HOME/.m2/repository/org/jvnet/ogc/ogc-schemas/2.6.1/ogc-schemas-2.6.1.jar"
if [ ! -f "$jar" ]; then
  mvn -q -B dependency:get -Dartifact=org.jvnet.ogc:ogc-schemas:2.6.1 -Dtransitive=false
fi
test -f "$jar" && echo "fetch-schemas: $jar"
