#!/usr/bin/env bash
# Prints one line per test class (PASS / FAIL / NO RESULT) and one per test that did not pass,
# from surefire's XML reports. Usage: summarize.sh <surefire-reports dir> <class>...
# Exit code 0 when every class passed.
set -euo pipefail
reports="$1"; shift
status=0
for class in "$@"; do
  class="${class%%#*}"
  xml="$reports/TEST-$class.xml"
  if [ ! -f "$xml" ]; then
    printf '%-10s %s  (no report: the fork crashed or timed out; see %s)\n' "NO RESULT" "$class" "$reports"
    status=1
    continue
  fi
  # One record per test case: outcome, name, message.
  cases="$(awk '
    function attr(line, key,   m) {
      if (match(line, key "=\"[^\"]*\"")) { m = substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 3); return m }
      return ""
    }
    function flush() { if (open) { print outcome "\t" name "\t" msg; open = 0 } }
    /<testcase / {
      flush(); open = 1; outcome = "PASS"; msg = ""; name = attr($0, "name")
      if ($0 ~ /\/>[[:space:]]*$/) flush()
      next
    }
    open && /<(failure|error)[ >]/ { outcome = "FAIL"; msg = attr($0, "type") ": " attr($0, "message") }
    open && /<skipped/ { outcome = "SKIP"; msg = attr($0, "message") }
    open && /<\/testcase>/ { flush() }
    END { flush() }
  ' "$xml")"
  total="$(printf '%s\n' "$cases" | grep -c . || true)"
  failed="$(printf '%s\n' "$cases" | grep -c '^FAIL' || true)"
  skipped="$(printf '%s\n' "$cases" | grep -c '^SKIP' || true)"
  if [ "$failed" -gt 0 ]; then verdict="FAIL"; status=1; else verdict="PASS"; fi
  printf '%-10s %s  (%s tests, %s failed, %s skipped)\n' "$verdict" "$class" "$total" "$failed" "$skipped"
  printf '%s\n' "$cases" | awk -F'\t' '$1 != "PASS" && $1 != "" {
    msg = $3; gsub(/&#10;/, " ", msg); gsub(/&lt;/, "<", msg); gsub(/&gt;/, ">", msg); gsub(/&quot;/, "\"", msg); gsub(/&amp;/, "\\&", msg)
    if (length(msg) > 220) msg = substr(msg, 1, 220) "..."
    printf "    %-4s %s: %s\n", $1, $2, msg
  }'
done
exit "$status"
