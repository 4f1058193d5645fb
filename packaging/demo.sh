#!/usr/bin/env bash
# The demo behind `./soc demo`: a collector and an agent on loopback; an admin signs the default
# rule pack and publishes it, the agent receives it, then tails copies of a real sshd log and a
# web access log; waits until every line is stored, then shows what an analyst would look at.
# Usage: packaging/demo.sh BUILD_DIR   (called by ./soc demo after building)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build/release}"
DEMO="$ROOT/var/demo"
COLLECTOR="$BUILD/collector/soc-collector"
AGENT="$BUILD/agent/soc-agent"
SOCCTL="$BUILD/collector/socctl"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Stop what an earlier demo left running, then start clean.
for pidfile in "$DEMO"/*.pid; do
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
done
rm -rf "$DEMO"
mkdir -p "$DEMO/logs"

SAMPLE="$ROOT/../shared/data/logs/loghub/OpenSSH/OpenSSH_2k.log"
[ -f "$SAMPLE" ] || SAMPLE="$ROOT/tests/data/sample-sshd.log"
mkdir -p "$DEMO/samples"
cp "$SAMPLE" "$DEMO/samples/auth.log"
chmod u+w "$DEMO/samples/auth.log"
# The sample's last line has no line end; a logging daemon always writes one, and the agent
# (rightly) waits for it before it takes the line.
[ -z "$(tail -c 1 "$DEMO/samples/auth.log")" ] || echo >> "$DEMO/samples/auth.log"
WEB_SAMPLE="$ROOT/../shared/data/logs/crowdsec-hub-tests/tests/nginx-http-sqli-probing/nginx-http-sqli-probing.log"
[ -f "$WEB_SAMPLE" ] || WEB_SAMPLE="$ROOT/tests/data/sample-access.log"
cp "$WEB_SAMPLE" "$DEMO/samples/access.log"
chmod u+w "$DEMO/samples/access.log"
[ -z "$(tail -c 1 "$DEMO/samples/access.log")" ] || echo >> "$DEMO/samples/access.log"
LINES=$(( $(wc -l < "$DEMO/samples/auth.log") + $(wc -l < "$DEMO/samples/access.log") ))
# Captures replayed by pcap sources: an exploit-kit infection (HTTP), nmap version probes (DNS,
# many flows), a TLS session to Google, an nmap SYN scan (the port-scan correlation), and SQL
# injection against a test web application (the pack's packet rules).
PCAPS=()
for p in pcaps/chrissanders-packets/ek_to_cryptowall4.pcapng pcaps/zeek-traces/nmap-vsn.pcap \
         pcaps/zeek-traces/tls_chrome-34-google.pcap pcaps/chrissanders-packets/synscan.pcapng \
         pcaps/chrissanders-packets/http_dvwa_sqlinjection.pcapng; do
  [ -f "$ROOT/../shared/data/$p" ] && PCAPS+=("$ROOT/../shared/data/$p")
done
: > "$DEMO/logs/auth.log"
: > "$DEMO/logs/access.log"

# A free port, starting at the default 7600.
PORT=7600
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done
API_PORT=$((PORT + 1))
while (exec 3<>"/dev/tcp/127.0.0.1/$API_PORT") 2>/dev/null; do API_PORT=$((API_PORT + 1)); done
API="http://127.0.0.1:$API_PORT"

say "keys: the collector's and the agent's CURVE keypairs"
"$COLLECTOR" keygen --out-dir "$DEMO/collector/keys" | sed 's/^/    /'
"$AGENT" keygen --out-dir "$DEMO/agent/keys" | sed 's/^/    /'

say "admin: an Ed25519 pack-signing key, then the default pack built, checked and signed"
"$SOCCTL" pack keygen --out-dir "$DEMO/admin" | sed 's/^/    /'
"$SOCCTL" pack build "$ROOT/signatures/packs/default" --key "$DEMO/admin/pack_signing.key" \
  -o "$DEMO/default.pack" | sed 's/^/    /'
"$SOCCTL" pack verify "$DEMO/default.pack" --pubkey "$DEMO/admin/pack_signing.pub" | sed 's/^/    /'

cat > "$DEMO/collector.yaml" <<YAML
listen: tcp://127.0.0.1:$PORT
keys_dir: $DEMO/collector/keys
store:
  path: $DEMO/collector/events.db
packs:
  trusted_keys: [$DEMO/admin/pack_signing.pub]
api:
  enabled: true
  listen: 127.0.0.1:$API_PORT
YAML
cat > "$DEMO/agent.yaml" <<YAML
collector:
  endpoint: tcp://127.0.0.1:$PORT
  public_key: $DEMO/collector/keys/public.key
keys_dir: $DEMO/agent/keys
state_dir: $DEMO/agent/state
packs:
  trusted_keys: [$DEMO/admin/pack_signing.pub]
sources:
  - type: file
    paths: [$DEMO/logs/auth.log]
    start: beginning
    format: syslog
  - type: file
    paths: [$DEMO/logs/access.log]
    start: beginning
    format: web_access
YAML

say "collector: listening on tcp://127.0.0.1:$PORT (agents) and $API (HTTP API), store $DEMO/collector/events.db"
"$COLLECTOR" --config "$DEMO/collector.yaml" > "$DEMO/collector.log" 2>&1 &
echo $! > "$DEMO/collector.pid"
for _ in $(seq 100); do grep -q "listening on" "$DEMO/collector.log" && break; sleep 0.1; done
grep -q "listening on" "$DEMO/collector.log" || { cat "$DEMO/collector.log"; exit 1; }

say "enrolling the agent (its identity is its public key)"
"$SOCCTL" --config "$DEMO/collector.yaml" agent add demo-host-1 \
  --key "$DEMO/agent/keys/public.key" --agency demo-agency | sed 's/^/    /'

say "admin: socctl pack publish (the collector pushes it to every agent)"
"$SOCCTL" --config "$DEMO/collector.yaml" pack publish "$DEMO/default.pack" | sed 's/^/    /'

say "agent: started; it receives the pack, checks its signature, compiles it and reports it"
"$AGENT" --config "$DEMO/agent.yaml" > "$DEMO/agent.log" 2>&1 &
echo $! > "$DEMO/agent.pid"
pack_reported() {
  "$SOCCTL" --config "$DEMO/collector.yaml" agent list --json 2>/dev/null |
    grep -q '"pack_version":"[0-9]'
}
for _ in $(seq 300); do pack_reported && break; sleep 0.1; done
pack_reported || { echo "the agent did not report the pack; see $DEMO/agent.log" >&2; exit 1; }
grep "active pack" "$DEMO/agent.log" | sed 's/^.*packs: /    /'

say "the logs grow: $(basename "$SAMPLE") and $(basename "$WEB_SAMPLE"), $LINES lines"
cat "$DEMO/samples/auth.log" >> "$DEMO/logs/auth.log"
cat "$DEMO/samples/access.log" >> "$DEMO/logs/access.log"

count() { "$SOCCTL" --config "$DEMO/collector.yaml" events --kind log --count 2>/dev/null || echo 0; }
for _ in $(seq 600); do [ "$(count)" -ge "$LINES" ] && break; sleep 0.1; done
STORED=$(count)
if [ "$STORED" -ne "$LINES" ]; then
  echo "only $STORED of $LINES lines stored; see $DEMO/agent.log and $DEMO/collector.log" >&2
  exit 1
fi
say "all $LINES lines stored exactly once, decoded into ECS fields"
if [ "${#PCAPS[@]}" -gt 0 ]; then
  # Capture files are read once, at start: added now, they are matched by the pack's packet
  # rules, which the agent kept across the restart (as it keeps its file offsets).
  say "agent: restarted with ${#PCAPS[@]} capture files added as pcap sources (pack and file offsets survive)"
  kill "$(cat "$DEMO/agent.pid")"
  for _ in $(seq 100); do kill -0 "$(cat "$DEMO/agent.pid")" 2>/dev/null || break; sleep 0.1; done
  for p in "${PCAPS[@]}"; do printf '  - type: pcap\n    file: %s\n' "$p"; done >> "$DEMO/agent.yaml"
  "$AGENT" --config "$DEMO/agent.yaml" >> "$DEMO/agent.log" 2>&1 &
  echo $! > "$DEMO/agent.pid"
  flows() { "$SOCCTL" --config "$DEMO/collector.yaml" events --kind flow --count 2>/dev/null || echo 0; }
  for _ in $(seq 300); do [ "$(flows)" -gt 0 ] && break; sleep 0.1; done
  say "captures replayed: $(flows) flows and their DNS, HTTP and TLS summaries stored"
fi

echo
say "socctl agent list   (PACK: the pack version each agent runs)"
"$SOCCTL" --config "$DEMO/collector.yaml" agent list
echo
say "socctl pack list"
"$SOCCTL" --config "$DEMO/collector.yaml" pack list
echo
say "socctl events --kind log --limit 5   (newest first)"
"$SOCCTL" --config "$DEMO/collector.yaml" events --kind log --limit 5
echo
ALERTS=$("$SOCCTL" --config "$DEMO/collector.yaml" events --kind alert --count)
say "socctl events --kind alert --limit 10   ($ALERTS alerts raised by the published pack)"
"$SOCCTL" --config "$DEMO/collector.yaml" events --kind alert --limit 10
echo
if [ "${#PCAPS[@]}" -gt 0 ]; then
  for kind in flow dns http tls; do
    say "socctl events --kind $kind --limit 3 --json   (from the replayed captures)"
    "$SOCCTL" --config "$DEMO/collector.yaml" events --kind "$kind" --limit 3 --json
    echo
  done
fi
if [ "${#PCAPS[@]}" -gt 0 ]; then
  say "socctl events 'rule.ruleset: packet' --limit 5   (packet rules of the pack on the captures)"
  "$SOCCTL" --config "$DEMO/collector.yaml" events 'rule.ruleset: packet' --limit 5
  echo
fi
say "socctl events --kind alert --limit 1 --json   (ECS-shaped, ready for Elastic/OpenSearch)"
"$SOCCTL" --config "$DEMO/collector.yaml" events --kind alert --limit 1 --json
echo
say "socctl incidents   (what an analyst works from: correlations and high alerts, not lines)"
if [ "${#PCAPS[@]}" -gt 0 ]; then
  for _ in $(seq 300); do
    "$SOCCTL" --config "$DEMO/collector.yaml" incidents | grep -q "Port Scan" && break
    sleep 0.1
  done
fi
"$SOCCTL" --config "$DEMO/collector.yaml" incidents --limit 20
echo
FIRST=$("$SOCCTL" --config "$DEMO/collector.yaml" incidents --json --limit 1 | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
if [ -n "$FIRST" ]; then
  say "socctl incident show $FIRST   (its evidence and history)"
  "$SOCCTL" --config "$DEMO/collector.yaml" incident show "$FIRST" | head -30
  echo
  say "socctl incident ack $FIRST --note ...   then   socctl incident close $FIRST --note ..."
  "$SOCCTL" --config "$DEMO/collector.yaml" incident ack "$FIRST" --as demo --note "looking into it"
  "$SOCCTL" --config "$DEMO/collector.yaml" incident close "$FIRST" --as demo --note "source blocked at the firewall"
  echo
fi
say "socctl events 'event.outcome: failure and not user.name: root' --limit 5   (the search language)"
"$SOCCTL" --config "$DEMO/collector.yaml" events 'event.outcome: failure and not user.name: root' --limit 5
echo
say "socctl token add demo-analyst --role analyst   (a bearer token for the HTTP API, stored hashed)"
TOKEN=$("$SOCCTL" --config "$DEMO/collector.yaml" token add demo-analyst --role analyst 2>/dev/null)
(umask 077 && echo "$TOKEN" > "$DEMO/api-token")
echo "    token: ${TOKEN:0:8}... saved in $DEMO/api-token (socctl prints it once; the collector keeps its hash)"
echo
say "socctl --url $API --token TOKEN incidents --state open --limit 5   (the same commands, remotely)"
"$SOCCTL" --url "$API" --token "$TOKEN" incidents --state open --limit 5
echo
say "curl -H 'Authorization: Bearer TOKEN' '$API/api/v1/events?q=source.ip:183.62.140.253&limit=1'"
curl -s -H "Authorization: Bearer $TOKEN" "$API/api/v1/events?q=source.ip:183.62.140.253&limit=1"
echo
say "without a token, or with an analyst's token on an admin route: 401 and 403"
printf '    GET /api/v1/incidents (no token): %s\n' \
  "$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/incidents")"
printf '    GET /api/v1/agents (analyst):     %s\n' \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$API/api/v1/agents")"
echo
cat <<TEXT
The collector (pid $(cat "$DEMO/collector.pid")) and the agent (pid $(cat "$DEMO/agent.pid")) keep running:
  append to $DEMO/logs/auth.log and watch:  $SOCCTL --config $DEMO/collector.yaml events --since 5m
  API:   socctl --url $API --token \$(cat $DEMO/api-token) incidents
  logs:  $DEMO/collector.log  $DEMO/agent.log
  stop:  kill \$(cat $DEMO/agent.pid $DEMO/collector.pid)
TEXT
