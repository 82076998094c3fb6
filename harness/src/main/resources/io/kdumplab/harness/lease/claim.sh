# The host's claim: which orchestrator run holds this host. POSIX sh, run as root on the host.
# usage: claim.sh DIR OP TOKEN SECONDS MACHINE USER MODE RUN PID FENCE
#   OP take|renew|release|read; SECONDS: how long the claim outlives a silent holder (from the host's clock);
#   FENCE: "DATABASE/TOKEN" of the holder's database lease, or "-".
# Every change is made under flock, written to a new file, renamed and synced: a crash right after it (the NMI
# comes next) must find the claim on disk after the reboot, never half a file.
set -u
d=$1 op=$2 tok=$3 ttl=$4 machine=$5 user=$6 mode=$7 run=$8 pid=$9
shift 9
fence=$1
f=$d/claim
mkdir -p "$d" || { echo "status=error cannot create $d"; exit 0; }
exec 9>>"$d/claim.lock" || { echo "status=error cannot open $d/claim.lock"; exit 0; }
flock -w 10 9 || { echo "status=busy"; exit 0; }
now=$(date +%s)
field() { [ -f "$f" ] && sed -n "s/^$1=//p" "$f" | head -n 1; }
cur=$(field token)
deadline=$(field deadline)
since=$(field since)
old_fence=$(field fence)
show() { [ -f "$f" ] && sed 's/^/holder./' "$f"; echo "now=$now"; }
# write SINCE [KEEP]: the new deadline is now + SECONDS, or the present one if KEEP and it is later (a renewal
# never shortens a claim extended to cover an outage)
write() {
    until=$((now + ttl))
    [ "${2:-}" = keep ] && [ "${deadline:-0}" -gt "$until" ] && until=$deadline
    t=$f.new.$$
    { echo "token=$tok"; echo "machine=$machine"; echo "user=$user"; echo "mode=$mode"; echo "run=$run"
      echo "pid=$pid"; echo "fence=$fence"; echo "since=$1"; echo "deadline=$until"; } > "$t" &&
        mv -f "$t" "$f" && { sync "$f" "$d" 2>/dev/null || sync; }
}
# the holder's database lease was taken over by ours (same database, newer fencing token): the database has already
# decided that the old holder lost the host, so its claim need not run out first. The same token is the same grant of
# the lease, so the same holder: a take whose answer was lost (the host froze mid-command) wrote that claim
superseded() {
    [ "$fence" != "-" ] && [ -n "$old_fence" ] && [ "$old_fence" != "-" ] && [ "${old_fence%/*}" = "${fence%/*}" ] &&
        [ "${old_fence##*/}" -le "${fence##*/}" ]
}
case $op in
take)
    if [ -z "$cur" ] || [ "$cur" = "$tok" ]; then
        write "${since:-$now}" && { echo "status=taken"; show; }
    elif [ "${deadline:-0}" -lt "$now" ] || superseded; then
        why=expired
        [ "${deadline:-0}" -lt "$now" ] || why=superseded
        show | sed 's/^holder\./old./'
        write "$now" && { echo "status=taken-over $why"; show; }
    else
        echo "status=held"; show
    fi ;;
renew)
    if [ -n "$cur" ] && [ "$cur" = "$tok" ]; then
        write "$since" keep && { echo "status=renewed"; show; }
    else
        echo "status=lost"; show
    fi ;;
release)
    if [ -n "$cur" ] && [ "$cur" = "$tok" ]; then
        rm -f "$f" && { sync "$d" 2>/dev/null || sync; } && echo "status=released"
    else
        echo "status=not-ours"; show
    fi ;;
read)
    echo "status=read"; show ;;
*)
    echo "status=error unknown op $op" ;;
esac
