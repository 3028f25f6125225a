#!/usr/bin/env bash
# One-shot set-up job of the compose stack (service `es-users`): gives the built-in kibana_system user
# its password and creates the workers' least-privilege role and user. Idempotent: every call is a PUT
# or POST that overwrites, so re-running `docker compose up` is safe.
set -euo pipefail

: "${ES_URL:?}" "${ELASTIC_PASSWORD:?}" "${KIBANA_SYSTEM_PASSWORD:?}"
: "${CHORUSWATCH_ES_USERNAME:?}" "${CHORUSWATCH_ES_PASSWORD:?}" "${CHORUSWATCH_ES_ALIAS:?}"

es() {
  # $1 method, $2 path, $3 JSON body. -f makes an HTTP error fail the job (and the stack's start order).
  curl -fsS -u "elastic:${ELASTIC_PASSWORD}" -X "$1" "${ES_URL}$2" \
    -H 'Content-Type: application/json' -d "$3"
  echo
}

es POST /_security/user/kibana_system/_password "{\"password\": \"${KIBANA_SYSTEM_PASSWORD}\"}"

# What `choruswatch es setup` and the sink need, on the alias and the indices behind it, and nothing else.
es PUT /_security/role/choruswatch_writer "{
  \"cluster\": [\"monitor\", \"manage_index_templates\"],
  \"indices\": [{
    \"names\": [\"${CHORUSWATCH_ES_ALIAS}\", \"${CHORUSWATCH_ES_ALIAS}-*\"],
    \"privileges\": [\"create_index\", \"manage\", \"write\", \"read\", \"view_index_metadata\"]
  }]
}"

es PUT "/_security/user/${CHORUSWATCH_ES_USERNAME}" "{
  \"password\": \"${CHORUSWATCH_ES_PASSWORD}\",
  \"roles\": [\"choruswatch_writer\"],
  \"full_name\": \"ChorusWatch workers\"
}"
