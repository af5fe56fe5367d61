#!/usr/bin/env bash
# Runs registryd for local development: creates ./var/dev on first run (master key, Ed25519
# signing key + JWKS, data dir), prints ready-to-paste tokens, then serves on 127.0.0.1:50051.
set -euo pipefail
BIN=${1:-build/bin}
DEV=var/dev
ISSUER=cloudmanager-dev
mkdir -p "$DEV"
chmod 700 "$DEV"
if [[ ! -s "$DEV/master.key" ]]; then
  (umask 077 && "$BIN/registryctl" dev master-key > "$DEV/master.key")
  echo "created $DEV/master.key"
fi
if [[ ! -s "$DEV/signing.key" ]]; then
  "$BIN/registryctl" dev keygen --key-out "$DEV/signing.key" --jwks-out "$DEV/jwks.json" --kid dev
fi
user_token=$("$BIN/registryctl" dev token --key "$DEV/signing.key" --issuer "$ISSUER" \
  --sub alice --scope "registry.read registry.write" --ttl 86400)
resolver_token=$("$BIN/registryctl" dev token --key "$DEV/signing.key" --issuer "$ISSUER" \
  --sub deployment-service --scope "credentials.resolve" --ttl 86400)
admin_token=$("$BIN/registryctl" dev token --key "$DEV/signing.key" --issuer "$ISSUER" \
  --sub operator --scope "registry.admin" --ttl 86400)
cat <<MSG

Tokens (valid 24 h):
  export USER_TOKEN=$user_token
  export RESOLVER_TOKEN=$resolver_token
  export ADMIN_TOKEN=$admin_token

Try:
  REGISTRYCTL_TOKEN=\$USER_TOKEN $BIN/registryctl presets
  grpcurl -plaintext -H "authorization: Bearer \$USER_TOKEN" -d '{"parent":"users/alice"}' \\
    localhost:50051 cloudmanager.registry.v1.RegistryService/ListRegistries

MSG
exec "$BIN/registryd" --listen=127.0.0.1:50051 --data-dir="$DEV/data" \
  --master-key-file="$DEV/master.key" --jwks-file="$DEV/jwks.json" --jwt-issuer="$ISSUER"
