#!/bin/sh
# The image's HEALTHCHECK: GET /health, with the API token, on the address and port shoal's API
# listens on (JF_IP/JF_PORT as shoal reads them; a wildcard address is reached on loopback).
host=${JF_IP:-127.0.0.1}
case $host in
  0.0.0.0) host=127.0.0.1 ;;
  ::) host='[::1]' ;;
  *:*) host="[$host]" ;;
esac
exec curl --fail --silent --show-error --output /dev/null --max-time 4 \
  --header "authorization: Bearer ${JF_SERVER_API_TOKEN:-}" "http://$host:${JF_PORT:-8080}/health"
