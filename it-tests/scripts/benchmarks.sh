#!/usr/bin/env bash
# Runs sandboxer's benchmarks (it-tests' *Benchmark classes; the normal build never runs them) through ./run-tests,
# which installs what they need and selects the JDK. Results: stdout and it-tests/target/benchmarks.md, one table
# row per measure; docs/benchmarks.md keeps the published ones. Benchmarks report; they assert no timing.
#   it-tests/scripts/benchmarks.sh                      all of them (about 6 minutes under TCG)
#   it-tests/scripts/benchmarks.sh FleetScaleBenchmark  one class
# SANDBOXER_BENCHMARK_LAUNCHER=DIR/bin/sandboxer (an unpacked release archive) makes CustomExecutorJobBenchmark measure
# that launcher instead of the build directory's; SANDBOXER_BENCHMARK_PLUGIN=DIR/bin/fleeting-plugin-libvirt does the same
# for FleetingPluginFootprintBenchmark.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -f it-tests/target/benchmarks.md
exec ./run-tests -pl it-tests -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "-Dit.test=${1:-*Benchmark}"
