#!/bin/sh
# bachata1c's alerts to a Telegram chat, through the Bot API (docs/monitoring.md).
#
#   [alerts]
#   command = "/usr/local/bin/bachata1c-telegram.sh"
#
# Reads the alert's text on standard input and sends it with sendMessage. The bot's token and
# the chat's id come from TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, or else from telegram.conf
# beside this script, two lines readable by the service user only (chmod 600):
#
#   TELEGRAM_BOT_TOKEN=123456789:AA...
#   TELEGRAM_CHAT_ID=-1001234567890
#
# The token never appears on a command line (curl reads the address from a file descriptor).
# TELEGRAM_API_URL replaces https://api.telegram.org (a proxy, or the tests' server). Exits
# non-zero with Telegram's own words on standard error when the message is not accepted:
# bachata1c then logs them and sends the alert again at its next evaluation.
set -eu

conf="$(dirname "$0")/telegram.conf"
setting() {
  # The value of NAME=value in telegram.conf (Windows line ends and spaces dropped).
  [ -r "$conf" ] || return 0
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$conf" | tr -d '\r' |
    sed 's/[[:space:]]*$//' | tail -n 1
}
token=${TELEGRAM_BOT_TOKEN:-$(setting TELEGRAM_BOT_TOKEN)}
chat=${TELEGRAM_CHAT_ID:-$(setting TELEGRAM_CHAT_ID)}
api=${TELEGRAM_API_URL:-https://api.telegram.org}
if [ -z "$token" ] || [ -z "$chat" ]; then
  echo "bachata1c-telegram: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, or write them in $conf" >&2
  exit 2
fi

# The answer's body, then its HTTP status on a line of its own.
answer=$(
  curl --silent --show-error --max-time 20 --write-out '\n%{http_code}' \
    --data-urlencode "chat_id=$chat" --data-urlencode "text@-" \
    --config /dev/fd/3 3<<CONFIG
url = "${api%/}/bot$token/sendMessage"
CONFIG
)
status=${answer##*
}
body=${answer%
*}
if [ "$status" != 200 ]; then
  echo "bachata1c-telegram: Telegram answered $status: $body" >&2
  exit 1
fi
