#!/usr/bin/env bash
# The shell baseline of `make bench`: one `jq | iconv` pipeline per webhook file.
#
#   baseline_jq.sh INBOX_DIR_OR_FILE OUT_DIR
#
# Keeps the clients whose phone has a digit and writes a `;`-separated windows-1251 CSV
# (emoji and other characters windows-1251 lacks become `?`) under a temporary name, then
# `mv`s it into place. It does NOT fsync: a shell has no cheap way to, so it is not at equal
# durability with bachata1c and baseline.py (it is faster than it would be).
set -euo pipefail
in=$1
out=$2
mkdir -p "$out"

filter='
  def text: if . == null then "" elif type == "string" then . else tojson end;
  def safe: gsub(";"; ",") | gsub("\""; "'"'"'") | gsub("[\r\n\t]"; " ");
  (.event | text) as $event
  | (.dialogId | text) as $dialog
  | [.clients[]? | objects
     | (.phone | text) as $raw
     | select($raw | test("[0-9]"))
     | [ (.clientId | text), (.name | text),
         ($raw | gsub("[^0-9]"; "") | if length == 11 and (.[0:1] == "7" or .[0:1] == "8")
            then "+7" + .[1:] else . end),
         (.email | text), (if $event == "" then "dialog_completed" else $event end),
         (.searchId | text), (.login | text), $raw, $dialog,
         ((.customData // {}) | if type == "object"
            then to_entries | map("\(.key)=\(.value | text)") | join(" | ")
            else text end),
         $src ]
     | map(safe) | join(";") + "\r"]
  | if length > 0
    then "ИдКлиента;Имя;Телефон;Email;Событие;ИдПоиска;Логин;ТелефонИсходный;ИдДиалога;ДополнительныеДанные;ИмяФайла\r", .[]
    else empty end'

if [ -d "$in" ]; then
  set -- "$in"/*.json
else
  set -- "$in"
fi
for file in "$@"; do
  name=$(basename "$file" .json)
  temporary="$out/.$name.csv.$$.tmp"
  jq -r --arg src "$name.json" "$filter" "$file" | iconv -f UTF-8 -t WINDOWS-1251//TRANSLIT >"$temporary"
  if [ -s "$temporary" ]; then
    mv -f "$temporary" "$out/$name.csv"
  else
    rm -f "$temporary"
  fi
done
