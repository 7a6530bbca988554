#!/usr/bin/env bash
# ocs-provisioning.sh: walks a Nextcloud-style OCS provisioning flow against Roster with curl,
# the way an administrator would type it, and checks every answer.
#
#   ROSTER_URL=http://127.0.0.1:8080 ROSTER_USER=admin ROSTER_PASSWORD=... bash scripts/ocs-provisioning.sh
#
# Steps (v1 answers XML unless asked otherwise, v2 answers JSON here via `Accept: application/json`):
#   0  who am I                       GET    v2 /cloud/user
#   1  create two groups              POST   v1 /cloud/groups                 form: groupid, displayname
#   2  create a user in group 1       POST   v1 /cloud/users                  form: userid, password, displayName, email, groups[]
#   3  read the user                  GET    v2 /cloud/users/{id}
#   4  change the user's email        PUT    v2 /cloud/users/{id}             JSON: {"key":"email","value":…}
#   5  add the user to group 2        POST   v1 /cloud/users/{id}/groups      form: groupid
#   6  make the user subadmin of 2    POST   v1 /cloud/users/{id}/subadmins   form: groupid
#   7  search users                   GET    v2 /cloud/users?search=…&limit=…
#   8  disable the user               PUT    v1 /cloud/users/{id}/disable
#   9  enable the user                PUT    v1 /cloud/users/{id}/enable
#   10 remove the user from group 1   DELETE v2 /cloud/users/{id}/groups      JSON: {"groupid":…}
#   11 delete the user                DELETE v1 /cloud/users/{id}
#   12 delete both groups             DELETE v1 /cloud/groups/{id}
# After each mutation the result is read back. Every request carries `OCS-APIRequest: true`.
#
# Environment (defaults in brackets):
#   ROSTER_URL       base URL of Roster, without /ocs               [http://127.0.0.1:8080]
#   ROSTER_USER      an admin's login                               [admin]
#   ROSTER_PASSWORD  their password, personal token or app password [admin-secret]
#   DEMO_USER        user id created and deleted by the flow        [ocs-demo-user]
#   DEMO_PASSWORD    its initial password                           [Demo-pw-123!]
#   DEMO_GROUP       group the user is created in                   [ocs-demo-staff]
#   DEMO_GROUP2      group the user joins and administers           [ocs-demo-project]
#   DEMO_EMAIL       its email at creation                          [ocs-demo@example.com]
#   DEMO_EMAIL2      the email it is changed to                     [ocs-demo.new@example.org]
#
# Needs bash, curl and sed only (answers are parsed with sed, no jq; the values the flow checks are
# compared as Roster writes them on the wire, see json_wire). Credentials are handed to curl on
# standard input, so the password never appears in the process list.
# Exit status: 0 when every step answered as expected; 1 when a step did not (the answer is printed
# on stderr, and the groups and user this run created are removed again, best effort); 2 when curl
# is missing.
set -euo pipefail

ROSTER_URL="${ROSTER_URL:-http://127.0.0.1:8080}"
ROSTER_URL="${ROSTER_URL%/}"
ROSTER_USER="${ROSTER_USER:-admin}"
ROSTER_PASSWORD="${ROSTER_PASSWORD:-admin-secret}"
DEMO_USER="${DEMO_USER:-ocs-demo-user}"
DEMO_PASSWORD="${DEMO_PASSWORD:-Demo-pw-123!}"
DEMO_GROUP="${DEMO_GROUP:-ocs-demo-staff}"
DEMO_GROUP2="${DEMO_GROUP2:-ocs-demo-project}"
DEMO_EMAIL="${DEMO_EMAIL:-ocs-demo@example.com}"
DEMO_EMAIL2="${DEMO_EMAIL2:-ocs-demo.new@example.org}"

if ! command -v curl >/dev/null 2>&1; then
  echo "ocs-provisioning: curl is required but not installed" >&2
  exit 2
fi

# ---------------------------------------------------------------------------------------------
# helpers

BODY=''  # body of the last answer
HTTP=''  # its HTTP status
STEP=''  # what is being done

# Percent-encodes one path segment (bytewise, so UTF-8 ids work).
urlencode() {
  local LC_ALL=C s="$1" out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [a-zA-Z0-9.~_-]) out+="$c" ;;
      *) printf -v c '%%%02X' "'$c"; out+="$c" ;;
    esac
  done
  printf '%s' "$out"
}

# Quotes a string as a JSON string (for request bodies).
json_string() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"; s="${s//$'\r'/\\r}"; s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# curl's `user = "login:secret"` config line, read from stdin (-K -).
auth_config() {
  local v="$ROSTER_USER:$ROSTER_PASSWORD"
  v="${v//\\/\\\\}"; v="${v//\"/\\\"}"
  printf 'user = "%s"\n' "$v"
}

# ocs METHOD VERSION PATH [curl arguments…]: one OCS request; sets BODY and HTTP.
ocs() {
  local method="$1" version="$2" path="$3" out
  shift 3
  if ! out="$(auth_config | curl -sS -K - -X "$method" -H 'OCS-APIRequest: true' -w '\n%{http_code}' "$@" \
      "$ROSTER_URL/ocs/v$version.php/cloud/$path")"; then
    fail "could not reach $ROSTER_URL"
  fi
  HTTP="${out##*$'\n'}"
  BODY="${out%$'\n'*}"
}

# The OCS statuscode and message of BODY (XML or JSON).
statuscode() { printf '%s\n' "$BODY" | sed -n -e 's:.*<statuscode>\([0-9]*\)</statuscode>.*:\1:p' -e 's/.*"statuscode":\([0-9]*\).*/\1/p'; }
message() { printf '%s\n' "$BODY" | sed -n -e 's:.*<message>\(.*\)</message>.*:\1:p' -e 's/.*"message":"\([^"]*\)".*/\1/p'; }

# Roster writes JSON strings as PHP does (ocs-provisioning §4.4): `/` as `\/`, `<` and `>` as
# `\u003C` and `\u003E`, and every non-ASCII character as `\uXXXX`. json_wire writes a value that
# way, so that answers can be compared without a JSON parser: `España/x` → `"Espa\u00f1a\/x"`.
json_wire() {
  local LC_ALL=C s="$1" out='"' c b i n cp
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    printf -v b '%d' "'$c"
    if ((b < 0)); then b=$((b + 256)); fi
    if ((b >= 0x80)); then  # a UTF-8 sequence: decode it to a code point
      if ((b >= 0xF0)); then n=3; cp=$((b & 0x07)); elif ((b >= 0xE0)); then n=2; cp=$((b & 0x0F)); else n=1; cp=$((b & 0x1F)); fi
      for ((; n > 0; n--)); do
        i=$((i + 1))
        printf -v b '%d' "'${s:i:1}"
        if ((b < 0)); then b=$((b + 256)); fi
        cp=$(((cp << 6) | (b & 0x3F)))
      done
      if ((cp > 0xFFFF)); then
        cp=$((cp - 0x10000))
        printf -v c '\\u%04x\\u%04x' $((0xD800 + (cp >> 10))) $((0xDC00 + (cp & 0x3FF)))
      else
        printf -v c '\\u%04x' "$cp"
      fi
      out+="$c"
      continue
    fi
    case "$c" in
      '"') out+='\"' ;;
      \\) out+="\\\\" ;;
      '/') out+='\/' ;;
      '<') out+='\u003C' ;;
      '>') out+='\u003E' ;;
      $'\n') out+='\n' ;;
      $'\r') out+='\r' ;;
      $'\t') out+='\t' ;;
      *)
        if ((b < 0x20)); then printf -v c '\\u%04x' "$b"; fi
        out+="$c"
        ;;
    esac
  done
  printf '%s"' "$out"
}

# One JSON string on the wire, as a sed BRE: quotes around characters or escapes.
JSON_STR='"[^"\\]*\(\\.[^"\\]*\)*"'
# The string member KEY of a one-line JSON answer, as written on the wire (its last occurrence).
json_field() { printf '%s\n' "$BODY" | sed -n "s/.*\"$1\":\\($JSON_STR\\).*/\\1/p"; }
# The items of the list member KEY, as written on the wire: "groups":["a","b"] → "a","b".
json_list() { printf '%s\n' "$BODY" | sed -n "s/.*\"$1\":\\[\\(\\($JSON_STR,\\{0,1\\}\\)*\\)\\].*/\\1/p"; }
# The items of "data":[…], for endpoints whose data is a bare list.
json_data_list() { json_list data; }
# The text of the XML element NAME (one element per line, as Roster writes XML).
xml_field() { printf '%s\n' "$BODY" | sed -n "s:.*<$1>\\(.*\\)</$1>.*:\\1:p"; }

fail() {
  echo "FAILED: ${STEP:-setup}: $1" >&2
  if [ -n "$BODY" ]; then
    echo "  HTTP $HTTP, answer:" >&2
    printf '%s\n' "$BODY" | sed 's/^/    /' >&2
  fi
  exit 1
}

step() {
  STEP="$1"
  echo "==> $STEP"
}

# expect HTTP STATUSCODE: the last answer must have both.
expect() {
  local sc
  sc="$(statuscode)"
  if [ "$HTTP" != "$1" ] || [ "$sc" != "$2" ]; then
    fail "expected HTTP $1 and statuscode $2, got HTTP $HTTP and statuscode ${sc:-none} $(message)"
  fi
  echo "    ok: HTTP $HTTP, statuscode $sc"
}

# check DESCRIPTION ACTUAL EXPECTED
check() {
  if [ "$2" != "$3" ]; then fail "$1: expected '$3', got '$2'"; fi
  echo "    $1: $2"
}

# check_item DESCRIPTION LIST ITEM: LIST ("a","b") holds ITEM ("a").
check_item() {
  case ",$2," in
    *",$3,"*) echo "    $1: $2" ;;
    *) fail "$1: expected $3 in [$2]" ;;
  esac
}

# "enabled" of a JSON user answer: true or false.
enabled() { printf '%s\n' "$BODY" | sed -n -e 's/.*"enabled":true.*/true/p' -e 's/.*"enabled":false.*/false/p'; }

# On failure, remove what this run created (never what existed before it).
CREATED_USER=0
CREATED_GROUPS=()
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    if [ "$CREATED_USER" = 1 ]; then
      echo "cleanup: deleting user $DEMO_USER" >&2
      (ocs DELETE 1 "users/$(urlencode "$DEMO_USER")") >/dev/null 2>&1 || true
    fi
    for g in "${CREATED_GROUPS[@]+"${CREATED_GROUPS[@]}"}"; do
      echo "cleanup: deleting group $g" >&2
      (ocs DELETE 1 "groups/$(urlencode "$g")") >/dev/null 2>&1 || true
    done
  fi
  exit "$status"
}
trap cleanup EXIT

U="$(urlencode "$DEMO_USER")"
JSON=(-H 'Accept: application/json')

echo "OCS provisioning flow against $ROSTER_URL as $ROSTER_USER"

# ---------------------------------------------------------------------------------------------
# 0. who am I (v2, JSON)
step "0. check the credentials: GET /ocs/v2.php/cloud/user"
ocs GET 2 user "${JSON[@]}"
expect 200 200
check "logged in as" "$(json_field id)" "$(json_wire "$ROSTER_USER")"

# 1. create two groups (v1, form body, XML answer)
for g in "$DEMO_GROUP" "$DEMO_GROUP2"; do
  step "1. create group '$g': POST /ocs/v1.php/cloud/groups (form)"
  ocs POST 1 groups --data-urlencode "groupid=$g" --data-urlencode "displayname=Demo group $g"
  expect 200 100
  CREATED_GROUPS+=("$g")
done

# 2. create the user with groups[] (v1, form body, XML answer)
step "2. create user '$DEMO_USER' in '$DEMO_GROUP': POST /ocs/v1.php/cloud/users (form, groups[])"
ocs POST 1 users --data-urlencode "userid=$DEMO_USER" --data-urlencode "password=$DEMO_PASSWORD" \
  --data-urlencode "displayName=Demo User" --data-urlencode "email=$DEMO_EMAIL" \
  --data-urlencode "groups[]=$DEMO_GROUP"
expect 200 100
CREATED_USER=1
check "created id" "$(xml_field id)" "$DEMO_USER"

# 3. read the user (v2, JSON)
step "3. read user: GET /ocs/v2.php/cloud/users/$U"
ocs GET 2 "users/$U" "${JSON[@]}"
expect 200 200
check "id" "$(json_field id)" "$(json_wire "$DEMO_USER")"
check "email" "$(json_field email)" "$(json_wire "$DEMO_EMAIL")"
check "displayname" "$(json_field displayname)" "$(json_wire "Demo User")"
check "groups" "$(json_list groups)" "$(json_wire "$DEMO_GROUP")"

# 4. edit the email with a JSON body (v2)
step "4. change email: PUT /ocs/v2.php/cloud/users/$U (JSON body)"
ocs PUT 2 "users/$U" "${JSON[@]}" -H 'Content-Type: application/json' \
  --data-binary "{\"key\":\"email\",\"value\":$(json_string "$DEMO_EMAIL2")}"
expect 200 200
echo "    read back: GET /ocs/v2.php/cloud/users/$U"
ocs GET 2 "users/$U" "${JSON[@]}"
expect 200 200
check "email now" "$(json_field email)" "$(json_wire "$DEMO_EMAIL2")"

# 5. add to the second group (v1, form)
step "5. add to group '$DEMO_GROUP2': POST /ocs/v1.php/cloud/users/$U/groups (form)"
ocs POST 1 "users/$U/groups" --data-urlencode "groupid=$DEMO_GROUP2"
expect 200 100

# 6. promote to subadmin of the second group (v1, form)
step "6. make subadmin of '$DEMO_GROUP2': POST /ocs/v1.php/cloud/users/$U/subadmins (form)"
ocs POST 1 "users/$U/subadmins" --data-urlencode "groupid=$DEMO_GROUP2"
expect 200 100
echo "    read back: GET /ocs/v2.php/cloud/users/$U/subadmins"
ocs GET 2 "users/$U/subadmins" "${JSON[@]}"
expect 200 200
check "subadmin of" "$(json_data_list)" "$(json_wire "$DEMO_GROUP2")"

# 7. list users with search and limit (v2, JSON; query parameters)
step "7. search users: GET /ocs/v2.php/cloud/users?search=$DEMO_USER&limit=10"
ocs GET 2 users "${JSON[@]}" -G --data-urlencode "search=$DEMO_USER" --data-urlencode 'limit=10'
expect 200 200
check_item "found" "$(json_list users)" "$(json_wire "$DEMO_USER")"

# 8. disable (v1)
step "8. disable: PUT /ocs/v1.php/cloud/users/$U/disable"
ocs PUT 1 "users/$U/disable"
expect 200 100
echo "    read back: GET /ocs/v2.php/cloud/users/$U"
ocs GET 2 "users/$U" "${JSON[@]}"
expect 200 200
check "enabled" "$(enabled)" false

# 9. enable (v1)
step "9. enable: PUT /ocs/v1.php/cloud/users/$U/enable"
ocs PUT 1 "users/$U/enable"
expect 200 100
echo "    read back: GET /ocs/v2.php/cloud/users/$U"
ocs GET 2 "users/$U" "${JSON[@]}"
expect 200 200
check "enabled" "$(enabled)" true

# 10. remove from the first group: DELETE with a JSON body (v2)
step "10. remove from group '$DEMO_GROUP': DELETE /ocs/v2.php/cloud/users/$U/groups (JSON body)"
ocs DELETE 2 "users/$U/groups" "${JSON[@]}" -H 'Content-Type: application/json' \
  --data-binary "{\"groupid\":$(json_string "$DEMO_GROUP")}"
expect 200 200
echo "    read back: GET /ocs/v2.php/cloud/users/$U/groups"
ocs GET 2 "users/$U/groups" "${JSON[@]}"
expect 200 200
check "groups now" "$(json_list groups)" "$(json_wire "$DEMO_GROUP2")"

# 11. delete the user (v1)
step "11. delete user: DELETE /ocs/v1.php/cloud/users/$U"
ocs DELETE 1 "users/$U"
expect 200 100
CREATED_USER=0
echo "    read back: GET /ocs/v2.php/cloud/users/$U"
ocs GET 2 "users/$U" "${JSON[@]}"
expect 404 404

# 12. delete both groups (v1)
for g in "$DEMO_GROUP" "$DEMO_GROUP2"; do
  step "12. delete group '$g': DELETE /ocs/v1.php/cloud/groups/$(urlencode "$g")"
  ocs DELETE 1 "groups/$(urlencode "$g")"
  expect 200 100
  echo "    read back: GET /ocs/v2.php/cloud/groups/$(urlencode "$g")"
  ocs GET 2 "groups/$(urlencode "$g")" "${JSON[@]}"
  expect 404 404
done
CREATED_GROUPS=()

STEP=''
echo "OK: provisioning flow completed"
