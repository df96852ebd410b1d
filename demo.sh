#!/usr/bin/env bash
# The demo: a local Bitrix24 (the portal emulator) and the app, with the app installed into a
# seeded demo portal. Open the printed URL in a browser; Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")"

EMULATOR=http://127.0.0.1:5080
APP=http://localhost:5000
CLIENT_ID=local.demo.app
CLIENT_SECRET=demo-secret-$(date +%s)
DATA=${DEMO_DATA:-$(mktemp -d)}

dotnet build B24CallListApp.sln -v quiet -nologo >/dev/null
dotnet run --no-build --project src/PortalEmulator -- --urls "$EMULATOR" >"$DATA/emulator.log" 2>&1 &
EMULATOR_PID=$!
Bitrix24__ClientId=$CLIENT_ID Bitrix24__ClientSecret=$CLIENT_SECRET \
Bitrix24__OAuthServers__0=$EMULATOR/ Bitrix24__AllowPrivateNetworkPortals=true \
ConnectionStrings__Default="Data Source=$DATA/b24calllist.db" \
  dotnet run --no-build --project src/B24CallListApp -- --urls "$APP" >"$DATA/app.log" 2>&1 &
APP_PID=$!
trap 'kill $EMULATOR_PID $APP_PID 2>/dev/null || true' EXIT

for _ in $(seq 1 60); do
  curl -fs "$APP/healthz" >/dev/null 2>&1 && curl -fs "$EMULATOR/" >/dev/null 2>&1 && break
  sleep 1
done

portal=$(curl -fs -X POST "$EMULATOR/_emulator/portals" -H 'content-type: application/json' \
  -d "{\"clientId\":\"$CLIENT_ID\",\"clientSecret\":\"$CLIENT_SECRET\",\"seed\":\"demo\",\"handlerUrl\":\"$APP/\",\"installUrl\":\"$APP/install\",\"eventHandlerUrl\":\"$APP/events\"}")
member=$(echo "$portal" | sed -E 's/.*"memberId":"([^"]+)".*/\1/')
domain=$(echo "$portal" | sed -E 's/.*"domain":"([^"]+)".*/\1/')
curl -fs -X POST "$EMULATOR/_emulator/portals/$member/install" -H 'content-type: application/json' -d '{"finish":true}' >/dev/null

echo
echo "The app is installed in a demo portal. Open it in a browser:"
echo "  http://$domain/?user=1   (Alex Morgan, administrator)"
echo "  http://$domain/?user=2   (Maria Petrova, sees only her own contacts)"
echo "  http://$domain/?user=2&lang=ru   (in Russian)"
echo "  http://$domain/?user=1&view=contacts   (CRM contacts: the row menu opens the app's placement)"
echo "Logs: $DATA. Press Ctrl+C to stop."
wait
