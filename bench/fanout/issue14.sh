#!/usr/bin/env bash
# The runs quoted in BENCHMARKS.md section 8 (issue 14), in order; each prints to bench/results/<name>.txt
# (with `uptime` before and after) and writes every measurement to bench/results/<name>.json.
#   bench/fanout/issue14.sh [workdir]
set -uo pipefail
cd "$(dirname "$0")/../.."
W=${1:-/tmp/afc-fanout-wt}
PY=${PY:-.venv/bin/python}
run() {
    local name=$1; shift
    { echo "\$ python bench/fanout/run.py $* --json bench/results/$name.json"; echo "uptime before: $(uptime)";
      "$PY" bench/fanout/run.py "$@" --workdir "$W" --json "bench/results/$name.json";
      echo "uptime after: $(uptime)"; } > "bench/results/$name.txt" 2>&1
}
ALL=bare-node,gen-node,gen-bun,bare-bunps,sio
run issue14_fanout_2k fanout --clients 2000 --modes full --rounds 5 --targets $ALL
run issue14_fanout_10k fanout --clients 10000 --modes full --rounds 3 --targets $ALL
run issue14_channels_10k fanout --clients 10000 --channels 1000 --channel-events 5000 --rounds 3 --targets $ALL
run issue14_posts fanout --clients 0 --channels 1 --channel-events 20000 --rounds 5 --targets $ALL
run issue14_channels_100 fanout --clients 200 --channels 100 --channel-events 5000 --rounds 3 --targets gen-bun,gen-node,bare-bunps
run issue14_channels_1000 fanout --clients 2000 --channels 1000 --channel-events 5000 --rounds 3 --targets gen-bun,gen-node,bare-bunps
run issue14_channels_5000 fanout --clients 10000 --channels 5000 --channel-events 5000 --rounds 3 --targets gen-bun,gen-node,bare-bunps
run issue14_slow slow --slow-clients 50 --cap 1048576 --events 15000 --rounds 2 --targets gen-bun,gen-node,bare-node
run issue14_slow_256k slow --slow-clients 50 --cap 262144 --events 15000 --rounds 2 --targets gen-bun,gen-node
# Longer trials for steadier p99 (p99 of 30 or 150 events is their largest or second largest):
run issue14_fanout_10k_long fanout --clients 10000 --deliveries 1000000 --modes full --rounds 6 --targets gen-bun,bare-bunps
run issue14_fanout_2k_long fanout --clients 2000 --deliveries 1000000 --modes full --rounds 6 --targets bare-node,gen-node,gen-bun,bare-bunps
run issue14_fanout_2k_opts fanout --clients 2000 --deliveries 1000000 --modes full --rounds 4 --targets gen-bun,bare-bunps,bare-bunps-opts
run issue14_fanout_2k_long2 fanout --clients 2000 --deliveries 1000000 --modes full --rounds 4 --targets bare-node,gen-node,gen-bun,bare-bunps
run issue14_posts_before fanout --clients 0 --channels 1 --channel-events 20000 --rounds 4 --targets gen-bun-before,gen-bun,bare-bunps,gen-node-before,gen-node
